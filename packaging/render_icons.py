"""Render resources/icons/colorizer.svg to the PNG sizes desktops and installers ask for.

The SVG is the source; run this after editing it and commit the PNGs:
    python packaging/render_icons.py
Qt's own SVG renderer (QtSvg, part of PySide6-Essentials) draws them, offscreen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from colorizer_app.resources import ICON_NAME, ICON_SIZES  # noqa: E402

ICONS = ROOT / "resources" / "icons"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - fonts, painting
    renderer = QSvgRenderer(str(ICONS / f"{ICON_NAME}.svg"))
    if not renderer.isValid():
        print(f"cannot read {ICONS / f'{ICON_NAME}.svg'}", file=sys.stderr)
        return 1
    for size in ICON_SIZES:
        out = ICONS / f"{ICON_NAME}-{size}.png"
        if not render(renderer, size).save(str(out)):
            print(f"cannot write {out}", file=sys.stderr)
            return 1
        print(out.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
