"""Colour hints in the window, through real widgets: hint mode, the panel and its likely colours,
markers that are placed, dragged, recoloured and deleted, undo and redo, hints kept across a
restart, hints with models with and without hint inputs, and Export and Colourise All applying them.

Most tests use tiny models (one of them with hint inputs, random weights: its colours answer to
hints, not sensibly); the ones that judge the colours use the shipped hint-taking model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from colorizer_app.models.checkpoint import new_model, save_model  # noqa: E402
from colorizer_app.session.export import ExportOptions  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    TINY,
    gray_photo,
    load,
    save_tiny_models,
    settings_path,
    tiny_models,
    tiny_models_dir,
    wait_idle,
    window,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "weights"
BLUE = "#1f3cff"


@pytest.fixture(scope="session")
def tiny_hint_models_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny_hint_models")
    save_tiny_models(folder)
    import torch

    torch.manual_seed(1)
    m = new_model("regression", {**TINY, "hint_channels": 3})
    save_model(folder / "tiny-hints.safetensors", m.net, {"name": "tiny-hints"})
    return folder


def make_window(qtbot, settings_path):
    from colorizer_app.gui.main_window import MainWindow
    from colorizer_app.gui.settings import Settings

    w = MainWindow(Settings(settings_path))
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    return w


@pytest.fixture
def hint_window(qtbot, tiny_hint_models_dir, settings_path, tmp_path, monkeypatch):
    """The tiny models, one of which has hint inputs, as the user's; no bundled ones."""
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(tiny_hint_models_dir))
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path / "no_bundled_weights"))
    w = make_window(qtbot, settings_path)
    yield w
    w.close()


@pytest.fixture
def shipped_window(qtbot, settings_path, tmp_path, monkeypatch):
    """The shipped models, no user models."""
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(SHIPPED))
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(tmp_path / "no_user_models"))
    w = make_window(qtbot, settings_path)
    yield w
    w.close()


def open_photo(qtbot, w, path):
    load(qtbot, w, [path])
    photo = w.session.find_path(path)
    w.list_view.set_current_photo(photo)
    return photo


def wait_result(qtbot, w, photo, timeout=30000):
    """Until the viewer shows the photo coloured with what it should be coloured with now, and the
    list has heard the result too: the worker sends the image before the result, and is idle
    before the window has handled both."""
    qtbot.waitUntil(lambda: w.preview.after is not None and w.preview.after_params == w.photo_params(photo)
                    and not w.is_busy() and photo.pending is None, timeout=timeout)
    return w.preview.after


def colour_pane(w):
    pane = w.viewer.colour_pane()
    assert pane is not None
    return pane


def click_at(qtbot, pane, x, y, button=Qt.MouseButton.LeftButton):
    qtbot.mouseClick(pane, button, pos=pane.from_fraction(x, y).toPoint())


def place_hint(qtbot, w, x, y, colour=None):
    """Click (x, y) on the colour result, wait for the panel's likely colours, choose `colour`
    (through Other Colour…) or the first likely one."""
    n = len(w.hints.hints())
    click_at(qtbot, colour_pane(w), x, y)
    panel = w.hints.panel
    assert panel.isVisible()
    qtbot.waitUntil(lambda: not panel.finding, timeout=30000)
    if colour is None:
        qtbot.mouseClick((panel.swatches or [panel.current_button])[0], Qt.MouseButton.LeftButton)
    else:
        panel.pick_other_colour = lambda start: colour
        qtbot.mouseClick(panel.other_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible()
    assert len(w.hints.hints()) == n + 1
    return w.hints.hints()[-1]


def to_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3).copy()


# --- which model ----------------------------------------------------------------------------------

def test_hint_mode_works_with_any_model_and_keeps_it(qtbot, window, tmp_path):
    """Every model follows hints (models/hint_spread.py): none of these tiny models has hint
    inputs, and hint mode is there all the same and leaves the chosen model alone."""
    photo = open_photo(qtbot, window, gray_photo(tmp_path / "a.png", 80, 60))
    wait_result(qtbot, window, photo)
    a = window.registry["hints"]
    assert a.isEnabled() and a.isCheckable() and a in window.toolbar.actions()
    model = window.controls.model_name()
    a.trigger()  # the toolbar button
    assert a.isChecked() and window.hints.active and window.controls.model_name() == model
    msg = window.statusBar().currentMessage()
    assert "Click the colour result to place a hint" in msg
    for word in ("ab", "Lab", "chroma"):
        assert word not in msg.split()
    hint = place_hint(qtbot, window, 0.7, 0.5, BLUE)
    wait_result(qtbot, window, photo)
    assert window.preview.after_params.hints == (hint,) and window.controls.model_name() == model
    a.trigger()
    assert not window.hints.active and not a.isChecked()
    window.list_view.setFocus()
    qtbot.keyClick(window.list_view, Qt.Key.Key_H)  # the key works wherever the focus is
    assert window.hints.active and a.isChecked()
    qtbot.keyClick(window.viewer, Qt.Key.Key_H)
    assert not window.hints.active


def test_the_shortcuts_dialog_lists_the_hint_keys(hint_window):
    from colorizer_app.gui.shortcuts import ShortcutsDialog

    rows = dict(ShortcutsDialog(hint_window.registry, hint_window).rows())
    assert rows["Colour Hints"] == "H"
    assert "Ctrl+Z" in rows["Undo Hint"] and "Ctrl+Shift+Z" in rows["Redo Hint"]
    assert any("hint" in what.lower() for what in rows if what.startswith("Delete"))


# --- placing, moving, recolouring, deleting, undo -------------------------------------------------

def test_place_move_recolour_delete_and_undo_redo_hints(qtbot, hint_window, tmp_path):
    w = hint_window
    w.controls.set_model("tiny-hints")
    photo = open_photo(qtbot, w, gray_photo(tmp_path / "a.png", 160, 100))
    wait_result(qtbot, w, photo)
    w.registry["hints"].trigger()
    assert w.viewer.mode() == "split"

    hint = place_hint(qtbot, w, 0.7, 0.4, BLUE)  # right of the divider: the colour side
    assert hint.hex() == BLUE and (round(hint.x, 2), round(hint.y, 2)) == (0.7, 0.4)
    after = wait_result(qtbot, w, photo)
    assert w.preview.after_params.hints == (hint,)  # the photo was coloured again, with the hint
    assert w.photos.status_text(photo, short=True) == "Coloured with tiny-hints and 1 colour hint"
    pane = colour_pane(w)
    assert len(pane.markers()) == 1 and w.hints.selected == 0

    # a click opens the panel with an empty ring where the hint would go; Esc closes it, placing nothing
    click_at(qtbot, pane, 0.6, 0.75)
    assert w.hints.panel.isVisible() and pane._pending == (pytest.approx(0.6, abs=0.01), pytest.approx(0.75, abs=0.01))
    qtbot.keyClick(w.hints.panel, Qt.Key.Key_Escape)
    assert not w.hints.panel.isVisible() and pane._pending is None and len(w.hints.hints()) == 1

    # a click on the gray side of the split places nothing
    click_at(qtbot, pane, 0.2, 0.5)
    assert not w.hints.panel.isVisible() and len(w.hints.hints()) == 1

    # drag the marker; it recolours on release
    start = pane.from_fraction(0.7, 0.4).toPoint()
    end = pane.from_fraction(0.8, 0.6).toPoint()
    qtbot.mousePress(pane, Qt.MouseButton.LeftButton, pos=start)
    for t in (0.3, 0.6, 1.0):
        qtbot.mouseMove(pane, QPoint(round(start.x() + (end.x() - start.x()) * t),
                                     round(start.y() + (end.y() - start.y()) * t)))
    qtbot.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=end)
    (moved,) = w.hints.hints()
    assert abs(moved.x - 0.8) < 0.03 and abs(moved.y - 0.6) < 0.03 and moved.hex() == BLUE
    wait_result(qtbot, w, photo)
    assert w.preview.after_params.hints == (moved,)

    # a click on the marker opens the panel to recolour it (a likely colour, this time)
    click_at(qtbot, pane, moved.x, moved.y)
    panel = w.hints.panel
    assert panel.isVisible() and panel.delete_button.isVisible()
    qtbot.waitUntil(lambda: not panel.finding, timeout=30000)
    assert panel.current_button.isVisible()  # the colour now there is always offered
    chosen = (panel.suggestion_colours() or [panel.current_button.property("colour")])[0]
    qtbot.mouseClick((panel.swatches or [panel.current_button])[0], Qt.MouseButton.LeftButton)
    (recoloured,) = w.hints.hints()
    assert recoloured.hex() == chosen and (recoloured.x, recoloured.y) == (moved.x, moved.y)

    # a second hint, then Delete on the selected one (the key, not removing the photo)
    second = place_hint(qtbot, w, 0.6, 0.2, "#e03020")
    assert w.hints.selected == 1
    qtbot.keyClick(w.viewer, Qt.Key.Key_Delete)
    assert w.hints.hints() == (recoloured,) and w.session.find(photo.id) is photo

    # undo and redo, through the Edit menu's actions
    w.registry["undo_hint"].trigger()
    assert w.hints.hints() == (recoloured, second)
    w.registry["undo_hint"].trigger()
    assert w.hints.hints() == (recoloured,)
    w.registry["redo_hint"].trigger()
    assert w.hints.hints() == (recoloured, second)
    qtbot.keyClick(w.viewer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.hints.hints() == (recoloured,)
    qtbot.keyClick(w.viewer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w.hints.hints() == (recoloured, second)

    # the panel's Delete, and the right-click menu's
    w.hints.edit(1)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert w.hints.hints() == (recoloured,) and not panel.isVisible()
    menu = w.viewer_menu(marker=0)
    delete = next(a for a in menu.actions() if a.text() == "Delete Hint")
    delete.trigger()
    assert w.hints.hints() == ()
    w.registry["undo_hint"].trigger()
    w.registry["clear_hints"].trigger()
    assert w.hints.hints() == ()
    wait_result(qtbot, w, photo)
    assert w.preview.after_params.hints == ()
    assert not w.registry["clear_hints"].isEnabled()


def test_markers_are_on_colour_panes_only(qtbot, hint_window, tmp_path):
    w = hint_window
    w.controls.set_model("tiny-hints")
    photo = open_photo(qtbot, w, gray_photo(tmp_path / "a.png", 120, 80))
    wait_result(qtbot, w, photo)
    w.registry["hints"].trigger()
    place_hint(qtbot, w, 0.75, 0.5, BLUE)
    wait_result(qtbot, w, photo)

    w.set_view_mode("side_by_side")
    original, colour = w.viewer.panes()
    assert original.caption() == "Original" and original.markers() == []
    assert len(colour.markers()) == 1
    place_hint(qtbot, w, 0.2, 0.3, "#20a040")  # anywhere on the colour pane
    assert len(colour.markers()) == 2
    click_at(qtbot, original, 0.5, 0.5)  # the original takes no hints
    assert len(w.hints.hints()) == 2 and not w.hints.panel.isVisible()

    w.set_view_mode("compare")  # hint mode places on one model's result: back to the split view
    w.hints.set_active(False)
    w.set_view_mode("compare")
    qtbot.waitUntil(lambda: all(p.image() is not None for p in w.viewer.panes()), timeout=30000)
    wait_idle(qtbot, w)
    assert w.hints.refresh() is None
    for p in w.viewer.panes():
        assert p.markers() == []  # markers only in hint mode
    w.registry["hints"].trigger()
    assert w.viewer.mode() == "split"
    w.set_view_mode("split")
    (pane,) = w.viewer.panes()
    assert pane.split_image() is not None and len(pane.markers()) == 2


def test_hints_stay_with_the_photo_when_the_model_changes(qtbot, hint_window, tmp_path):
    w = hint_window
    w.controls.set_model("tiny-hints")
    photo = open_photo(qtbot, w, gray_photo(tmp_path / "a.png", 100, 70))
    wait_result(qtbot, w, photo)
    w.registry["hints"].trigger()
    place_hint(qtbot, w, 0.7, 0.5, BLUE)
    place_hint(qtbot, w, 0.8, 0.3, BLUE)
    wait_result(qtbot, w, photo)
    w.use_model("tiny-const")  # a model without hint inputs follows them too
    wait_result(qtbot, w, photo)
    assert w.preview.after_params.model.endswith("tiny-const.safetensors")
    assert w.hints.active and w.preview.after_params.hints == w.hints.hints() and len(w.hints.hints()) == 2
    other = open_photo(qtbot, w, gray_photo(tmp_path / "b.png", 60, 40, seed=2))
    assert w.hints.hints(other) == ()


# --- kept across a restart ------------------------------------------------------------------------

def test_hints_survive_a_restart(qtbot, tiny_hint_models_dir, settings_path, tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(tiny_hint_models_dir))
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path / "no_bundled_weights"))
    path = gray_photo(tmp_path / "kept.png", 100, 80)
    w = make_window(qtbot, settings_path)
    w.controls.set_model("tiny-hints")
    photo = open_photo(qtbot, w, path)
    wait_result(qtbot, w, photo)
    w.registry["hints"].trigger()
    hint = place_hint(qtbot, w, 0.66, 0.5, BLUE)
    w.close()
    assert not any(p.name.endswith(".json") for p in tmp_path.iterdir())  # nothing beside the photo

    w2 = make_window(qtbot, settings_path)
    assert w2.controls.model_name() == "tiny-hints"
    photo2 = open_photo(qtbot, w2, path)
    assert w2.session.hints.get(photo2) == (hint,)
    wait_result(qtbot, w2, photo2)
    assert w2.preview.after_params.hints == (hint,)
    w2.registry["hints"].trigger()
    assert len(colour_pane(w2).markers()) == 1
    w2.close()


# --- the colours, with the shipped hint model ------------------------------------------------------

def photo_for_colour_tests(tmp_path) -> Path:
    from skimage import data

    path = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).convert("L").save(path)
    return path


def region(a: np.ndarray, x: float, y: float, r: int) -> np.ndarray:
    h, w = a.shape[:2]
    cx, cy = int(x * w), int(y * h)
    return a[max(0, cy - r):cy + r + 1, max(0, cx - r):cx + r + 1].astype(np.float64)


def test_a_hint_changes_the_colour_near_it_and_not_far_away(qtbot, shipped_window, tmp_path):
    w = shipped_window
    photo = open_photo(qtbot, w, photo_for_colour_tests(tmp_path))
    w.registry["hints"].trigger()
    w.viewer.set_divider(0.0)  # the whole photo in colour
    assert w.controls.entry().family == "regression"  # Natural, the default, its network has hint inputs
    before = to_array(wait_result(qtbot, w, photo))
    # a vivid blue on the table top (coffee: 600 x 400, the table is lower left)
    x, y = 0.12, 0.85
    place_hint(qtbot, w, x, y, BLUE)
    after = to_array(wait_result(qtbot, w, photo))
    assert w.preview.after_params.hints == w.hints.hints()
    r = 8
    near = np.abs(region(after, x, y, r) - region(before, x, y, r)).mean()
    far = np.abs(region(after, 0.9, 0.1, r) - region(before, 0.9, 0.1, r)).mean()

    def blueness(a):
        patch = region(a, x, y, r)
        return (patch[..., 2] - patch[..., 0]).mean()

    # One hint must clearly change its neighbourhood, turn it bluer, and leave the far corner
    # nearly as it was (the spread along edges fades with distance: models/hint_spread.py).
    assert near > 0.8, near
    assert far < near / 3, (near, far)
    assert blueness(after) > blueness(before) + 2, (blueness(before), blueness(after))


def test_export_and_colourise_all_apply_the_hints(qtbot, shipped_window, tmp_path):
    w = shipped_window
    path = photo_for_colour_tests(tmp_path)
    other = gray_photo(tmp_path / "other.png", 120, 90)
    photo = open_photo(qtbot, w, path)
    w.registry["hints"].trigger()
    w.set_view_mode("side_by_side")
    wait_result(qtbot, w, photo)
    x, y = 0.12, 0.85

    def export(folder):
        options = ExportOptions("current", tmp_path / folder, "png", 95, "{stem}_c")
        with qtbot.waitSignal(w.exportFinished, timeout=60000) as blocker:
            w.export_photos([photo], options)
        assert blocker.args[0].written, blocker.args[0].failed
        return np.asarray(Image.open(tmp_path / folder / "coffee_c.png").convert("RGB"))

    plain = export("plain")
    place_hint(qtbot, w, x, y, BLUE)
    hinted_now = export("hinted_now")  # at once: the result is being made or made again on the way
    wait_result(qtbot, w, photo)
    hinted = export("hinted")
    r = 8
    assert np.abs(region(hinted, x, y, r) - region(plain, x, y, r)).mean() > 0.8  # snapshot: 1.55
    assert np.array_equal(hinted, hinted_now)
    assert hinted.shape == plain.shape == (400, 600, 3)

    # Colourise All: the photo with hints keeps them, the other is coloured without
    load(qtbot, w, [other])
    with qtbot.waitSignal(w.batchFinished, timeout=60000):
        assert w.colorize_photos(w.session.photos, force=True) is not None
    assert photo.params.hints == w.hints.hints(photo) and len(photo.params.hints) == 1
    assert w.session.find_path(other).params.hints == ()
