"""The desktop app driven through real widgets with pytest-qt, with tiny models on the CPU."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from colorizer_app.gui import workers  # noqa: E402
from colorizer_app.gui.export_dialog import ExportDialog, ExportOptions  # noqa: E402
from colorizer_app.gui.main_window import MainWindow  # noqa: E402
from colorizer_app.gui.photo_list import State  # noqa: E402
from colorizer_app.gui.qimage import qimage_to_numpy  # noqa: E402
from colorizer_app.gui.settings import Settings  # noqa: E402
from colorizer_app.defaults import DEFAULT_TEMPERATURE  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    colour_jpeg_with_metadata,
    gray_photo,
    load,
    settings_path,
    tiny_models,
    tiny_models_dir,
    wait_idle,
    window,
)


def is_coloured(img) -> bool:
    arr = (qimage_to_numpy(img) if isinstance(img, QImage) else img).astype(int)
    return arr.ndim == 3 and np.abs(arr[..., 0] - arr[..., 2]).mean() > 5


def drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event


# --------------------------------------------------------------------------- loading


def test_drop_loads_files_and_folders_and_lists_bad_ones(qtbot, window, tmp_path):
    folder = tmp_path / "album"
    folder.mkdir()
    gray_photo(folder / "a.png")
    gray_photo(folder / "b.png", 120, 80, seed=2)
    single = colour_jpeg_with_metadata(tmp_path / "colour.jpg")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    text = tmp_path / "notes.txt"
    text.write_text("hello")

    with qtbot.waitSignal(window.photosLoaded, timeout=10000) as blocker:
        drop(window, [folder, single, broken, text])
    loaded, failures = blocker.args
    assert sorted(p.name for p in loaded) == ["a.png", "b.png", "colour.jpg"]
    assert {p.name for p, _ in failures} == {"broken.jpg", "notes.txt"}
    photos = {p.name: p for p in window.photos.photos}
    assert set(photos) == {"a.png", "b.png", "colour.jpg", "broken.jpg", "notes.txt"}
    assert photos["broken.jpg"].state is State.FAILED and photos["broken.jpg"].error
    assert "not a supported image" in photos["notes.txt"].error
    assert photos["a.png"].size == (333, 217)
    assert photos["colour.jpg"].is_colour
    # the "before" view of a colour photo is its lightness, in gray, at full size (a small photo)
    window.list_view.set_current_photo(photos["colour.jpg"])
    qtbot.waitUntil(lambda: window.preview.before is not None, timeout=10000)
    before = window.preview.before
    assert before.format() == QImage.Format.Format_Grayscale8 and (before.width(), before.height()) == (161, 97)
    # failures are also reported in a (non-modal) box, with their reasons
    assert "broken.jpg" in window.problem_box.text()
    # the given paths went into the recent list
    assert str(folder.resolve()) in window.settings.get("paths/recent")
    wait_idle(qtbot, window)


def test_open_dialogs_and_recent_files(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "f"
    folder.mkdir()
    one = gray_photo(tmp_path / "one.png", 40, 30)
    gray_photo(folder / "two.png", 50, 30)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(one)], "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    with qtbot.waitSignal(window.photosLoaded, timeout=10000):
        window.registry["open"].trigger()
    with qtbot.waitSignal(window.photosLoaded, timeout=10000):
        window.registry["open_folder"].trigger()
    assert [p.name for p in window.photos.photos] == ["one.png", "two.png"]
    assert window.settings.get("paths/last_open_dir") == str(folder)
    assert window.settings.get("paths/recent")[:2] == [str(folder.resolve()), str(one.resolve())]

    window.clear_list()
    window._fill_recent_menu()
    entries = [a for a in window.recent_menu.actions() if a.text() == str(one.resolve())]
    with qtbot.waitSignal(window.photosLoaded, timeout=10000):
        entries[0].trigger()
    assert [p.name for p in window.photos.photos] == ["one.png"]
    wait_idle(qtbot, window)


def test_dropping_non_files_is_refused(qtbot, window):
    mime = QMimeData()
    mime.setText("just text")
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.setAccepted(False)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


# --------------------------------------------------------------------------- colourising and viewing


def test_colorizing_shows_colour_image_of_input_size(qtbot, window, tmp_path):
    path = gray_photo(tmp_path / "odd.png", 333, 217)
    window.controls.set_model("tiny-const")
    with qtbot.waitSignal(window.photoColorized, timeout=15000) as blocker:
        load(qtbot, window, [path])  # the current photo is colourised as soon as it is shown
    photo = blocker.args[0]
    assert photo.state is State.DONE and photo.pending is None
    window.set_view_mode("split")
    (pane,) = window.viewer.panes()
    after = pane.split_image()
    assert after is not None and (after.width(), after.height()) == (333, 217)
    assert is_coloured(after)
    assert (pane.image().width(), pane.image().height()) == (333, 217)  # the gray before
    assert window.time_label.text().startswith("Last run:") and "s" in window.time_label.text()
    assert window.device_label.text() == "Device: CPU"
    wait_idle(qtbot, window)


def test_view_modes_show_the_right_panes(qtbot, window, tmp_path):
    path = gray_photo(tmp_path / "p.png", 200, 150)
    window.controls.set_model("tiny-const")
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [path])

    window.registry["mode_side_by_side"].trigger()
    assert window.viewer.mode() == "side_by_side"
    panes = window.viewer.panes()
    assert [p.caption() for p in panes] == ["Original", "Colour"]
    assert not is_coloured(panes[0].image().convertToFormat(QImage.Format.Format_RGB888))
    assert is_coloured(panes[1].image())

    window.registry["mode_compare"].trigger()
    qtbot.waitUntil(lambda: all(p.image() is not None for p in window.viewer.panes()), timeout=15000)
    panes = window.viewer.panes()
    assert sorted(p.caption() for p in panes) == ["tiny-class", "tiny-const"]
    assert all((p.image().width(), p.image().height()) == (200, 150) for p in panes)

    window.registry["mode_split"].trigger()
    (pane,) = window.viewer.panes()
    assert pane.split_image() is not None
    assert window.registry["mode_split"].isChecked()
    wait_idle(qtbot, window)


def test_shortcuts_are_standard_and_unambiguous(window):
    from PySide6.QtGui import QKeySequence

    seen = {}
    for name, action in window.registry.actions.items():
        for key in action.shortcuts():
            assert key.toString() not in seen, f"{name} and {seen.get(key.toString())} share {key.toString()}"
            seen[key.toString()] = name
    for std, name in [(QKeySequence.StandardKey.Open, "open"), (QKeySequence.StandardKey.Save, "export"),
                      (QKeySequence.StandardKey.Quit, "quit"), (QKeySequence.StandardKey.ZoomIn, "zoom_in"),
                      (QKeySequence.StandardKey.ZoomOut, "zoom_out")]:
        for key in QKeySequence.keyBindings(std):
            assert seen[key.toString()] == name
    assert seen["Ctrl+0"] == "fit" and seen["Ctrl+1"] == "actual_size"


def test_zoom_actions(qtbot, window, tmp_path):
    load(qtbot, window, [gray_photo(tmp_path / "z.png", 300, 200)])
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.viewer.zoom() == pytest.approx(1.0)
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.viewer.is_fit()
    window.registry["actual_size"].trigger()
    assert window.viewer.zoom() == pytest.approx(1.0)
    window.registry["zoom_in"].trigger()
    assert window.viewer.zoom() > 1.0
    window.registry["zoom_out"].trigger()
    window.registry["zoom_out"].trigger()
    assert window.viewer.zoom() < 1.0
    window.registry["fit"].trigger()
    assert window.viewer.is_fit()
    assert window.zoom_label.text().endswith("%")
    wait_idle(qtbot, window)


def test_controls_rerun_current_photo_and_drop_stale_work(qtbot, window, tmp_path):
    window.controls.set_model("tiny-class")
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [gray_photo(tmp_path / "c.png", 160, 120)])
    photo = window.current_photo()
    assert window.controls.temperature.isEnabled()
    assert photo.params.temperature == pytest.approx(DEFAULT_TEMPERATURE)

    seen = []
    window.photoColorized.connect(lambda p: seen.append(p.params))
    for t in (0.1, 0.2, 0.3, 0.9):  # quick successive changes: only the last one is wanted
        window.controls.temperature.setValue(t)
    window.controls.vibrance.setValue(1.5)
    qtbot.waitUntil(lambda: photo.params is not None and photo.params.vibrance == pytest.approx(1.5)
                    and photo.params.temperature == pytest.approx(0.9), timeout=15000)
    wait_idle(qtbot, window)
    assert seen and all(p.temperature == pytest.approx(0.9) and p.vibrance == pytest.approx(1.5) for p in seen)
    assert len(seen) == 1  # debounced: one re-run for the whole burst

    combo = window.controls.model_combo  # as the user does it
    combo.setCurrentIndex(combo.findData("tiny-const"))  # regression: no temperature
    assert not window.controls.temperature.isEnabled()
    assert window.controls.params().temperature is None
    qtbot.waitUntil(lambda: photo.params.model.endswith("tiny-const.safetensors"), timeout=15000)
    wait_idle(qtbot, window)


def test_preview_superseded_result_is_dropped(qtbot, window, tmp_path):
    """A result of a superseded request never replaces the newer one, whatever the timing."""
    window.controls.set_model("tiny-const")
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [gray_photo(tmp_path / "s.png", 120, 90)])
    photo = window.current_photo()
    window.controls.vibrance.setValue(0.5)
    window._controls_settled()  # no debounce: fire two requests back to back
    first = photo.pending
    window.controls.vibrance.setValue(1.7)
    window._controls_settled()
    second = photo.pending
    assert first != second
    qtbot.waitUntil(lambda: photo.pending is None, timeout=15000)
    wait_idle(qtbot, window)
    assert photo.params.vibrance == pytest.approx(1.7)


def test_going_back_to_the_shown_settings_settles_the_photo(qtbot, window, tmp_path):
    """A slider moved and moved back before the re-run ends: the photo shows its result again and
    does not stay 'colourising' when the now stale run finishes."""
    window.controls.set_model("tiny-const")
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [gray_photo(tmp_path / "b.png", 120, 90)])
    photo = window.current_photo()
    window.controls.vibrance.setValue(1.6)
    window._controls_settled()
    assert photo.state is State.RUNNING
    window.controls.vibrance.setValue(1.0)  # back to what the photo shows
    window._controls_settled()
    assert photo.pending is None and photo.state is State.DONE
    wait_idle(qtbot, window)
    assert photo.state is State.DONE and photo.params.vibrance == pytest.approx(1.0)


def test_device_picker_offers_what_exists(window):
    from colorizer_app.engine.device import available_devices

    combo = window.controls.device
    requests = [combo.itemData(i) for i in range(combo.count())]
    assert requests == ["auto", *available_devices()]
    assert combo.itemText(0).startswith("Auto (")


# --------------------------------------------------------------------------- work list


def test_keyboard_next_previous_and_remove(qtbot, window, tmp_path):
    paths = [gray_photo(tmp_path / f"k{i}.png", 64 + i, 48, seed=i) for i in range(3)]
    load(qtbot, window, paths)
    assert window.current_photo().name == "k0.png"
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.current_photo().name == "k1.png"
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.current_photo().name == "k1.png"
    window.list_view.set_current_photo(window.photos.photos[1])
    window.list_view.selectionModel().clearSelection()
    window.registry["remove"].trigger()
    assert [p.name for p in window.photos.photos] == ["k0.png", "k2.png"]
    assert window.current_photo() is not None
    window.registry["clear"].trigger()
    assert window.photos.rowCount() == 0
    assert not window.registry["export"].isEnabled()
    wait_idle(qtbot, window)


# --------------------------------------------------------------------------- batch


def test_batch_colorizes_all_with_progress(qtbot, window, tmp_path):
    window.settings.set("prefs/auto_colorize", False)
    paths = [gray_photo(tmp_path / f"b{i}.png", 90, 70, seed=i) for i in range(4)]
    load(qtbot, window, paths)
    assert all(p.state is State.WAITING for p in window.photos.photos)
    values = []
    with qtbot.waitSignal(window.batchFinished, timeout=20000) as blocker:
        job = window.colorize_all()
        job.progress.connect(lambda done, total: values.append((done, total)))
        assert window.progress.isVisibleTo(window) and window.cancel_button.isVisibleTo(window)
        assert window.registry["cancel"].isEnabled() and not window.registry["colorize_all"].isEnabled()
    assert blocker.args == [False]
    assert values[-1] == (4, 4)
    assert all(p.state is State.DONE and is_coloured(p.result_thumbnail) for p in window.photos.photos)
    assert not window.progress.isVisibleTo(window)
    assert window.colorize_all() is None  # nothing left to do with these settings
    wait_idle(qtbot, window)


def test_cancel_stops_the_batch(qtbot, window, tmp_path):
    window.settings.set("prefs/auto_colorize", False)
    paths = [gray_photo(tmp_path / f"c{i:02d}.png", 96, 64, seed=i) for i in range(12)]
    load(qtbot, window, paths)
    window.photoColorized.connect(lambda p: window.registry["cancel"].trigger())  # cancel on the first
    with qtbot.waitSignal(window.batchFinished, timeout=20000) as blocker:
        window.colorize_all()
    assert blocker.args == [True]
    done = [p for p in window.photos.photos if p.state is State.DONE]
    assert 1 <= len(done) < 12
    assert all(p.state is State.WAITING and p.pending is None
               for p in window.photos.photos if p.state is not State.DONE)
    assert not window.registry["cancel"].isEnabled()
    wait_idle(qtbot, window)


def test_closing_while_busy_cancels_and_waits(qtbot, tiny_models, settings_path, tmp_path):
    w = MainWindow(Settings(settings_path))
    w.show()
    w.settings.set("prefs/auto_colorize", False)
    load(qtbot, w, [gray_photo(tmp_path / f"x{i}.png", 400, 300, seed=i) for i in range(10)])
    w.colorize_all()
    assert w.batch.runner.is_busy()
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 10
    assert workers.running_threads() == []


# --------------------------------------------------------------------------- export


def test_export_writes_full_size_keeps_metadata_and_protects_originals(qtbot, window, tmp_path):
    window.controls.set_model("tiny-const")
    src = tmp_path / "src"
    src.mkdir()
    gray = gray_photo(src / "gray.png", 333, 217)
    colour = colour_jpeg_with_metadata(src / "colour.jpg")
    load(qtbot, window, [gray, colour])
    wait_idle(qtbot, window)

    out = tmp_path / "out"
    opts = ExportOptions(scope="all", folder=out, fmt="jpg", quality=90, pattern="{stem}_color")
    with qtbot.waitSignal(window.exportFinished, timeout=20000) as blocker:
        window.export_photos(window.photos.photos, opts)
    report = blocker.args[0]
    assert not report.failed and len(report.written) == 2
    with Image.open(out / "gray_color.jpg") as im:
        assert im.size == (333, 217) and im.mode == "RGB"
    with Image.open(out / "colour_color.jpg") as im:
        assert im.size == (161, 97)
        assert im.getexif()[270] == "a test photo"
        assert im.info.get("icc_profile")
    assert all(p.state is State.DONE for p in window.photos.photos)  # colourised on the way

    # same folder, same name and format as an original: refused, and the original is untouched
    before = colour.read_bytes()
    opts = ExportOptions(scope="all", folder=src, fmt="jpg", quality=90, pattern="{stem}")
    with qtbot.waitSignal(window.exportFinished, timeout=20000) as blocker:
        window.export_photos([p for p in window.photos.photos if p.name == "colour.jpg"], opts)
    report = blocker.args[0]
    assert report.written == [] and "original" in report.failed[0][1]
    assert colour.read_bytes() == before

    # existing outputs: asks; "skip" keeps them, "overwrite" replaces them
    target = out / "gray_color.png"
    target.write_bytes(b"keep me")
    asked = []
    window.confirm_overwrite = lambda existing: asked.append(existing) or "skip"
    opts = ExportOptions(scope="all", folder=out, fmt="png", quality=95, pattern="{stem}_color")
    with qtbot.waitSignal(window.exportFinished, timeout=20000) as blocker:
        window.export_photos(window.photos.photos, opts)
    assert asked == [[target]] and target.read_bytes() == b"keep me"
    assert blocker.args[0].skipped == [target]
    with Image.open(out / "colour_color.png") as im:
        assert im.size == (161, 97)
    window.confirm_overwrite = lambda existing: "overwrite"
    with qtbot.waitSignal(window.exportFinished, timeout=20000):
        window.export_photos(window.photos.photos, opts)
    with Image.open(target) as im:
        assert im.size == (333, 217)
    wait_idle(qtbot, window)


@pytest.mark.parametrize("fmt", ["png", "tif", "webp"])
def test_export_formats(qtbot, window, tmp_path, fmt):
    window.controls.set_model("tiny-const")
    load(qtbot, window, [gray_photo(tmp_path / "f.png", 75, 41)])
    opts = ExportOptions(scope="current", folder=tmp_path / "o", fmt=fmt, quality=80, pattern="{stem}_c")
    with qtbot.waitSignal(window.exportFinished, timeout=20000) as blocker:
        window.export_photos([window.current_photo()], opts)
    (written,) = blocker.args[0].written
    with Image.open(written) as im:
        assert im.size == (75, 41)
    wait_idle(qtbot, window)


def test_export_dialog_validates_the_pattern(qtbot, tmp_path):
    d = ExportDialog(folder=str(tmp_path), fmt="webp", quality=70, pattern="{stem}_color",
                     counts={"current": 1, "selected": 0, "all": 3}, scope="selected")
    qtbot.addWidget(d)
    ok = d.buttons.button(d.buttons.StandardButton.Ok)
    assert ok.isEnabled() and "photo_color.webp" in d.preview.text()
    assert d.options().scope == "current"  # "selected" had nothing in it
    d.pattern_edit.setText("{nope}")
    assert not ok.isEnabled()
    d.pattern_edit.setText("../{stem}")
    assert not ok.isEnabled()
    d.pattern_edit.setText("{stem}-colour")
    d.format_combo.setCurrentIndex(d.format_combo.findData("png"))
    assert ok.isEnabled() and not d.quality.isEnabled()
    o = d.options()
    assert (o.fmt, o.pattern, o.folder) == ("png", "{stem}-colour", tmp_path)


# --------------------------------------------------------------------------- settings


def test_settings_types_defaults_and_round_trip(tmp_path):
    path = tmp_path / "s.ini"
    s = Settings(path)
    assert s.get("controls/temperature") == pytest.approx(DEFAULT_TEMPERATURE)
    assert s.get("controls/size") == 256 and s.get("export/pattern") == "{stem}_color"
    assert s.get("paths/recent") == []
    s.set("controls/vibrance", 1.25)
    s.set("controls/size", 512)
    s.set("window/view_mode", "compare")
    s.set("prefs/restore_controls", False)
    s.set("paths/recent", ["/a/b.jpg"])
    s.sync()
    assert path.is_file()
    t = Settings(path)
    assert t.get("controls/vibrance") == pytest.approx(1.25)
    assert t.get("controls/size") == 512 and isinstance(t.get("controls/size"), int)
    assert t.get("window/view_mode") == "compare"
    assert t.get("prefs/restore_controls") is False
    assert t.get("paths/recent") == ["/a/b.jpg"]
    t.qsettings.setValue("controls/size", "banana")  # corrupt or out of range: the default
    t.qsettings.setValue("window/view_mode", "upside_down")
    assert t.get("controls/size") == 256 and t.get("window/view_mode") == "split"
    with pytest.raises(KeyError):
        t.get("no/such/key")


def test_window_settings_persist(qtbot, tiny_models, settings_path, tmp_path):
    w = MainWindow(Settings(settings_path))
    w.show()
    w.controls.set_values(model="tiny-class", temperature=0.6, vibrance=1.4, size=384)
    w.set_view_mode("side_by_side")
    w.settings.set("paths/last_open_dir", str(tmp_path))
    w.close()
    assert settings_path.is_file()

    w2 = MainWindow(Settings(settings_path))
    qtbot.addWidget(w2)
    v = w2.controls.values()
    assert v["model"] == "tiny-class" and v["size"] == 384
    assert v["temperature"] == pytest.approx(0.6) and v["vibrance"] == pytest.approx(1.4)
    assert w2.viewer.mode() == "side_by_side" and w2.registry["mode_side_by_side"].isChecked()
    assert w2.settings.get("paths/last_open_dir") == str(tmp_path)
    assert not w2.settings.get("window/geometry").isEmpty()
    w2.close()


def test_preferences_dialog_saves_defaults(qtbot, window):
    from colorizer_app.gui.preferences import PreferencesDialog

    d = PreferencesDialog(window.settings, window.controls.entries(), window)
    qtbot.addWidget(d)
    d.vibrance.setValue(1.5)
    d.size.setValue(512)
    d.view_mode.setCurrentIndex(d.view_mode.findData("compare"))
    d.model.setCurrentIndex(d.model.findData("tiny-const"))
    d.accept()
    s = window.settings
    assert s.get("defaults/vibrance") == pytest.approx(1.5) and s.get("defaults/size") == 512
    assert s.get("defaults/view_mode") == "compare" and s.get("defaults/model") == "tiny-const"
    window.reset_controls()
    assert window.controls.values()["size"] == 512 and window.controls.model_name() == "tiny-const"
    d.restore_defaults()
    assert d.size.value() == 256


def test_about_box_lists_models(qtbot, window, tiny_models, monkeypatch, tmp_path):
    from colorizer_app.gui.about import AboutDialog

    weights = tmp_path / "no_bundled_weights"
    weights.mkdir()
    (weights / "MODEL_CARD.md").write_text("# Model card\n\nTrained on **test** photos.\n")
    d = AboutDialog(window)
    qtbot.addWidget(d)
    # short: version, licence, where models and settings live; the card one click further
    text = d.header.text()
    assert "MIT" in text and str(tiny_models) in text and "Settings" in text
    assert not hasattr(d, "tabs")
    card = d.show_model_card()
    tabs = [card.tabs.tabText(i) for i in range(card.tabs.count())]
    assert tabs == ["Model card", "tiny-class", "tiny-const"]
    assert "Trained on" in card.tabs.widget(0).toPlainText()
    assert "classification" in card.tabs.widget(1).toPlainText()


# --------------------------------------------------------------------------- entry point


def test_main_opens_window_with_photos(qtbot, tiny_models, settings_path, tmp_path, monkeypatch):
    from colorizer_app.gui import app as app_mod

    photo = gray_photo(tmp_path / "cli.png", 50, 40)
    opened = []

    def fake_exec(self):
        (w,) = [x for x in QApplication.topLevelWidgets() if isinstance(x, MainWindow) and x.isVisible()]
        qtbot.waitUntil(lambda: w.photos.rowCount() == 1 and w.photos.photos[0].loaded, timeout=10000)
        opened.append(w.photos.photos[0].name)
        w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_mod.main([str(photo)]) == 0
    assert opened == ["cli.png"]
    assert QApplication.applicationName() == "Colorizer"


# --------------------------------------------------------------------------- responsiveness


def test_event_loop_keeps_running_while_a_batch_runs(qtbot, window, tmp_path):
    """A 5 ms timer keeps ticking throughout a batch of 2-megapixel photos: the work runs off the
    GUI thread. The stall figure itself is a benchmark (benchmarks/gui_stall.py), not asserted."""
    window.settings.set("prefs/auto_colorize", False)
    load(qtbot, window, [gray_photo(tmp_path / f"big{i}.png", 1600, 1200, seed=i) for i in range(4)],
         timeout=30000)
    wait_idle(qtbot, window)
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    with qtbot.waitSignal(window.batchFinished, timeout=60000):
        window.colorize_all()
    timer.stop()
    worst = max(gaps) * 1000
    print(f"\nevent loop: {len(gaps)} ticks, worst gap {worst:.1f} ms")
    assert all(p.state is State.DONE for p in window.photos.photos)
    # the batch took many timer intervals and the loop served them while it ran
    assert len(gaps) >= 10


def test_a_stopped_runner_starts_a_new_thread_for_its_next_job(qtbot):
    """Dialogs stop their runner when closed and use the same one when opened again."""
    from colorizer_app.gui.workers import Job, JobRunner

    runner = JobRunner("test")
    for value in (1, 2):
        job = Job(lambda v: v * 10, value)
        with qtbot.waitSignal(job.returned, timeout=5000) as got:
            runner.submit(job)
        assert got.args == [value * 10] and runner.started
        assert runner.shutdown(5000) and not runner.started


def test_model_card_calls_bundled_models_by_the_pickers_names(tmp_path):
    """The bundled files are named after their families (regression, gan); the card's heading gives
    the name a person picks them by first, the file's name beside it."""
    from colorizer_app.gui.about import metadata_html
    from colorizer_app.models.registry import ModelEntry

    bundled = ModelEntry("gan", tmp_path / "gan.safetensors", "gan", True, {})
    own = ModelEntry("my-family-photos", tmp_path / "mine.safetensors", "gan", False, {})
    assert "<h3>Lively (gan)</h3>" in metadata_html(bundled)
    assert "<h3>my-family-photos</h3>" in metadata_html(own)
