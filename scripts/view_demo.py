"""Render the PhotoViewer in each mode to PNG files, to eyeball the drawing without a display.

    QT_QPA_PLATFORM=offscreen python scripts/view_demo.py [OUT_DIR]

Uses skimage's astronaut photo (grayscale 'before', the original colours as 'after').
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from skimage import data  # noqa: E402

from colorizer_app.gui.qimage import numpy_to_qimage  # noqa: E402
from colorizer_app.gui.views import PhotoViewer  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/view_demo")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])  # noqa: F841
    rgb = data.astronaut()
    gray = (rgb @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    before, after = numpy_to_qimage(gray), numpy_to_qimage(rgb)
    tint = np.stack([gray * 1.1, gray * 0.95, gray * 0.75], -1)  # a stand-in for a sepia model
    sepia = numpy_to_qimage(np.clip(tint, 0, 255).astype(np.uint8))

    v = PhotoViewer()
    v.resize(900, 560)
    v.show()

    def shot(name: str) -> None:
        app.processEvents()
        v.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png", f"zoom={v.zoom():.3f}")

    shot("empty")
    v.set_images(before, None)
    shot("busy_split")
    v.set_images(before, after)
    v.set_divider(0.4)
    shot("split")
    v.set_zoom(3.0)
    shot("split_zoom3")
    v.fit_to_window()
    v.set_mode("side_by_side")
    shot("side_by_side")
    v.set_images(before, None)
    shot("side_by_side_busy")
    v.set_images(before, after)
    v.set_mode("compare")
    v.set_compare_images({"regression": sepia, "classification": after, "gan": None})
    shot("compare")
    v.resize(560, 900)
    shot("compare_tall")


if __name__ == "__main__":
    main()
