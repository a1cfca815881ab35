#!/usr/bin/env python
"""A box of photos: open N photos of 12 MP in the app, browse them, colourise all, export all,
and print the peak resident memory and the time per photo.

    python benchmarks/memory.py [--photos 1000] [--megapixels 12] [--browse 20] [--budget-mb 1536]

The photos are made once into a temporary folder (kept for the next run) as gray JPEGs of
scikit-image's sample photos, upscaled and each cut differently. Without --model an untrained
network of the shipped size (classification: the heaviest head) is used: its memory and time are
those of a trained one. The app runs offscreen with its settings in a temporary folder.
Target (DESIGN.md): peak at most 2.5 GB including torch, whatever N.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_models import isolated_models

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SOURCES = ("astronaut", "camera", "chelsea", "coffee", "rocket", "cat", "immunohistochemistry", "hubble_deep_field")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def make_photos(folder: Path, n: int, megapixels: float) -> list[Path]:
    """Gray JPEGs of `megapixels` each, 4:3, made once and reused."""
    import numpy as np
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    h = int((megapixels * 1e6 * 3 / 4) ** 0.5)
    w = int(h * 4 / 3)
    paths = [folder / f"photo{i:04d}.jpg" for i in range(n)]
    todo = [(i, p) for i, p in enumerate(paths) if not p.exists()]
    if todo:
        print(f"making {len(todo)} photos of {w}x{h} in {folder} (once)...", flush=True)
    sources = []
    for name in SOURCES:
        arr = getattr(data, name)()
        sources.append(np.asarray(Image.fromarray(arr[..., :3] if arr.ndim == 3 else arr).convert("L")))
    for i, path in todo:
        src = sources[i % len(sources)]
        sh, sw = src.shape
        # each photo a different 3:4 window of its source, so no two files are alike
        ch = int(sh * (0.6 + 0.3 * ((i * 37) % 11) / 10))
        cw = min(sw, ch * 4 // 3)
        y0 = (i * 13) % max(1, sh - ch + 1)
        x0 = (i * 29) % max(1, sw - cw + 1)
        crop = Image.fromarray(src[y0:y0 + ch, x0:x0 + cw])
        crop.resize((w, h), Image.Resampling.BICUBIC).save(path, quality=88)
    return paths


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--photos", type=int, default=1000)
    p.add_argument("--megapixels", type=float, default=12.0)
    p.add_argument("--browse", type=int, default=20, help="photos stepped through one by one")
    p.add_argument("--budget-mb", type=int, default=0, help="the photo memory setting (0: the default)")
    p.add_argument("--model", type=Path)
    p.add_argument("--folder", type=Path, help="where the photos are made (default: the temp folder)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = p.parse_args()

    folder = args.folder or Path(tempfile.gettempdir()) / f"colorizer-box-{args.megapixels:g}MP"
    paths = make_photos(folder, args.photos, args.megapixels)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    tmp = isolated_models(args.model, "colorizer-memory-")

    from colorizer_app.gui.app import make_application
    from colorizer_app.gui.main_window import MainWindow
    from colorizer_app.gui.settings import Settings
    from colorizer_app.session.export import ExportOptions

    app = make_application([sys.argv[0]])
    settings = Settings(tmp / "settings.ini")
    if args.budget_mb:
        settings.set("prefs/cache_mb", args.budget_mb)
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    samples: list[float] = []
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            samples.append(rss_mb())

    threading.Thread(target=sample, daemon=True).start()

    def run(name, start, done, per_photo=0):
        t0 = time.perf_counter()
        start()
        while not done():
            app.processEvents()
            time.sleep(0.002)
        s = time.perf_counter() - t0
        per = f"  {s / per_photo:6.3f} s/photo" if per_photo else ""
        print(f"{name:<24} {s:8.1f} s{per}   RSS now {rss_mb():6.0f} MB, peak so far {peak_mb():6.0f} MB, "
              f"cache {window.session.cache.total / 2**20:5.0f} MB", flush=True)
        return s

    n = len(paths)
    print(f"{n} photos of {args.megapixels:g} MP, photo memory {settings.get('prefs/cache_mb')} MB, "
          f"torch threads {torch.get_num_threads()}; RSS at start {rss_mb():.0f} MB", flush=True)
    opened = []
    window.photosLoaded.connect(lambda ok, failed: opened.append((len(ok), len(failed))))
    run("open all", lambda: window.add_paths(paths, remember=False), lambda: bool(opened) and not window.is_busy(),
        per_photo=n)
    steps = min(args.browse, n)

    def browse():
        for i in range(steps):
            window.list_view.set_current_photo(window.photos.photos[i * n // steps])
            while window.is_busy():
                app.processEvents()
                time.sleep(0.002)

    run(f"browse {steps}", browse, lambda: not window.is_busy(), per_photo=steps)
    finished = []
    window.batchFinished.connect(finished.append)
    run("colourise all", window.colorize_all, lambda: bool(finished) and not window.is_busy(), per_photo=n)
    out = tmp / "out"
    reports = []
    window.exportFinished.connect(reports.append)
    options = ExportOptions(scope="all", folder=out, fmt="jpg", quality=90, pattern="{stem}_color")
    run("export all", lambda: window.export_photos(list(window.photos.photos), options),
        lambda: bool(reports) and not window.is_busy(), per_photo=n)
    stop.set()
    report = reports[0]
    print(f"opened {opened[0][0]} ({opened[0][1]} failed), exported {len(report.written)} "
          f"({len(report.failed)} failed)")
    print(f"peak resident memory: {peak_mb():.0f} MB (sampled peak {max(samples, default=0):.0f} MB)")
    window.close()
    for f in out.glob("*"):
        f.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
