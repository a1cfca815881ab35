"""`colorizer-cli colorize`: files and folders in, colour photos of the same pixel size out."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from tqdm import tqdm

from ..defaults import DEFAULT_MODEL, DEFAULT_SIZE
from ..models.header import shown_name
from .. import cpu_threads
from ..engine import Colorizer
from ..engine.output_check import ModelOutputError
from ..imaging.io import (
    OUTPUT_FORMATS,
    PNG_COMPRESSION,
    ImageError,
    SaveAbandoned,
    load_image,
    output_path,
    save_image,
)
from ..models.checkpoint import CheckpointError
from ..models.hints import HintsError, load_hints
from ..models.reference import (
    DEFAULT_COLOURS, MAX_COLOURS, MAX_STRENGTH, MIN_COLOURS, ReferenceError, reference_from, save_palette,
)
from .outputs import batch_inputs, finish_batch, unique_path
from .restore_options import add_restore_options, restore_options
from .stop_signals import StopSignals


def add_parser(sub) -> None:
    p = sub.add_parser("colorize", help="colourise photos (files or folders)")
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="photo files or folders (recursive)")
    p.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    p.add_argument("--model", help="natural, vivid, lively (or their family names regression, classification, "
                   f"gan), a user model's name, or a .safetensors file (default: {shown_name(DEFAULT_MODEL)})")
    p.add_argument("--temperature", type=float, help="classification: annealed-mean T (0 = mode, 1 = mean)")
    p.add_argument("--vibrance", type=float, default=1.0, help="scale the predicted colours (1 = as predicted)")
    p.add_argument("--size", type=int, default=DEFAULT_SIZE, help="working resolution (short side)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps")
    p.add_argument("--threads", type=int, default=cpu_threads.AUTO,
                   help="CPU threads: 0 (default) = automatic, which holds up when other programs keep "
                        "the machine busy; N = the network on N threads and the pixel work shared over N")
    p.add_argument("--format", choices=sorted(OUTPUT_FORMATS), default="png")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality")
    p.add_argument("--png", choices=sorted(PNG_COMPRESSION), default="fast",
                   help="PNG compression: fast (default) or small (smallest files, about 3x slower)")
    p.add_argument("--pattern", default="{stem}", help="output name pattern, e.g. {stem}_color")
    p.add_argument("--reference", metavar="PHOTO_OR_FOLDER",
                   help="take colours from this colour photo (they go where the same things are in yours; "
                        "where nothing matches, the model's own colours stay), or from the palette of the "
                        "colour photos in this folder, or of a palette saved by name (--save-palette)")
    p.add_argument("--reference-strength", type=float, default=0.5, metavar="S",
                   help=f"0 ignores the reference, {MAX_STRENGTH:g} keeps to its colours (default 0.5)")
    p.add_argument("--reference-colours", type=int, default=DEFAULT_COLOURS, metavar="K",
                   help=f"colours in the reference's palette, {MIN_COLOURS} to {MAX_COLOURS} (default {DEFAULT_COLOURS})")
    p.add_argument("--save-palette", metavar="NAME", help="also save the reference's palette under this name")
    p.add_argument("--hints", type=Path, metavar="HINTS.json",
                   help='colour hints for every input, as {"hints": [{"x": 0.25, "y": 0.6, "color": "#2a4fc0"}]}: '
                        "x and y are fractions of the photo's width and height from the top left, color an sRGB hex "
                        "colour of which only the hue and strength count (README: Colour hints)")
    add_restore_options(p, repair_flag=True)
    p.set_defaults(func=run)


def argument_problem(args) -> str | None:
    """Values argparse lets through but that would give black or broken photos."""
    if not math.isfinite(args.vibrance) or args.vibrance < 0:
        return f"--vibrance must be a number of 0 or more, not {args.vibrance}"
    if args.temperature is not None and not (math.isfinite(args.temperature) and args.temperature >= 0):
        return f"--temperature must be a number of 0 or more (0 = mode, 1 = mean), not {args.temperature}"
    if args.size < 8:
        return f"--size must be at least 8 pixels, not {args.size}"
    if not 0 <= args.threads <= cpu_threads.MAX_THREADS:
        return f"--threads must be from 0 (automatic) to {cpu_threads.MAX_THREADS}, not {args.threads}"
    if not 1 <= args.quality <= 100:
        return f"--quality must be from 1 to 100, not {args.quality}"
    if not (math.isfinite(args.reference_strength) and 0 <= args.reference_strength <= MAX_STRENGTH):
        return f"--reference-strength must be from 0 to {MAX_STRENGTH:g}, not {args.reference_strength}"
    if not MIN_COLOURS <= args.reference_colours <= MAX_COLOURS:
        return f"--reference-colours must be from {MIN_COLOURS} to {MAX_COLOURS}, not {args.reference_colours}"
    if args.save_palette and not args.reference:
        return "--save-palette needs --reference"
    return None


def run(args) -> int:
    if problem := argument_problem(args):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    with StopSignals() as stop:
        return _run(args, stop)


def _run(args, stop: StopSignals) -> int:
    warn = lambda msg: tqdm.write(f"warning: {msg}", file=sys.stderr)  # noqa: E731
    try:
        hints = load_hints(args.hints) if args.hints else ()
        model = args.model or DEFAULT_MODEL
        reference = None
        if args.reference:
            reference = reference_from(args.reference, args.reference_strength, args.reference_colours)
            palette = reference.palette
            if args.save_palette:
                tqdm.write(f"note: palette saved as {args.save_palette!r} ({save_palette(palette, args.save_palette)})")
        colorizer = Colorizer(model, device=args.device, size=args.size, threads=args.threads,
                              temperature=args.temperature, vibrance=args.vibrance, on_warning=warn,
                              reference=reference, hints=hints, restore=restore_options(args))
    except (CheckpointError, ImageError, ReferenceError, HintsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # a palette name that cannot be a file name
        print(f"error: {e}", file=sys.stderr)
        return 2
    inputs = batch_inputs(args)
    if inputs is None:
        return 2
    files, failures = inputs
    total = len(files) + len(failures)  # a missing input counts as a photo not written
    used: set[Path] = set()
    protected = list(files)
    written = 0
    broken_model = None
    with tqdm(files, unit="photo", dynamic_ncols=True,
              desc=f"{colorizer.model.name} on {colorizer.choice.label}") as bar:
        for src in bar:
            if stop.stopped:
                break
            try:
                img = load_image(src)
                if stop.stopped:
                    break
                result = colorizer.colorize(img.pixels)
                if stop.stopped:  # the photo in progress is abandoned: nothing more is written
                    break
                dest = unique_path(output_path(src, args.out, args.format, args.pattern), used)
                save_image(result.rgb, dest, exif=img.exif, icc_profile=img.icc_profile,
                           quality=args.quality, protected=protected, png=args.png,
                           should_stop=stop.should_stop)
                written += 1
                for note in img.notes:
                    tqdm.write(f"note: {src}: {note}")
                if result.was_colour:
                    tqdm.write(f"note: {src} is already in colour; recoloured from its lightness")
            except SaveAbandoned:
                break
            except ModelOutputError as e:  # the model, not the photo: every photo would fail
                broken_model = str(e)
                failures.append((src, str(e)))
                break
            except (ImageError, ValueError, OSError) as e:
                failures.append((src, str(e)))
                tqdm.write(f"failed: {e}", file=sys.stderr)
    return finish_batch(written, total, args.out, failures, stop, error=broken_model)
