"""The window over the session, through real widgets: photos that fail to open, previews at
screen resolution that reuse the network's output, full resolution when zoomed in."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from colorizer_app.gui.export_dialog import ExportDialog  # noqa: E402
from colorizer_app.session.photos import State  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    gray_photo,
    load,
    settings_path,
    tiny_models,
    tiny_models_dir,
    wait_idle,
    window,
)


def broken(path):
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return path


def test_a_photo_that_failed_to_open_says_why_and_is_skipped(qtbot, window, tmp_path, monkeypatch):
    window.controls.set_model("tiny-const")
    bad = broken(tmp_path / "bad.jpg")
    loaded, failures = load(qtbot, window, [bad])
    assert not loaded and failures
    (photo,) = window.photos.photos
    window.list_view.set_current_photo(photo)
    (pane,) = window.viewer.panes()
    assert pane.image() is None
    assert "bad.jpg could not be opened" in pane._hint and photo.error in pane._hint

    assert window.colorize_selected() is None  # nothing to run, and it says why
    assert "could not be opened" in window.statusBar().currentMessage()
    assert "already colourised" not in window.statusBar().currentMessage()

    shown = []

    def fake_exec(dialog):
        shown.append(dialog)
        return ExportDialog.DialogCode.Rejected

    monkeypatch.setattr(ExportDialog, "exec", fake_exec)
    window.export(scope="all")
    (dialog,) = shown
    texts = [b.text() for b in dialog.scope_buttons.buttons()]
    assert texts == ["Current photo (0)", "Selected (0)", "All (0)"]
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()

    good = gray_photo(tmp_path / "good.png", 60, 40)
    load(qtbot, window, [good])
    shown.clear()
    window.export(scope="all")
    assert [b.text() for b in shown[0].scope_buttons.buttons()][2] == "All (1)"  # the failed one is not counted
    wait_idle(qtbot, window)


def test_a_batch_names_what_it_skipped(qtbot, window, tmp_path):
    window.settings.set("prefs/auto_colorize", False)
    window.controls.set_model("tiny-const")
    load(qtbot, window, [gray_photo(tmp_path / "a.png", 40, 30), broken(tmp_path / "b.jpg")])
    job = window.colorize_all()
    assert job is not None and "1 photo could not be opened" in window.statusBar().currentMessage()
    with qtbot.waitSignal(window.batchFinished, timeout=15000):
        pass
    states = {p.name: p.state for p in window.photos.photos}
    assert states == {"a.png": State.DONE, "b.jpg": State.FAILED}
    wait_idle(qtbot, window)


def test_previews_are_at_screen_resolution_and_sliders_reuse_the_network(qtbot, window, tmp_path):
    window.controls.set_model("tiny-class")
    window.preview.long_side = 800  # a small "screen", smaller than the photo
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [gray_photo(tmp_path / "wide.png", 2400, 1200)])
    wait_idle(qtbot, window)
    (pane,) = window.viewer.panes()
    assert window.viewer.zoom() * 2400 <= 800  # fitted to the window: the preview is enough
    assert (pane.image().width(), pane.image().height()) == (800, 400)  # the preview ...
    assert window.viewer.photo_size().width() == 2400  # ... of a photo 2400 px wide
    entry = window.controls.entry()
    net = window.session.models.colorizer(str(entry.path), window.current_params().device).model.net
    calls = []
    net.register_forward_hook(lambda *a: calls.append(1))
    for t in (0.2, 0.9):
        window.controls.temperature.setValue(t)
        window._controls_settled()
        qtbot.waitUntil(lambda: window.preview.after_params == window.current_params(), timeout=15000)
    window.controls.vibrance.setValue(1.6)
    window.controls.released.emit()  # a slider let go: no debounce
    qtbot.waitUntil(lambda: window.preview.after_params == window.current_params(), timeout=15000)
    assert calls == []  # temperature and vibrance: decoding and merging only

    window.viewer.actual_size()  # 100%: the photo's own pixels
    qtbot.waitUntil(lambda: window.preview.full and window.preview.after is not None, timeout=15000)
    (pane,) = window.viewer.panes()
    assert (pane.image().width(), pane.split_image().width()) == (2400, 2400)
    assert calls == []  # full resolution reuses it too
    window.viewer.fit_to_window()
    qtbot.waitUntil(lambda: not window.preview.full and window.preview.after is not None, timeout=15000)
    wait_idle(qtbot, window)


def test_picking_a_model_brings_its_own_temperature(qtbot, window, tiny_models):
    from colorizer_app.models import registry

    combo = window.controls.model_combo
    window.controls.temperature.setValue(0.9)
    combo.setCurrentIndex(combo.findData("tiny-const"))
    combo.setCurrentIndex(combo.findData("tiny-class"))
    expected = registry.load("tiny-class").meta.get("default_temperature", 0.38)
    assert window.controls.temperature.value() == pytest.approx(expected, abs=0.01)
