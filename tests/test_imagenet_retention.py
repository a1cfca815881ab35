"""scripts/imagenet_retention.py: how much of ImageNet an encoder still knows, the figure behind
`train --imagenet-weight`. The pretrained network itself must read as knowing the photos' classes,
a network that never saw ImageNet as knowing less, and a folder without classes is refused.

Hermetic: scikit-image photos in tmp_path with a manifest of their own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data
from skimage.transform import resize

from colorizer_app.models.checkpoint import new_model, save_model

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "imagenet_retention.py"
# None of these photos is of Imagenette's ten classes: the labels only give the script classes to
# score. What is checked is that the figures come out and that the memory term ranks the pretrained
# network nearer ImageNet than a random one.
PHOTOS = {"chelsea": "n02102040", "coffee": "n03000684", "rocket": "n03888257", "astronaut": "n03028079"}


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


def _pool(tmp_path: Path, manifest: bool = True) -> Path:
    folder = tmp_path / "pool" / "val" / "imagenette"
    folder.mkdir(parents=True)
    rows = ["file\tsource\torigin_path"]
    for i, (name, wnid) in enumerate(PHOTOS.items()):
        rgb = (resize(getattr(data, name)()[..., :3], (144, 144), anti_aliasing=True) * 255).astype(np.uint8)
        Image.fromarray(rgb).save(folder / f"{i:05d}.png")
        rows.append(f"val/imagenette/{i:05d}.png\timagenette\timagenette/val/{wnid}/{wnid}_{i}.JPEG")
    if manifest:
        (tmp_path / "pool" / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")
    return folder.parent


def test_the_pretrained_network_reads_nearer_imagenet_than_a_random_one(tmp_path):
    model = new_model("regression", {"arch": "effnet_lite0", "widths": (16, 16, 32)}, pretrained=False)
    path = tmp_path / "random.safetensors"
    save_model(path, model.net, {"name": "random"})
    done = _run(_pool(tmp_path), path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("4 photos of Imagenette's classes")
    pretrained, random = (float(line.split()[-1]) for line in lines[2:4])
    assert lines[2].startswith("pretrained") and lines[3].startswith(str(path))
    assert pretrained < random  # the memory term: the gray view costs a little, a random net a lot


def test_a_folder_without_a_manifest_is_refused(tmp_path):
    done = _run(_pool(tmp_path, manifest=False), "natural")
    assert done.returncode != 0 and "no MANIFEST.tsv" in done.stderr
