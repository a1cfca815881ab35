#!/usr/bin/env python
"""Screenshots of the desktop app, offscreen: docs/screenshots/{split,side_by_side,compare,hints,repair}.png.

    python scripts/screenshots.py                       # the bundled models in weights/
    python scripts/screenshots.py --model some.safetensors [--model other.safetensors]
    python scripts/screenshots.py --only hints          # colour hints: three markers and the panel
    python scripts/screenshots.py --only repair         # Repair on a sample with damage drawn on it

The sample photos in resources/samples are loaded and colourised with the first model (the others
appear in the compare view); settings go to a temporary file, so the user's are never touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", action="append", type=Path, default=[],
                   help="a .safetensors model to use (repeatable); default: the bundled ones")
    p.add_argument("--samples", type=Path, default=ROOT / "resources" / "samples")
    p.add_argument("--photo", default="chelsea.jpg", help="the sample shown in the screenshots")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--only", choices=("split", "side_by_side", "compare", "hints", "repair"), action="append",
                   help="only these screenshots (repeatable); default: all")
    p.add_argument("--size", default="1680x1050",
                   help="window size, WxH (the README shows 1680x1050, and 800x600 in docs/screenshots/800x600)")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="colorizer-shots-"))
    os.environ["COLORIZER_HINTS"] = str(tmp / "hints.json")  # the hints placed for the shot: not the user's
    try:
        if args.model:  # the given models become the only ones listed
            user = tmp / "models"
            user.mkdir()
            for m in args.model:
                shutil.copy(m, user / m.name)
            os.environ["COLORIZER_USER_MODELS"] = str(user)
            os.environ["COLORIZER_WEIGHTS"] = str(tmp / "no_bundled")
        return shoot(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def shoot(args, tmp: Path) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from colorizer_app.gui.app import make_application
    from colorizer_app.gui.main_window import MainWindow
    from colorizer_app.gui.settings import Settings
    from colorizer_app.models import registry

    if not registry.list_models():
        print("no models: train one (scripts/train_shipped.sh) or pass --model FILE", file=sys.stderr)
        return 1
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    app = make_application([sys.argv[0]])
    window = MainWindow(Settings(tmp / "settings.ini"))
    w, h = (int(v) for v in args.size.split("x"))
    window.resize(w, h)
    window.show()

    def pump(until, timeout=300.0, what="work"):
        end = time.monotonic() + timeout
        while not until():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.01)
        for _ in range(5):
            app.processEvents()

    photos = sorted(args.samples.glob("*.jpg"))
    if not photos:
        print(f"no sample photos in {args.samples}", file=sys.stderr)
        return 1
    window.add_paths(photos, remember=False)
    pump(lambda: window.photos.rowCount() == len(photos) and all(
        p.loaded or p.error for p in window.photos.photos), what="loading")
    window.colorize_all()
    pump(lambda: not window.is_busy(), what="colourising")
    shown = next((p for p in window.photos.photos if p.name == args.photo), window.photos.photos[0])
    window.list_view.set_current_photo(shown)
    pump(lambda: not window.is_busy() and window.preview.after is not None, what="the shown photo")

    args.out.mkdir(parents=True, exist_ok=True)
    for mode in ("split", "side_by_side", "compare"):
        if args.only and mode not in args.only:
            continue
        window.set_view_mode(mode)
        if mode == "split":
            window.viewer.set_divider(0.45)
        pump(lambda: not window.is_busy(), what=f"the {mode} view")
        if mode == "compare":
            pump(lambda: all(p.image() is not None for p in window.viewer.panes()), what="compare results")
        window.viewer.fit_to_window()
        app.processEvents()
        path = args.out / f"{mode}.png"
        window.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if not args.only or "hints" in args.only:
        shoot_hints(app, window, args, pump)
    if not args.only or "repair" in args.only:
        shoot_repair(window, args, tmp, pump)
    window.close()
    QApplication.processEvents()
    return 0


HINTS = ((0.37, 0.40, "#a0a83c"), (0.70, 0.45, "#a0a83c"), (0.80, 0.20, "#6b4a33"))  # x, y, colour: the eyes, fur
PANEL_AT = (0.45, 0.75)


def shoot_hints(app, window, args, pump) -> None:
    """Hint mode on the split view: three hints placed, and the panel open at a fourth spot with
    the colours the model finds likely there (hints.png)."""
    h = window.hints
    window.set_view_mode("split")
    window.viewer.set_divider(0.2)
    window.viewer.fit_to_window()
    window.registry["hints"].trigger()
    if not h.active:
        print("hint mode could not be turned on: hints.png not made", file=sys.stderr)
        return
    pump(lambda: not window.is_busy() and window.preview.after is not None, what="the hint model's result")
    h.session.hints.set(window.current_photo(), ())  # the shot starts from none
    for x, y, colour in HINTS:
        h.open_panel(x, y)
        pump(lambda: not h.panel.finding, what="likely colours")
        h.panel.colourChosen.emit(colour)
        pump(lambda: not window.is_busy(), what="recolouring with the hint")
    h.select(1)
    h.open_panel(*PANEL_AT)
    pump(lambda: not h.panel.finding and not window.is_busy(), what="likely colours")
    path = args.out / "hints.png"
    window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    h.panel.dismiss()


def shoot_repair(window, args, tmp: Path, pump) -> None:
    """Repair on, with what it fills shown in red, on a sample with cracks and spots drawn on it
    (restore/damage.py), the divider between the damaged and the repaired side (repair.png)."""
    import numpy as np
    from PIL import Image

    from colorizer_app.restore.damage import draw_damage

    gray = np.array(Image.open(args.samples / "chelsea.jpg").convert("L"), np.float32) / 2.55
    damaged = draw_damage(gray, np.random.default_rng(3), amount=2.0, look=False).L
    path = tmp / "cracked_chelsea.png"
    Image.fromarray(np.clip(damaged * 2.55, 0, 255).astype(np.uint8)).save(path)
    window.add_paths([path], remember=False)
    pump(lambda: window.session.find_path(path) is not None and window.session.find_path(path).loaded,
         what="the damaged photo")
    window.list_view.set_current_photo(window.session.find_path(path))
    window.set_view_mode("split")
    window.viewer.set_divider(0.5)
    pump(lambda: not window.is_busy() and window.preview.after is not None, what="the damaged photo's colour")
    box = window.controls.restore
    box.repair.click()
    pump(lambda: not window.is_busy() and window.preview.before_restore is not None, what="the repair")
    box.show_damage.click()
    pump(lambda: not window.is_busy() and window.viewer.damage_overlay() is not None, what="the overlay")
    window.viewer.fit_to_window()
    out = args.out / "repair.png"
    window.grab().save(str(out))
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    sys.exit(main())
