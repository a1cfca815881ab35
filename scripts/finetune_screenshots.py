#!/usr/bin/env python
"""Screenshots of the fine-tuning dialogs, offscreen: docs/screenshots/{finetune,manage_models}.png.

    python scripts/finetune_screenshots.py                   # fine-tune the bundled regression model
    python scripts/finetune_screenshots.py --base tiny       # an untrained tiny model (no weights needed)

A folder of crops of scikit-image's colour photos is fine-tuned on for a short real run; the Fine-tune
dialog is captured mid-run, then Manage Models with the new model's card. User models, caches
and settings go to a temporary folder, so the user's are never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="regression", help="base model name, or 'tiny' for an untrained tiny one")
    p.add_argument("--steps", type=int, default=120)
    p.add_argument("--shoot-at", type=float, default=0.6, help="fraction of the run at which to capture")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    return p.parse_args()


def photo_folder(folder: Path, n: int = 24, size: int = 160) -> Path:
    """Square crops of scikit-image's colour photos: a stand-in for a user's album."""
    import numpy as np
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    sources = [Image.fromarray(getattr(data, k)()[..., :3]) for k in ("astronaut", "coffee", "chelsea", "rocket")]
    rng = np.random.default_rng(0)
    for i in range(n):
        src = sources[i % len(sources)]
        w, h = src.size
        s = int(rng.integers(min(w, h) // 2, min(w, h)))
        x, y = int(rng.integers(0, w - s + 1)), int(rng.integers(0, h - s + 1))
        src.crop((x, y, x + s, y + s)).resize((size, size)).save(folder / f"photo_{i:02d}.jpg", quality=92)
    return folder


def save_small(widget, path: Path) -> None:
    """A PNG of the widget, palette-quantised when that keeps it well under 200 KB."""
    from PIL import Image

    widget.grab().save(str(path))
    if path.stat().st_size > 150_000:
        Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")


def main() -> int:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="colorizer-ft-shots-"))
    os.environ["COLORIZER_USER_MODELS"] = str(tmp / "models")
    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from colorizer_app.gui.app import make_application
    from colorizer_app.gui.main_window import MainWindow
    from colorizer_app.gui.settings import Settings
    from colorizer_app.models import registry

    base = args.base
    if base == "tiny":
        import torch

        from colorizer_app.models.checkpoint import new_model, save_model

        torch.manual_seed(0)
        m = new_model("regression", {"widths": (16, 32, 32), "blocks": 1})
        save_model(registry.user_models_dir() / "tiny.safetensors", m.net, {"name": "tiny"})
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    app = make_application([sys.argv[0]])
    window = MainWindow(Settings(tmp / "settings.ini"))
    window.resize(1200, 760)
    window.show()
    window.controls.set_model(base)

    def pump(until, timeout=900.0, what="work"):
        end = time.monotonic() + timeout
        while not until():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.01)
        for _ in range(5):
            app.processEvents()

    folder = photo_folder(tmp / "Family album")
    dialog = window.show_finetune()
    dialog.set_base(base)
    dialog.folder_edit.setText(str(folder))
    dialog.scan()
    pump(lambda: dialog._scan is not None and dialog._scan_job is None, what="the folder scan")
    dialog.steps_spin.setValue(args.steps)
    dialog.batch_spin.setValue(8)
    if dialog.start() is None:
        print(f"cannot start: {dialog.scan_label.text()} {dialog.name_label.text()}", file=sys.stderr)
        return 1
    pump(lambda: dialog.progress_bar.value() >= args.shoot_at * args.steps
         and dialog.preview_now.qimage is not None, what="training")
    args.out.mkdir(parents=True, exist_ok=True)
    save_small(dialog, args.out / "finetune.png")
    pump(lambda: not dialog.running, what="the end of the run")
    print(dialog.result_label.text())

    manage = window.show_manage_models()
    manage.select(dialog._saved_name)
    app.processEvents()
    save_small(manage, args.out / "manage_models.png")
    window.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
