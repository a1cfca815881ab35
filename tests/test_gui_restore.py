"""Repair in the window, through real widgets: the switch restores what the viewer shows and
what the model colours, the overlay marks the damage, the brush adds and erases with undo, the
Preferences default applies to new photos, and an export carries the repair."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from colorizer_app.gui.qimage import qimage_to_numpy  # noqa: E402
from colorizer_app.session.export import ExportOptions  # noqa: E402

from gui_helpers import load, settings_path, tiny_models, tiny_models_dir, wait_idle, window  # noqa: E402,F401


def cracked_photo(path, w=320, h=240):
    """A smooth gray photo with a bright crack across it, and the crack's mask."""
    y, x = np.mgrid[0:h, 0:w]
    base = (60 + 80 * x / w + 20 * np.sin(y / 13.0)).astype(np.float32)
    cover = np.zeros((h, w), np.float32)
    pts = np.array([[20, 40], [90, 80], [160, 95], [230, 150], [300, 200]], np.int32).reshape(-1, 1, 2)
    cv2.polylines(cover, [pts], False, 1.0, 2, cv2.LINE_AA)
    arr = np.clip(base * (1 - cover) + 250 * cover, 0, 255).astype(np.uint8)
    Image.fromarray(arr, "L").save(path)
    return path, cover > 0.35


def open_photo(qtbot, w, path):
    load(qtbot, w, [path])
    photo = w.session.find_path(path)
    w.list_view.set_current_photo(photo)
    wait_idle(qtbot, w, 30000)
    return photo


def before_pixels(w):
    return qimage_to_numpy(w.preview.before)


def wait_before(qtbot, w, photo):
    qtbot.waitUntil(lambda: w.preview.before is not None
                    and w.preview.before_restore == w.session.restoration.get(photo) and not w.is_busy(),
                    timeout=30000)


def test_repair_switch_restores_the_view_and_the_colour(qtbot, window, tmp_path):
    w = window
    w.controls.set_model("tiny-const")
    path, crack = cracked_photo(tmp_path / "cracked.png")
    photo = open_photo(qtbot, w, path)
    box = w.controls.restore
    assert not box.repair.isChecked() and not box.denoise.isEnabled() and not box.mark.isEnabled()
    wait_before(qtbot, w, photo)
    damaged = before_pixels(w)
    assert damaged[crack].mean() > 200  # the crack is on screen

    box.repair.click()
    assert w.session.restoration.is_on(photo) and box.mark.isEnabled()
    wait_before(qtbot, w, photo)
    repaired = before_pixels(w)
    assert repaired[crack].mean() < damaged[crack].mean() - 60  # gone from the 'before' view
    assert np.abs(repaired[~crack].astype(int) - damaged[~crack]).mean() < 1.0  # the rest untouched
    qtbot.waitUntil(lambda: w.preview.after is not None and w.preview.after_params == w.photo_params(photo)
                    and not w.is_busy(), timeout=30000)
    assert w.preview.after_params.restore is not None  # the colour is of the restored photo
    qtbot.waitUntil(lambda: w.photos.status_text(photo, short=True) == "Coloured with tiny-const, repaired",
                    timeout=10000)

    # the overlay marks the crack in red over the view
    box.show_damage.click()
    qtbot.waitUntil(lambda: w.viewer.damage_overlay() is not None, timeout=30000)
    alpha = np.array(qimage_to_numpy(w.viewer.damage_overlay()))[..., 0] > 0
    assert alpha[crack].mean() > 0.7 and alpha.mean() < 0.1
    box.show_damage.click()
    qtbot.waitUntil(lambda: w.viewer.damage_overlay() is None, timeout=5000)

    # switched off again: the photo as it is
    box.repair.click()
    wait_before(qtbot, w, photo)
    assert np.array_equal(before_pixels(w), damaged)


def paint(qtbot, pane, points):
    start = pane.from_fraction(*points[0]).toPoint()
    qtbot.mousePress(pane, Qt.MouseButton.LeftButton, pos=start)
    for x, y in points[1:]:
        qtbot.mouseMove(pane, pane.from_fraction(x, y).toPoint())
    end = pane.from_fraction(*points[-1]).toPoint()
    qtbot.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=end)


def test_the_brush_adds_and_erases_with_undo(qtbot, window, tmp_path):
    w = window
    w.controls.set_model("tiny-const")
    path, crack = cracked_photo(tmp_path / "cracked.png")
    photo = open_photo(qtbot, w, path)
    box = w.controls.restore
    box.repair.click()
    box.mark.click()
    assert w.ui_state()["brushing"] and w.registry["undo_hint"].text() == "&Undo Brush Stroke"
    qtbot.waitUntil(lambda: w.viewer.damage_overlay() is not None, timeout=30000)  # the brush shows the mask
    pane = w.viewer.panes()[0]
    before = w.session.restoration.get(photo)
    paint(qtbot, pane, [(0.1, 0.8), (0.2, 0.82), (0.3, 0.85)])
    (stroke,) = w.session.restoration.get(photo).strokes
    assert not stroke.erase and stroke.points[0] == (pytest.approx(0.1, abs=0.01), pytest.approx(0.8, abs=0.01))
    mask = w.session.renderer.damage_mask(photo.ref, w.session.restoration.get(photo), w.preview.long_side)
    h, wd = mask.shape
    assert mask[int(0.82 * h), int(0.2 * wd)]  # painted
    wait_before(qtbot, w, photo)

    # erase where the crack was found: those pixels are no longer filled
    box.unmark.click()
    assert not box.mark.isChecked()
    paint(qtbot, pane, [(60 / 320, 60 / 240), (125 / 320, 87 / 240)])
    options = w.session.restoration.get(photo)
    assert len(options.strokes) == 2 and options.strokes[1].erase
    mask = w.session.renderer.damage_mask(photo.ref, options, w.preview.long_side)
    assert not mask[int(70 / 240 * h), int(90 / 320 * wd)]

    # Ctrl+Z with the brush in hand undoes strokes; the box's Undo too
    qtbot.keyClick(w.viewer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.session.restoration.get(photo).strokes == (stroke,)
    box.undo.click()
    assert w.session.restoration.get(photo) == before
    w.registry["redo_hint"].trigger()
    assert w.session.restoration.get(photo).strokes == (stroke,)
    box.clear.click()
    assert w.session.restoration.get(photo).strokes == ()
    box.unmark.click()  # a second click puts the brush down: the mouse pans again
    assert pane._brush is None and not w.ui_state()["brushing"]
    wait_idle(qtbot, w, 30000)


def test_preferences_default_applies_to_new_photos(qtbot, window, tmp_path):
    from colorizer_app.gui.preferences import PreferencesDialog

    w = window
    w.controls.set_model("tiny-const")
    first = open_photo(qtbot, w, cracked_photo(tmp_path / "first.png")[0])
    assert not w.session.restoration.is_on(first)
    d = PreferencesDialog(w.settings, w.controls.entries(), w)
    assert not d.repair_denoise.isEnabled()
    d.repair.setChecked(True)
    d.repair_contrast.setChecked(True)
    d.save()
    w.apply_restore_defaults()
    second = open_photo(qtbot, w, cracked_photo(tmp_path / "second.png")[0])
    assert w.controls.restore.repair.isChecked() and w.controls.restore.contrast.isChecked()
    restore = w.session.restoration.get(second)
    assert restore.repair and restore.contrast and not restore.denoise
    assert w.session.restoration.get(first) is None  # a photo already seen keeps its own
    wait_idle(qtbot, w, 30000)


def test_export_carries_the_repair(qtbot, window, tmp_path):
    w = window
    w.controls.set_model("tiny-const")
    path, crack = cracked_photo(tmp_path / "cracked.png")
    photo = open_photo(qtbot, w, path)
    w.controls.restore.repair.click()
    out = tmp_path / "out"
    job = w.batch.export_photos([photo], ExportOptions("current", out, "png", 95, "{stem}_color"))
    assert job is not None
    wait_idle(qtbot, w, 60000)
    written = np.array(Image.open(out / "cracked_color.png").convert("L"))
    original = np.array(Image.open(path))
    assert written.shape == original.shape
    assert written[crack].mean() < original[crack].mean() - 50
