"""Figures of `colorizer-cli eval --per-photo` for the held-out photos' two groups, per model.

    python scripts/heldout_groups.py photos.csv

The held-out folder (`scripts/heldout_photos.py`) mixes early colour photographs (old_a .. old_h,
the product's own ground) with modern photos of other sources, and models often gain on one group
and lose on the other; the mean over all of them hides that. Prints, for every model in the CSV,
PSNR / colourfulness (as a share of the truth's) / wrong colour / CIEDE2000 over all photos, the
early ones and the modern ones, with the same per-photo means as `eval`.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

EARLY_PREFIX = "old_"  # heldout_photos.py names the early colour photographs old_a .. old_h


def group_of(photo: str) -> str:
    return "early" if photo.startswith(EARLY_PREFIX) else "modern"


def summaries(rows: list[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """model -> group ("all", "early", "modern") -> figures, from the CSV's rows."""
    by_model: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for group in ("all", group_of(row["photo"])):
            by_model[row["model"]][group].append(row)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for model, groups in by_model.items():
        out[model] = {}
        for group, rs in groups.items():
            mean = {k: sum(float(r[k]) for r in rs) / len(rs)
                    for k in ("psnr", "colourfulness", "colourfulness_true", "wrong_colour", "ciede2000")}
            out[model][group] = {
                "photos": len(rs), "psnr": mean["psnr"], "wrong_colour": mean["wrong_colour"],
                "ciede2000": mean["ciede2000"],
                "colourfulness_ratio": mean["colourfulness"] / mean["colourfulness_true"]
                if mean["colourfulness_true"] else 0.0,
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path, help="written by colorizer-cli eval --per-photo")
    args = ap.parse_args()
    with args.csv.open(newline="") as f:
        table = summaries(list(csv.DictReader(f)))
    print("PSNR dB / colourful / wrong colour / CIEDE2000")
    for model, groups in table.items():
        cells = []
        for group in ("all", "early", "modern"):
            if group in groups:
                g = groups[group]
                cells.append(f"{group} ({g['photos']}): {g['psnr']:.2f} / {g['colourfulness_ratio']:.0%} / "
                             f"{100 * g['wrong_colour']:.2f}% / {g['ciede2000']:.2f}")
        print(f"{model}\n    " + "\n    ".join(cells))


if __name__ == "__main__":
    main()
