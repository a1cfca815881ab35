#!/usr/bin/env python
"""How long the GUI thread is ever blocked while the app works: a 5 ms QTimer records the gaps
between its ticks while photos load, a batch colourises them and the controls re-run a preview;
and how long a slider's release takes to show the new preview of a 12 MP photo (target 250 ms).

    python benchmarks/gui_stall.py [--model FILE] [--megapixels 12] [--photos 3]

Without --model an untrained network of the shipped size (classification: the heaviest head) is
used: its timing is that of a trained one. Prints the worst gap and the 99th percentile per phase.
The last phase fine-tunes that model in the Fine-tune dialog (scan, run, save) for --finetune-steps.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench_models import isolated_models

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path)
    p.add_argument("--megapixels", type=float, default=12.0)
    p.add_argument("--photos", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--finetune-steps", type=int, default=20, help="0 skips the fine-tuning phase")
    args = p.parse_args()

    import numpy as np
    import torch
    from PIL import Image

    if args.threads:
        torch.set_num_threads(args.threads)
    tmp = isolated_models(args.model, "colorizer-stall-")

    h = int((args.megapixels * 1e6 * 3 / 4) ** 0.5)
    w = int(h * 4 / 3)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(args.photos):
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        arr = (128 + 60 * np.sin(x / (97 + i)) * np.cos(y / 131) + rng.normal(0, 8, (h, w))).clip(0, 255)
        paths.append(tmp / f"photo{i}.jpg")
        Image.fromarray(arr.astype(np.uint8), "L").save(paths[-1], quality=90)

    from PySide6.QtCore import QTimer

    from colorizer_app.gui.app import make_application
    from colorizer_app.gui.main_window import MainWindow
    from colorizer_app.gui.settings import Settings

    app = make_application([sys.argv[0]])
    window = MainWindow(Settings(tmp / "settings.ini"))
    window.resize(1400, 900)
    window.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)

    def phase(name, start, done, timeout=600):
        gaps.clear()
        for _ in range(3):
            app.processEvents()
        last[0] = time.perf_counter()
        timer.start()
        t0 = time.perf_counter()
        start()
        end = time.monotonic() + timeout
        while not done():
            if time.monotonic() > end:
                raise TimeoutError(name)
            app.processEvents()
            time.sleep(0.001)
        time.sleep(0.006)
        app.processEvents()  # the tick due during a start() that blocked records that gap
        timer.stop()
        g = sorted(x * 1000 for x in gaps) or [0.0]
        print(f"{name:<28} {time.perf_counter() - t0:6.2f} s  ticks {len(g):5d}  "
              f"worst gap {g[-1]:6.1f} ms  p99 {g[int(0.99 * (len(g) - 1))]:5.1f} ms")
        return g[-1]

    worst = 0.0
    print(f"{args.photos} photos of {w}x{h} ({w * h / 1e6:.1f} MP), torch threads {torch.get_num_threads()}")
    window.settings.set("prefs/auto_colorize", True)
    worst = max(worst, phase("load + first preview", lambda: window.add_paths(paths, remember=False),
                             lambda: all(p.loaded for p in window.photos.photos) and window.photos.rowCount()
                             and not window.is_busy()))
    worst = max(worst, phase("batch (all photos)", window.colorize_all, lambda: not window.is_busy()))
    sliders = window.controls

    def nudge():
        for v in (0.9, 1.1, 1.3):
            sliders.vibrance.setValue(v)

    worst = max(worst, phase("slider burst -> preview", nudge,
                             lambda: not window._debounce.isActive() and not window.is_busy()))

    def shown() -> bool:
        return window.preview.after is not None and window.preview.after_params == window.current_params()

    for name, slider, value in (("vibrance", sliders.vibrance, 1.25), ("temperature", sliders.temperature, 0.5)):
        def release(slider=slider, value=value):
            slider.setValue(value)  # as the handle is dragged there
            slider.released.emit()  # and let go

        t0 = time.perf_counter()
        worst = max(worst, phase(f"{name} release -> preview", release, lambda: shown() and not window.is_busy()))
        print(f"  slider release to new preview ({name}, {w}x{h}): {1000 * (time.perf_counter() - t0):.0f} ms")
    worst = max(worst, phase("compare view", lambda: window.set_view_mode("compare"),
                             lambda: not window.is_busy()))
    if args.finetune_steps:
        opened = []  # the first open imports the training code on the GUI thread
        worst = max(worst, phase("fine-tune: open dialog", lambda: opened.append(window.show_finetune()),
                                 lambda: bool(opened)))
        dialog = opened[0]
        from skimage import data

        album = tmp / "album"
        album.mkdir()
        for i in range(16):
            src = getattr(data, ("astronaut", "coffee", "chelsea", "rocket")[i % 4])()[..., :3]
            s = min(src.shape[:2]) // 2 + 8 * i
            Image.fromarray(src[:s, i * 4:i * 4 + s]).resize((160, 160)).save(album / f"p{i}.jpg")
        dialog.steps_spin.setValue(args.finetune_steps)
        worst = max(worst, phase("fine-tune: folder scan", lambda: dialog.folder_edit.setText(str(album)),
                                 lambda: dialog._scan is not None and dialog._scan_job is None))
        worst = max(worst, phase(f"fine-tune: {args.finetune_steps} steps", dialog.start,
                                 lambda: not dialog.running))
        print(dialog.result_label.text().split("<br>")[0])
    print(f"worst gap overall: {worst:.1f} ms")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
