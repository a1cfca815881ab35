"""How much of ImageNet a colour network's encoder still knows.

    python scripts/imagenet_retention.py ../shared/data/val natural vivid runs/x.safetensors

For the folder's photos of Imagenette's ten classes (labelled by the pool's MANIFEST.tsv), shown
in gray at their own size: the share whose class ImageNet's own head, put on the encoder's deepest
feature map, ranks first of the 1,000 and first of the ten, and the mean of the ImageNet memory
term (`train --imagenet-weight`) against the pretrained network shown the colour photo. The
pretrained network on the gray photos is the first row.
"""

from __future__ import annotations

import argparse

import torch

from colorizer_app.models import registry
from colorizer_app.models.effnet_lite import pretrained_encoder
from colorizer_app.training.data import lab_batch, load_photo_folder
from colorizer_app.training.imagenet_memory import ImagenetMemory
from colorizer_app.training.labels import IMAGENETTE

# Imagenette's classes in ImageNet's order of 1,000 (tench, English springer, cassette player,
# chain saw, church, French horn, garbage truck, gas pump, golf ball, parachute)
IMAGENET_INDEX = (0, 217, 482, 491, 497, 566, 569, 571, 574, 701)
SIZE = 144  # the pool's photos


def scores(deepest_of, L: torch.Tensor, ab: torch.Tensor, classes: torch.Tensor, memory: ImagenetMemory,
           batch: int = 64) -> tuple[float, float, float]:
    top1 = among_ten = term = 0.0
    ten = torch.tensor(IMAGENET_INDEX)
    with torch.inference_mode():
        for i in range(0, len(L), batch):
            deepest = deepest_of(L[i:i + batch])
            logits = memory.teacher.classify(deepest)
            truth = ten[classes[i:i + batch]]
            top1 += (logits.argmax(1) == truth).sum().item()
            among_ten += (ten[logits[:, ten].argmax(1)] == truth).sum().item()
            term += memory(deepest, L[i:i + batch], ab[i:i + batch]).item() * len(deepest)
    n = len(L)
    return top1 / n, among_ten / n, term / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", help="a folder of the pool (with MANIFEST.tsv above it)")
    ap.add_argument("models", nargs="+", help="model names or files on a pretrained encoder")
    args = ap.parse_args()
    photos = load_photo_folder(args.folder, SIZE)
    if photos.labels is None:
        raise SystemExit(f"error: {args.folder}: no MANIFEST.tsv above it, so no classes to check")
    keep = torch.from_numpy((photos.labels >= 0) & (photos.labels < len(IMAGENETTE)))
    L, ab = lab_batch(torch.from_numpy(photos.images)[keep])
    classes = torch.from_numpy(photos.labels)[keep]
    memory = ImagenetMemory()
    print(f"{len(L)} photos of Imagenette's classes in {args.folder}")
    print(f"{'encoder':48s} {'top-1':>6s} {'of ten':>7s} {'term':>6s}")
    pretrained = pretrained_encoder().eval()
    rows = [("pretrained (ImageNet), gray", lambda x: pretrained.taps(pretrained.stem(pretrained.stem_input(x)))[1])]
    for name in args.models:
        net = registry.load(name).net.eval()
        if not hasattr(net, "encoder"):
            raise SystemExit(f"error: {name}: not a network on a pretrained encoder")
        rows.append((name, lambda x, net=net: net(x, with_deepest=True)[1]))
    for name, deepest_of in rows:
        top1, ten, term = scores(deepest_of, L, ab, classes, memory)
        print(f"{name:48s} {100 * top1:5.1f}% {100 * ten:6.1f}% {term:6.2f}")


if __name__ == "__main__":
    main()
