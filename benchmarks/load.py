"""Speed on a busy machine: a batch and a 12 MP photo, without and with one competing busy process.

    python benchmarks/load.py [--photos 50] [--model classification] [--threads N] [--format png]

The batch is `colorizer-cli colorize` over a folder of 1-3 MP black-and-white JPEGs in several
sizes (skimage.data photos, upscaled), timed from the command's start to its end (model loading
included). The 12 MP photo (4000 x 3000) is timed in memory (Colorizer.colorize, best of 3) and
file to file (JPEG in, PNG out, once), in a fresh process. Each is run on the quiet machine, then
again while one other process spins on a core (`python -c 'while True: pass'`); the ratio is the
slowdown. DESIGN.md's target: at most 2x.

The commands run `python -m colorizer_app.cli.main`, so PYTHONPATH=OTHER_CHECKOUT measures another
version of the code (an older one without --threads: leave --threads out).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

SIZES = [(1200, 900), (1600, 1200), (2000, 1500), (1500, 1000), (1080, 1440), (1920, 1080)]  # 1.1-3.0 MP
SOURCES = ["camera", "astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry"]
TWELVE_MP = (4000, 3000)

_TWELVE_MP_SCRIPT = r"""
import json, sys, time
from pathlib import Path
from colorizer_app.engine import Colorizer
from colorizer_app.imaging.io import load_image, save_image
photo, out, model, threads = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
kwargs = {} if threads < 0 else {"threads": threads}
c = Colorizer(model, device="cpu", **kwargs)
img = load_image(photo)
c.colorize(img.pixels[:512, :512])  # warm-up: first-call costs are not the photo's
times = []
for _ in range(3):
    t = time.perf_counter()
    c.colorize(img.pixels)
    times.append(time.perf_counter() - t)
t = time.perf_counter()
img = load_image(photo)
save_image(c.colorize(img.pixels).rgb, out / "twelve.png", exif=img.exif, icc_profile=img.icc_profile)
print(json.dumps({"memory_s": min(times), "file_s": time.perf_counter() - t}))
"""


def make_photos(folder: Path, count: int) -> list[Path]:
    """`count` gray JPEGs of 1-3 MP from skimage.data photos, and one 12 MP photo."""
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    bases = [Image.fromarray(getattr(data, name)()).convert("L") for name in SOURCES]
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        w, h = SIZES[i % len(SIZES)]
        img = bases[i % len(bases)].resize((w, h), Image.Resampling.BICUBIC)
        grain = rng.normal(0, 4, (h, w))  # film grain, so the JPEGs are photo-sized
        img = Image.fromarray(np.clip(np.asarray(img) + grain, 0, 255).astype(np.uint8))
        path = folder / f"photo{i:03d}.jpg"
        img.save(path, quality=90)
        paths.append(path)
    big = bases[1].resize(TWELVE_MP, Image.Resampling.BICUBIC)
    big.save(folder.parent / "twelve.jpg", quality=90)
    return paths


class BusyCore:
    """One other program keeping a core busy for as long as the `with` block runs."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def run_batch(folder: Path, out: Path, args) -> float:
    cmd = [sys.executable, "-m", "colorizer_app.cli.main", "colorize", str(folder), "-o", str(out),
           "--model", args.model, "--device", "cpu", "--format", args.format]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def run_twelve(photo: Path, out: Path, args) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    threads = -1 if args.threads is None else args.threads
    res = subprocess.run([sys.executable, "-c", _TWELVE_MP_SCRIPT, str(photo), str(out), args.model, str(threads)],
                         check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=50)
    ap.add_argument("--model", default="classification")
    ap.add_argument("--threads", type=int, help="passed to colorize --threads (default: its own default)")
    ap.add_argument("--format", default="png")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="colorizer-load-") as tmp:
        folder = Path(tmp) / "photos"
        paths = make_photos(folder, args.photos)
        mp = sum(Image.open(p).size[0] * Image.open(p).size[1] for p in paths) / 1e6
        print(f"{len(paths)} photos, {mp:.0f} MP in all; 12 MP photo {TWELVE_MP[0]}x{TWELVE_MP[1]}; "
              f"model {args.model}, threads {args.threads if args.threads is not None else 'default'}, "
              f"{os.cpu_count()} CPUs, output {args.format}")
        figures = {}
        for label in ("quiet", "busy"):
            out = Path(tmp) / f"out_{label}"
            if label == "busy":
                with BusyCore():
                    batch = run_batch(folder, out, args)
                    twelve = run_twelve(folder.parent / "twelve.jpg", out / "twelve", args)
            else:
                batch = run_batch(folder, out, args)
                twelve = run_twelve(folder.parent / "twelve.jpg", out / "twelve", args)
            figures[label] = {"batch_s": batch, **{f"twelve_{k}": v for k, v in twelve.items()}}
            words = {"quiet": "no competing process", "busy": "one busy process"}[label]
            print(f"{words:>20}: batch {batch:6.1f} s ({batch / len(paths):.2f} s a photo); 12 MP in memory "
                  f"{twelve['memory_s']:.2f} s, file to file {twelve['file_s']:.2f} s", flush=True)
        q, b = figures["quiet"], figures["busy"]
        print(f"{'ratio':>20}: batch {b['batch_s'] / q['batch_s']:.2f}x; 12 MP in memory "
              f"{b['twelve_memory_s'] / q['twelve_memory_s']:.2f}x, file to file "
              f"{b['twelve_file_s'] / q['twelve_file_s']:.2f}x (target: at most 2x)")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
