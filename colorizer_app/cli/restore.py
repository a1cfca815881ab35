"""`colorizer-cli restore`: the restored black-and-white photo, for people who want only that.

Scratches, cracks, dust and spots found and filled; grain and faded contrast on request. The
output is the restored lightness as a gray photo of the same pixel size, EXIF and ICC carried
over, written atomically beside nothing it could overwrite. A gray photo gives a gray file; a colour
photo, or one with an RGB colour profile, an RGB file of gray pixels that the profile still fits.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .. import cpu_threads
from ..imaging.io import (
    OUTPUT_FORMATS, ImageError, SaveAbandoned, load_image, output_path, save_image,
)
from ..imaging.lab import gray_uint8
from ..imaging.metadata import icc_matches
from ..restore.options import Restore
from .outputs import batch_inputs, finish_batch, unique_path
from .restore_options import add_restore_options, restore_options
from .stop_signals import StopSignals


def add_parser(sub) -> None:
    p = sub.add_parser("restore", help="repair scratches and spots of black-and-white photos (no colour)")
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="photo files or folders (recursive)")
    p.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    add_restore_options(p, repair_flag=False)
    p.add_argument("--format", choices=sorted(OUTPUT_FORMATS), default="png")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality")
    p.add_argument("--pattern", default="{stem}_restored", help="output name pattern (default {stem}_restored)")
    p.add_argument("--threads", type=int, default=cpu_threads.AUTO, help="CPU threads: 0 (default) = automatic")
    p.set_defaults(func=run)


def run(args) -> int:
    options = restore_options(args)
    if options is None:
        print("error: --no-repair without --denoise or --contrast leaves nothing to do", file=sys.stderr)
        return 2
    if not 1 <= args.quality <= 100:
        print(f"error: --quality must be from 1 to 100, not {args.quality}", file=sys.stderr)
        return 2
    if not 0 <= args.threads <= cpu_threads.MAX_THREADS:
        print(f"error: --threads must be from 0 (automatic) to {cpu_threads.MAX_THREADS}, not {args.threads}",
              file=sys.stderr)
        return 2
    with StopSignals() as stop:
        return _run(args, options, stop)


def _run(args, options: Restore, stop: StopSignals) -> int:
    import torch

    from ..models.pipeline import lightness, restored
    from ..restore.detector import DetectorError

    torch.set_num_threads(cpu_threads.network_threads(args.threads or cpu_threads.process_default()))
    workers = cpu_threads.pixel_workers(args.threads or cpu_threads.process_default())
    inputs = batch_inputs(args)
    if inputs is None:
        return 2
    files, failures = inputs
    total = len(files) + len(failures)  # a missing input counts as a photo not written
    used: set[Path] = set()
    written = 0
    for src in tqdm(files, unit="photo", dynamic_ncols=True, desc="restoring"):
        if stop.stopped:
            break
        try:
            img = load_image(src)
            L = restored(lightness(img.pixels, workers), options)
            if stop.stopped:
                break
            dest = unique_path(output_path(src, args.out, args.format, args.pattern), used)
            gray = gray_uint8(L, workers)
            if img.pixels.ndim == 3 or (img.icc_profile and icc_matches(img.icc_profile, "RGB")):
                # the input's own form: its RGB colour profile still describes the file
                gray = np.repeat(gray[..., None], 3, axis=2)
            save_image(gray, dest, exif=img.exif, icc_profile=img.icc_profile,
                       quality=args.quality, protected=files, should_stop=stop.should_stop)
            written += 1
        except SaveAbandoned:
            break
        except DetectorError as e:  # the detector file, not the photo: every photo would fail
            print(f"error: {e}", file=sys.stderr)
            return 2
        except (ImageError, ValueError, OSError) as e:
            why = str(e) if isinstance(e, ImageError) else f"{src}: {e}"
            failures.append((src, why))
            tqdm.write(f"failed: {why}", file=sys.stderr)
    return finish_batch(written, total, args.out, failures, stop)
