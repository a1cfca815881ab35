"""`colorizer-cli colorize`: files and folders in, colour photos of the same pixel size out."""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from ..defaults import DEFAULT_SIZE
from ..engine import Colorizer
from ..imaging.io import OUTPUT_FORMATS, ImageError, iter_image_files, load_image, output_path, save_image
from ..models.checkpoint import CheckpointError


def add_parser(sub) -> None:
    p = sub.add_parser("colorize", help="colourise photos (files or folders)")
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="photo files or folders (recursive)")
    p.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    p.add_argument("--model", default="classification",
                   help="regression, classification, gan, a user model's name, or a .safetensors file")
    p.add_argument("--temperature", type=float, help="classification: annealed-mean T (0 = mode, 1 = mean)")
    p.add_argument("--vibrance", type=float, default=1.0, help="scale the predicted colours (1 = as predicted)")
    p.add_argument("--size", type=int, default=DEFAULT_SIZE, help="working resolution (short side)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps")
    p.add_argument("--format", choices=sorted(OUTPUT_FORMATS), default="png")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality")
    p.add_argument("--pattern", default="{stem}", help="output name pattern, e.g. {stem}_color")
    p.set_defaults(func=run)


def run(args) -> int:
    warn = lambda msg: tqdm.write(f"warning: {msg}", file=sys.stderr)  # noqa: E731
    try:
        colorizer = Colorizer(args.model, device=args.device, size=args.size,
                              temperature=args.temperature, vibrance=args.vibrance, on_warning=warn)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    files = iter_image_files(args.inputs)
    missing = [p for p in args.inputs if not p.exists()]
    if not files and not missing:
        print("error: no photos found in the given inputs", file=sys.stderr)
        return 2
    failures = [(p, "no such file or folder") for p in missing]
    for p, why in failures:
        tqdm.write(f"failed: {p}: {why}", file=sys.stderr)
    used: set[Path] = set()
    protected = list(files)
    with tqdm(files, unit="photo", dynamic_ncols=True,
              desc=f"{colorizer.model.name} on {colorizer.choice.label}") as bar:
        for src in bar:
            try:
                img = load_image(src)
                result = colorizer.colorize(img.pixels)
                dest = _unique(output_path(src, args.out, args.format, args.pattern), used)
                save_image(result.rgb, dest, exif=img.exif, icc_profile=img.icc_profile,
                           quality=args.quality, protected=protected)
                if result.was_colour:
                    tqdm.write(f"note: {src} is already in colour; recoloured from its lightness")
            except (ImageError, ValueError, OSError) as e:
                failures.append((src, str(e)))
                tqdm.write(f"failed: {e}", file=sys.stderr)
    done = len(files) - (len(failures) - len(missing))
    print(f"{done} of {len(files)} photos written to {args.out}"
          + (f"; {len(failures)} failed" if failures else ""))
    return 1 if failures else 0


def _unique(dest: Path, used: set[Path]) -> Path:
    """Two inputs with the same stem (from different folders) must not overwrite each other."""
    candidate, n = dest, 2
    while candidate in used:
        candidate = dest.with_name(f"{dest.stem}_{n}{dest.suffix}")
        n += 1
    used.add(candidate)
    return candidate
