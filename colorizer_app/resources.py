"""Where the bundled weights and resources (icons, sample photos, desktop files) are found.

In a checkout they are the top-level `weights/` and `resources/` folders. A wheel carries them
inside the package as `colorizer_app/data/weights` and `colorizer_app/data/resources` (setup.py
maps them in at build time), and the PyInstaller bundle puts them at the same place under its
unpack folder. Every reader asks here, so nothing depends on the source tree being present.
No Qt and no torch here: the engine, the CLI and the GUI all use it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
APP_ID = "io.github.colorizer.Colorizer"  # desktop entry, metainfo and installed icon names
ICON_NAME = "colorizer"  # resources/icons/colorizer.svg and colorizer-SIZE.png
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def data_root() -> Path:
    """The folder that holds weights/ and resources/: the bundle, the installed package, or the checkout."""
    if is_frozen():
        return Path(sys._MEIPASS) / "colorizer_app" / "data"
    inside = PACKAGE_DIR / "data"
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent


def weights_dir() -> Path:
    """The bundled model checkpoints; COLORIZER_WEIGHTS overrides the folder (tests, custom sets)."""
    env = os.environ.get("COLORIZER_WEIGHTS")
    return Path(env) if env else data_root() / "weights"


def resources_dir() -> Path:
    return data_root() / "resources"


def icons_dir() -> Path:
    return resources_dir() / "icons"


def samples_dir() -> Path:
    """A few black-and-white photos to try the app on."""
    return resources_dir() / "samples"


def linux_dir() -> Path:
    """The .desktop entry and the AppStream metainfo for Linux desktops."""
    return resources_dir() / "linux"


def icon_files() -> list[Path]:
    """The application icon: the SVG first, then the PNG sizes that exist, smallest first."""
    folder = icons_dir()
    files = [folder / f"{ICON_NAME}.svg"] + [folder / f"{ICON_NAME}-{s}.png" for s in ICON_SIZES]
    return [f for f in files if f.is_file()]
