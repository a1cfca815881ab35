"""What each pool photo shows, for the auxiliary classification head (semantics help colour).

The pool's MANIFEST.tsv (beside its train/ and val/ folders) records each photo's source and
original path; from those come a few classes a colour depends on: ten ImageNet classes, cat or
dog, four rooms of a house, portraits, outdoor scenes. A photo with no usable label gets -1
(ignored by the loss). A folder without a manifest (a user's own photos) has no labels at all.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

IMAGENETTE = ("n01440764", "n02102040", "n02979186", "n03000684", "n03028079",
              "n03394916", "n03417042", "n03425413", "n03445777", "n03888257")
CLASSES = (*IMAGENETTE, "cat", "dog", "bathroom", "bedroom", "kitchen", "house_front",
           "portrait", "outdoor_scene")
MANIFEST = "MANIFEST.tsv"


def label_of(source: str, origin: str) -> int:
    """The class index of one manifest row, or -1."""
    if source in ("imagenette", "imagenet_sample1000"):
        wnid = next((part for part in origin.split("/") if part.startswith("n0")), "")
        wnid = wnid.split("_")[0]
        return CLASSES.index(wnid) if wnid in IMAGENETTE else -1
    if source == "catsdogs_breeds":
        if "/cat_breeds/" in origin or "/cats/" in origin:
            return CLASSES.index("cat")
        if "/dog_breeds/" in origin or "/dogs/" in origin:
            return CLASSES.index("dog")
        return -1
    if source == "houses":
        room = origin.rsplit("_", 1)[-1].split(".")[0]
        room = "house_front" if room == "frontal" else room
        return CLASSES.index(room) if room in CLASSES else -1
    if source == "humans":
        return CLASSES.index("portrait")
    if source == "scenes_intel":
        return CLASSES.index("outdoor_scene")
    return -1


def find_manifest(folder: Path) -> Path | None:
    for d in (Path(folder), *Path(folder).resolve().parents[:2]):
        if (d / MANIFEST).is_file():
            return d / MANIFEST
    return None


def labels_for(files: list[str], folder: Path) -> np.ndarray | None:
    """One label per file (int64, -1 where unknown), or None when the folder has no manifest."""
    manifest = find_manifest(folder)
    if manifest is None:
        return None
    root = manifest.parent.resolve()
    by_file: dict[str, int] = {}
    with open(manifest, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            by_file[row["file"]] = label_of(row["source"], row["origin_path"])
    out = np.full(len(files), -1, dtype=np.int64)
    for i, name in enumerate(files):
        try:
            rel = Path(name).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        out[i] = by_file.get(rel, -1)
    return out
