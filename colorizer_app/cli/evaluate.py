"""`colorizer-cli eval`: a model against the grayscale baseline on a folder of colour photos."""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ..defaults import DEFAULT_SIZE
from ..engine import Colorizer
from ..engine.colorizer import UPSAMPLERS
from ..imaging.io import ImageError, iter_image_files, load_image
from ..imaging.lab import lab_to_uint8, uint8_to_lab_batch
from ..imaging.metrics import CAST_LEGEND, MetricAccumulator, MetricSummary, format_table
from ..models import pipeline
from ..models.checkpoint import CheckpointError
from ..models.hints import sample_from_truth
from ..models.matching import reference_photo
from ..models.reference import (
    MAX_STRENGTH, Reference, ReferenceError, reference_from,
)
from ..temp_files import write_text_atomic

BASELINE = "grayscale baseline"


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="measure a model against the grayscale baseline")
    p.add_argument("--model", action="append", required=True,
                   help="natural, vivid, lively, a user model's name or a .safetensors file; repeat to compare several")
    p.add_argument("--data", type=Path, required=True, help="folder of colour photos (ground truth)")
    p.add_argument("--temperature", type=float)
    p.add_argument("--size", type=int, default=DEFAULT_SIZE)
    p.add_argument("--device", default="auto")
    p.add_argument("--limit", type=int, help="only the first N photos")
    p.add_argument("--upsample", choices=UPSAMPLERS, default="guided",
                   help="how colour is brought to full size (bilinear: as before the guided filter)")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--per-photo", type=Path, metavar="CSV",
                   help="also write each photo's own figures, a row per photo and model, to this CSV file")
    ref = p.add_mutually_exclusive_group()
    ref.add_argument("--reference", metavar="PHOTO_OR_FOLDER",
                     help="also colour every photo with this reference palette (a photo, a folder or a "
                          "saved palette's name): the honest case")
    ref.add_argument("--reference-self", action="store_true",
                     help="also colour each photo with its own colours as the reference (an oracle)")
    ref.add_argument("--reference-shifted", action="store_true",
                     help="also colour each photo with its own original flipped left-right and cropped to its "
                          "middle 80%%, so that nothing lines up by position (matching by meaning is tested)")
    ref.add_argument("--reference-neighbour", action="store_true",
                     help="also colour each photo with the colours of the next photo in its own folder")
    p.add_argument("--reference-strength", type=float, action="append", metavar="S",
                   help=f"strength of the reference, 0 to {MAX_STRENGTH:g} (default 0.5); repeat for several rows")
    p.add_argument("--hints", type=int, action="append", metavar="N",
                   help="also colour each photo with N colour hints sampled from the truth (random points, "
                        "each the true mean colour of a 7x7 square); "
                        "repeat for several rows (the hints of a smaller N are the first of a larger one's)")
    p.set_defaults(func=run)


HINT_SEED = 1234


def hint_label(model: str, n: int) -> str:
    return f"{model} + {n} hint{'s' if n != 1 else ''}"


def truth_hints(truth, n: int, index: int):
    """`n` hints sampled from a photo's true colours, the same for every model and run."""
    ab = uint8_to_lab_batch(torch.from_numpy(truth.copy())[None])[0, 1:]
    return sample_from_truth(ab, n, np.random.default_rng([HINT_SEED, index]))


@dataclass(frozen=True)
class Variant:
    """A row beside a model's own: the same network output decoded with a reference."""

    kind: str  # "fixed", "self", "shifted" or "neighbour"
    strength: float
    reference: Reference | None = None  # the fixed one (its strength is this variant's)

    def label(self, model: str) -> str:
        what = {"fixed": "reference", "self": "own colours", "shifted": "own colours shifted",
                "neighbour": "neighbour's colours"}[self.kind]
        return f"{model} + {what} s={self.strength:g}"


def shifted(pixels: np.ndarray) -> np.ndarray:
    """A photo flipped left-right and cropped to its middle 80%: as a reference, nothing in it
    lines up with the photo by position."""
    h, w = pixels.shape[:2]
    dy, dx = round(h * 0.1), round(w * 0.1)
    return np.ascontiguousarray(pixels[dy:h - dy, dx:w - dx][:, ::-1])


def _neighbours(files: list[Path]) -> dict[Path, Path]:
    """Each photo -> the next photo of the list in the same folder (cyclically)."""
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        by_folder.setdefault(f.parent, []).append(f)
    out = {}
    for group in by_folder.values():
        for i, f in enumerate(group):
            out[f] = group[(i + 1) % len(group)]
    return out


def evaluate(colorizers: dict[str, Colorizer], files: list[Path], progress=None,
             variants: list[Variant] = (), hint_counts: list[int] = (),
             per_photo: list[tuple[Path, str, MetricSummary]] | None = None) -> dict[str, MetricSummary]:
    """Each model and the ab = 0 baseline on every colour photo in `files`; with `variants`,
    each model's output again decoded with a reference palette (the network runs once); with
    `hint_counts`, every model again with that many hints from the truth. `per_photo` collects each
    photo's own figures per row: a mean over hundreds of photos can hide where a model goes wrong."""
    hint_counts = sorted({n for n in hint_counts if n > 0})
    accs = {BASELINE: MetricAccumulator()}
    for name, c in colorizers.items():
        accs[name] = MetricAccumulator()
        for v in variants:
            accs[v.label(name)] = MetricAccumulator()
        for n in hint_counts:
            accs[hint_label(name, n)] = MetricAccumulator()
    neighbours = _neighbours(files) if any(v.kind == "neighbour" for v in variants) else {}
    photos: dict[tuple[Path, bool], Reference | None] = {}  # the references of the photo being scored

    def own_reference(f: Path, pixels=None, shift: bool = False) -> Reference | None:
        """The photo's own colours as a reference (at strength 1; each variant sets its own)."""
        if (f, shift) not in photos:
            try:
                px = pixels if pixels is not None else load_image(f).pixels
                photos[f, shift] = (Reference(None, 1.0, reference_photo(shifted(px) if shift else px, str(f)))
                                    if px.ndim == 3 else None)
            except (ImageError, ValueError):
                photos[f, shift] = None
        return photos[f, shift]

    for index, f in enumerate(files):
        photos.clear()  # a reference photo's features take megabytes: keep only this photo's
        try:
            img = load_image(f)
        except ImageError as e:
            tqdm.write(f"skipped: {e}", file=sys.stderr)
            continue
        if not img.is_colour:
            continue
        truth = img.pixels

        def score(row: str, pred: np.ndarray) -> None:
            figures = accs[row].add(pred, truth)
            if per_photo is not None:
                per_photo.append((f, row, figures))

        L = pipeline.lightness(truth)
        score(BASELINE, lab_to_uint8(L, torch.zeros((2, *L.shape[-2:]))).numpy())
        sampled = truth_hints(truth, hint_counts[-1], index) if hint_counts else ()
        for name, c in colorizers.items():
            for n in hint_counts:
                out = c.net_output(L, c.settings.size, sampled[:n])
                score(hint_label(name, n), c.render(L, c.decode(out), out))
            out = c.net_output(L, c.settings.size)
            score(name, c.render(L, c.decode(out), out))
            for v in variants:
                if v.kind == "fixed":
                    ref = v.reference
                elif v.kind in ("self", "shifted"):
                    ref = own_reference(f, truth, shift=v.kind == "shifted")
                else:
                    ref = own_reference(neighbours[f])
                s = replace(c.settings, reference=replace(ref, strength=v.strength) if ref is not None else None)
                score(v.label(name), c.render(L, c.decode(out, s), out, s))
        if progress:
            progress()
    summaries = {name: acc.summary() for name, acc in accs.items()}
    return {name: s for name, s in summaries.items() if s.count or name == BASELINE}


def row_label(arg: str, model, taken) -> str:
    """A model's row: its name, or the file as given where the name would pass it off as a bundled
    model (a file named only by its family, as every trained file is by default) or repeat a row."""
    is_file = Path(arg).suffix == ".safetensors"
    if model.name in taken or (is_file and model.meta.get("name") in (None, model.family)):
        return arg
    return model.name


def run(args) -> int:
    try:
        colorizers = {}
        for m in args.model:
            c = Colorizer(m, device=args.device, size=args.size, temperature=args.temperature,
                          upsample=args.upsample, on_warning=lambda msg: print(f"warning: {msg}", file=sys.stderr))
            colorizers[row_label(m, c.model, colorizers)] = c
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.hints and any(n < 0 for n in args.hints):
        print("error: --hints must be 0 or more", file=sys.stderr)
        return 2
    strengths = args.reference_strength or [0.5]
    if any(not 0 <= st <= MAX_STRENGTH for st in strengths):
        print(f"error: --reference-strength must be from 0 to {MAX_STRENGTH:g}", file=sys.stderr)
        return 2
    variants: list[Variant] = []
    try:
        if args.reference:
            reference = reference_from(args.reference, 1.0)
            variants = [Variant("fixed", st, reference) for st in strengths]
    except ReferenceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.reference_self:
        variants = [Variant("self", st) for st in strengths]
    if args.reference_shifted:
        variants = [Variant("shifted", st) for st in strengths]
    if args.reference_neighbour:
        variants = [Variant("neighbour", st) for st in strengths]
    for out in (args.json, args.per_photo):
        if out is not None and not out.parent.is_dir():
            print(f"error: {out}: the folder {out.parent} does not exist", file=sys.stderr)
            return 2
    files = iter_image_files([args.data])[: args.limit]
    if not files:
        print(f"error: {args.data}: no photos found", file=sys.stderr)
        return 2
    per_photo = [] if args.per_photo else None
    with tqdm(total=len(files), unit="photo", dynamic_ncols=True) as bar:
        results = evaluate(colorizers, files, progress=bar.update, variants=variants,
                           hint_counts=args.hints or [], per_photo=per_photo)
    if results[BASELINE].count == 0:
        print(f"error: {args.data}: no colour photos to compare against", file=sys.stderr)
        return 2
    print(format_table(results))
    print(CAST_LEGEND)
    if args.json:
        write_text_atomic(args.json, json.dumps({k: v.as_dict() for k, v in results.items()}, indent=2))
    if args.per_photo:
        write_per_photo(args.per_photo, per_photo, args.data)
    return 0


def write_per_photo(path: Path, rows: list[tuple[Path, str, MetricSummary]], data: Path) -> None:
    """One line per photo and row (the baseline included), photos named relative to --data, the
    columns those of the JSON report."""
    fh = io.StringIO()
    w = csv.writer(fh)
    for i, (f, row, figures) in enumerate(rows):
        d = figures.as_dict()
        del d["count"]  # always 1
        if i == 0:
            w.writerow(["photo", "model", *d])
        name = f.relative_to(data) if f.is_relative_to(data) else f
        w.writerow([name.as_posix(), row, *(f"{v:.6g}" for v in d.values())])
    write_text_atomic(path, fh.getvalue(), newline="")
