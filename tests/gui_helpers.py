"""Shared pieces of the GUI tests: tiny models on disk, test photos, a window fixture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageCms

from colorizer_app.models.checkpoint import new_model, save_model

TINY = {"widths": (8, 8, 16), "blocks": 2}


def save_tiny_models(folder: Path) -> None:
    """A regression net that predicts one vivid in-gamut colour everywhere (so results are
    certainly coloured) and a random classification net (for the temperature control)."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    reg = new_model("regression", TINY)
    with torch.no_grad():
        reg.net.head.weight.zero_()
        reg.net.head.bias.copy_(torch.tensor([20.0, 40.0]) / reg.net.spec.ab_scale)
    save_model(folder / "tiny-const.safetensors", reg.net, {"name": "tiny-const"})
    cls = new_model("classification", TINY)
    save_model(folder / "tiny-class.safetensors", cls.net, {"name": "tiny-class"}, bins=cls.bins)


def gray_photo(path: Path, w: int = 333, h: int = 217, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    arr = (x * 200 / w + 20 * np.sin(y / 9.0) + rng.normal(0, 6, (h, w))).clip(0, 255).astype(np.uint8)
    Image.fromarray(arr, "L").save(path)
    return path


def colour_jpeg_with_metadata(path: Path, w: int = 161, h: int = 97) -> Path:
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[270] = "a test photo"  # ImageDescription
    exif[315] = "Colorizer tests"  # Artist
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(arr, "RGB").save(path, quality=90, exif=exif.tobytes(), icc_profile=icc)
    return path


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny_models")
    save_tiny_models(folder)
    return folder


@pytest.fixture
def tiny_models(tiny_models_dir, tmp_path, monkeypatch) -> Path:
    """The tiny models as the user's models; no bundled ones (the real ones may not exist yet)."""
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(tiny_models_dir))
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path / "no_bundled_weights"))
    return tiny_models_dir


@pytest.fixture
def settings_path(tmp_path, monkeypatch) -> Path:
    from PySide6.QtCore import QSettings

    folder = tmp_path / "qsettings"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    return folder / "settings.ini"


@pytest.fixture
def window(qtbot, tiny_models, settings_path):
    from colorizer_app.gui.main_window import MainWindow
    from colorizer_app.gui.settings import Settings

    w = MainWindow(Settings(settings_path))
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    yield w
    w.close()


def load(qtbot, window, paths, timeout=10000):
    with qtbot.waitSignal(window.photosLoaded, timeout=timeout) as blocker:
        window.add_paths(paths)
    return blocker.args  # (loaded photos, failures)


def wait_idle(qtbot, window, timeout=10000):
    """Until no runner has work left."""
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=timeout)
