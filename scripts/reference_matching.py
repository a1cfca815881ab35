"""How well the reference photo's colours land by meaning, on a folder of colour photos.

    python scripts/reference_matching.py --data ../shared/data/val [--limit 80] [--model natural]
        [--other PHOTO]

For each photo: the model alone, its own colour original as the reference (unshifted), the same
flipped left-right and cropped to its middle 80% (nothing lines up by position), and an unrelated
photo (`--other`, e.g. a forest). Prints the mean ab error against the truth for each at strength
1, and the spread of the best-match similarity (which calibrates matching.TRUST_LOW / TRUST_HIGH).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from skimage.color import rgb2lab

from colorizer_app.cli.evaluate import shifted
from colorizer_app.imaging.io import iter_image_files, load_image
from colorizer_app.imaging.metrics import mean_ab_error
from colorizer_app.models import matching, pipeline, registry
from colorizer_app.models.reference import Reference, palette_from_pixels


def ab_error(rgb: np.ndarray, truth: np.ndarray) -> float:
    return mean_ab_error(rgb2lab(rgb), rgb2lab(truth))  # as `eval` measures it


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("--model", default="natural")
    ap.add_argument("--other", type=Path, help="an unrelated colour photo used as the reference for every photo")
    ap.add_argument("--strength", type=float, default=1.0)
    args = ap.parse_args()
    model = registry.load(args.model)
    files = iter_image_files([args.data], recursive=True)
    step = max(1, len(files) // args.limit)
    files = files[::step][: args.limit]
    other = matching.reference_photo(load_image(args.other).pixels, str(args.other)) if args.other else None
    rows: dict[str, list[float]] = {"none": [], "self": [], "shifted": [], "palette self": []}
    if other is not None:
        rows["other"] = []
    best: dict[str, list[float]] = {k: [] for k in rows if k not in ("none", "palette self")}
    for f in files:
        truth = load_image(f).pixels
        if truth.ndim != 3:
            continue
        settings = pipeline.Settings().for_model(model)
        L = pipeline.lightness(truth)
        out = pipeline.network_output(model, pipeline.working_L(L, settings.size, model.net.spec.stride))
        refs = {"self": matching.reference_photo(truth), "shifted": matching.reference_photo(shifted(truth))}
        if other is not None:
            refs["other"] = other
        rows["none"].append(ab_error(pipeline.render(L, pipeline.decode(model, out, settings.temperature)[0], out), truth))
        pal = Reference(palette_from_pixels([truth]), args.strength)
        rows["palette self"].append(ab_error(pipeline.render(
            L, pipeline.decode(model, out, settings.temperature, pal)[0], out), truth))
        for name, ref in refs.items():
            ab = pipeline.decode(model, out, settings.temperature, Reference(None, args.strength, ref))
            rows[name].append(ab_error(pipeline.render(L, ab[0], out), truth))
            colour, trust = matching.match(out.work_L, ref)
            best[name].append(float(trust.mean()))
    base = np.mean(rows["none"])
    print(f"{len(rows['none'])} photos from {args.data}, model {model.name}, strength {args.strength}")
    for name, errs in rows.items():
        change = "" if name == "none" else f"  ({100 * (np.mean(errs) / base - 1):+.0f}%)"
        print(f"  {name:<13} mean ab error {np.mean(errs):6.2f}{change}")
    for name, t in best.items():
        print(f"  trust, {name:<8} mean {np.mean(t):.2f}  (10th-90th percentile {np.percentile(t, 10):.2f}-"
              f"{np.percentile(t, 90):.2f})")


if __name__ == "__main__":
    main()
