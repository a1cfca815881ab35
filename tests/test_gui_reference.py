"""The side panel's "Colours from a photo": choosing a reference, changing its strength, clearing,
a grayscale photo refused, saved palettes; the preview follows on its worker thread."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    gray_photo,
    load,
    settings_path,
    tiny_models,
    tiny_models_dir,
    wait_idle,
    window,
)


def colour_reference(path, rgb=(30, 90, 210), other=(220, 180, 40)):
    arr = np.empty((40, 60, 3), np.uint8)
    arr[:, :40] = rgb
    arr[:, 40:] = other
    Image.fromarray(arr).save(path)
    return path


def image_bytes(qimage) -> bytes:
    return bytes(qimage.constBits())[: qimage.sizeInBytes()]


def choose(qtbot, box, path):
    with qtbot.waitSignal(box.changed, timeout=10000):
        box.load(path)


def test_choose_change_strength_and_clear(qtbot, window, tmp_path):
    window.controls.set_model("tiny-class")
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [gray_photo(tmp_path / "g.png", 120, 80)])
    wait_idle(qtbot, window)
    plain = image_bytes(window.preview.after)
    box = window.controls.reference
    assert box.reference() is None and not box.strength.isEnabled() and not box.clear_button.isEnabled()

    choose(qtbot, box, colour_reference(tmp_path / "postcard.png"))
    assert box.palette is not None and len(box.palette.colours) == 2
    assert box.photo is not None  # a single photo: its colours go where the same things are
    # only there, so the note does not promise more, and says where to see it
    assert "postcard.png" in box.status.text() and box.show_match.text() in box.status.text()
    assert len(box.swatches.colours) == 2 and box.strength.isEnabled()
    params = window.current_params()
    assert params.reference is not None and params.reference.strength == pytest.approx(0.5)
    assert params.reference.photo is box.photo
    window._controls_settled()
    qtbot.waitUntil(lambda: window.preview.after_params == window.current_params(), timeout=15000)
    steered = image_bytes(window.preview.after)
    assert steered != plain

    box.strength.setValue(1.0)
    assert window.current_params().reference.strength == pytest.approx(1.0)
    window.controls.released.emit()
    qtbot.waitUntil(lambda: window.preview.after_params == window.current_params(), timeout=15000)
    assert image_bytes(window.preview.after) != steered

    box.strength.setValue(0.0)  # "ignore": the same params as no reference at all
    assert window.current_params().reference is None

    with qtbot.waitSignal(window.controls.paramsChanged, timeout=2000):
        box.clear()
    assert box.palette is None and window.current_params().reference is None
    assert not box.strength.isEnabled()
    window._controls_settled()
    qtbot.waitUntil(lambda: window.preview.after_params == window.current_params(), timeout=15000)
    assert image_bytes(window.preview.after) == plain
    wait_idle(qtbot, window)


def test_a_grayscale_reference_is_refused_with_its_name(qtbot, window, tmp_path):
    box = window.controls.reference
    gray = tmp_path / "grandad.png"
    Image.fromarray(np.stack([np.arange(60, dtype=np.uint8)[None].repeat(40, 0)] * 3, -1)).save(gray)
    with qtbot.waitSignal(box.failed, timeout=10000) as blocker:
        box.load(gray)
    assert "grandad.png" in blocker.args[0] and "grayscale" in blocker.args[0]
    assert box.palette is None and window.current_params().reference is None


def test_a_palette_is_saved_and_chosen_again(qtbot, window, tmp_path):
    box = window.controls.reference
    choose(qtbot, box, colour_reference(tmp_path / "uniform.png"))
    first = box.palette
    assert box.save_as("Uniform")
    box.clear()
    i = box.saved.findData("Uniform")
    assert i > 0
    box.saved.setCurrentIndex(i)
    box.saved.activated.emit(i)
    assert box.palette is not None and np.allclose(box.palette.colours, first.colours, atol=1e-2)
    assert box.photo is None and window.current_params().reference.photo is None  # a palette only


def test_every_family_can_use_it(qtbot, window):
    box = window.controls.reference
    for name in ("tiny-const", "tiny-class"):
        window.controls.set_model(name)
        assert box.choose_button.isEnabled() and box.toolTip()


def test_a_file_that_is_not_a_photo_is_reported_in_a_box_and_changes_nothing(qtbot, window, tmp_path,
                                                                              monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    box = window.controls.reference
    choose(qtbot, box, colour_reference(tmp_path / "postcard.png"))
    before = window.current_params().reference
    text = tmp_path / "text.jpg"
    text.write_text("a shopping list, not a photo")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(text), "")))
    with qtbot.waitSignal(box.failed, timeout=10000):
        qtbot.mouseClick(box.choose_button, Qt.MouseButton.LeftButton)
    # a warning box, as File > Open gives: the file's name and what is wrong with it
    problem = window.problem_box
    assert problem.isVisible() and problem.icon() == QMessageBox.Icon.Warning
    assert problem.text().startswith("text.jpg: not a supported image file")
    assert "text.jpg: not a supported image file" in box.status.text()
    # the reference chosen before is still the one used
    after = window.current_params().reference
    assert after.palette is before.palette and after.photo is before.photo
    assert box.swatches.colours and box.strength.isEnabled()
    problem.close()
