"""Pack a subset of the photo pool small enough to travel to a GPU machine (64 MiB limit there).

    python scripts/pack_gpu_pool.py [--pool ../shared/data] [--n 12500] [--out gpupack/gpudata.tgz]

A random `--n` training photos (seed 1) re-encoded as WebP quality 55 (the loss sees ab at 1/4
resolution, so the extra chroma loss hardly matters) and the whole val folder at quality 80, in one
gzip'd tar (one file: thousands of small ones cost more than their bytes), with the manifest rows
of the packed photos (the labels of `train --aux`). Used to train Lively 1 on a GPU
(docs/training-history.md); scripts/train_gpu.sh trains on the unpacked folder.
"""

from __future__ import annotations

import argparse
import os
import random
import tarfile
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image


def convert(job: tuple[str, str, int]) -> None:
    src, dst, quality = job
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    Image.open(src).convert("RGB").save(dst, "WEBP", quality=quality, method=4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pool", type=Path, default=Path("../shared/data"))
    ap.add_argument("--n", type=int, default=12500)
    ap.add_argument("--out", type=Path, default=Path("gpupack/gpudata.tgz"))
    args = ap.parse_args()
    train = sorted(str(p) for p in (args.pool / "train").rglob("*") if p.is_file())
    random.seed(1)
    chosen = random.sample(train, args.n)
    val = sorted(str(p) for p in (args.pool / "val").rglob("*") if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(f, os.path.join(tmp, "train", os.path.relpath(f, args.pool / "train")), 55) for f in chosen]
        jobs += [(f, os.path.join(tmp, "val", os.path.relpath(f, args.pool / "val")), 80) for f in val]
        with ProcessPoolExecutor(os.cpu_count()) as ex:
            list(ex.map(convert, jobs, chunksize=64))
        # the manifest's rows for the packed photos: the labels of the auxiliary head travel too
        manifest = args.pool / "MANIFEST.tsv"
        if manifest.is_file():
            keep = {os.path.relpath(f, args.pool) for f in chosen + val}
            lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
            with open(os.path.join(tmp, "MANIFEST.tsv"), "w", encoding="utf-8") as out:
                out.write(lines[0])
                out.writelines(line for line in lines[1:] if line.split("\t", 1)[0] in keep)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(args.out, "w:gz") as tar:
            tar.add(os.path.join(tmp, "train"), "train")
            tar.add(os.path.join(tmp, "val"), "val")
            if manifest.is_file():
                tar.add(os.path.join(tmp, "MANIFEST.tsv"), "MANIFEST.tsv")
    print(f"wrote {args.out}: {len(chosen)} train and {len(val)} val photos, "
          f"{args.out.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
