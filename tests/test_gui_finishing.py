"""Plain words and the habits a photo app is expected to have."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QItemSelectionModel, QMimeData, QPoint, QRect, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragLeaveEvent, QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from colorizer_app.gui import main_window as main_window_mod  # noqa: E402
from colorizer_app.gui.batch import remaining_text  # noqa: E402
from colorizer_app.gui.export_dialog import ExportDialog, ExportOptions  # noqa: E402
from colorizer_app.gui.main_window import fit_rect  # noqa: E402
from colorizer_app.gui.photo_list import PhotoListModel  # noqa: E402
from colorizer_app.gui.wording import (  # noqa: E402
    BOLDNESS_LABEL, closeness_words, error_change_fraction, model_summary, model_title)
from colorizer_app.models.registry import ModelEntry  # noqa: E402
from colorizer_app.session.photos import State  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    colour_jpeg_with_metadata, gray_photo, load, settings_path, tiny_models, tiny_models_dir, wait_idle, window)


def entry(name, family, bundled=True):
    return ModelEntry(name, Path(f"/w/{name}.safetensors"), family, bundled, {"val_metrics": {"psnr": 23.4}})


# --------------------------------------------------------------------------- words


def test_model_names_say_what_each_is_good_for():
    assert model_title(entry("regression", "regression")) == "Natural (safe colours)"
    assert model_title(entry("classification", "classification")) == "Vivid"
    assert model_title(entry("gan", "gan")) == "Lively"
    assert model_title(entry("garden", "classification", bundled=False)) == "garden"
    assert "Vivid" in model_summary(entry("garden", "classification", bundled=False))
    assert "PSNR" not in model_summary(entry("regression", "regression"))


def test_side_panel_speaks_plainly_with_technical_tooltips(window):
    c = window.controls
    assert c.temperature_label.text() == BOLDNESS_LABEL
    assert [lab.text() for lab in c.temperature_end_labels] == ["Bolder", "Safer"]
    assert "temperature" in c.temperature.toolTip().lower() and "annealed" in c.temperature.toolTip().lower()
    c.set_values(model="tiny-class")
    assert c.model_combo.currentText() == "tiny-class"
    assert "Vivid" in c.model_info.text() and "PSNR" not in c.model_info.text()
    assert "classification" in c.model_info.toolTip()
    tip = c.model_combo.itemData(c.model_combo.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    assert "classification model" in tip
    c.set_values(model="tiny-const")
    assert "Natural" in c.model_info.text() and "regression" in c.model_combo.toolTip()


def test_fine_tune_result_in_words():
    assert error_change_fraction({"psnr": 20.0}, {"psnr": 23.0}) == pytest.approx(1 - 10 ** -0.3)
    assert "50% closer to the true colours" in closeness_words({"psnr": 20.0}, {"psnr": 23.0103}, 2)
    assert "2 photos set aside" in closeness_words({"psnr": 20.0}, {"psnr": 23.0}, 2)
    assert "about as close" in closeness_words({"psnr": 20.0}, {"psnr": 20.01})
    assert "further from the true colours" in closeness_words({"psnr": 20.0}, {"psnr": 19.0})
    assert "No comparison" in closeness_words({}, {"psnr": 19.0})


def test_fine_tune_dialog_speaks_of_passes_and_the_chart_of_lower_is_better(qtbot, window):
    from colorizer_app.gui.loss_chart import LOWER_IS_BETTER

    d = window.show_finetune()
    labels = [w.text() for w in d.findChildren(type(window.zoom_label))]
    assert "passes over your photos" in labels
    assert not any("epochs" in t for t in labels) and not any(t.startswith("steps") for t in labels)
    assert not d.steps_spin.isVisible()  # under Advanced
    assert "lower is better" in d.chart.toolTip() and LOWER_IS_BETTER == "lower is better"
    d.close()


def test_list_says_not_coloured_yet_and_which_model_coloured(qtbot, window, tmp_path):
    window.controls.set_model("tiny-const")
    a, b = gray_photo(tmp_path / "a.png", 60, 40), gray_photo(tmp_path / "b.png", 60, 40, seed=1)
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [a, b])  # the first is shown, so coloured; the second is not
    wait_idle(qtbot, window)
    first, second = window.photos.photos
    assert second.state is State.WAITING
    assert window.photos.status_text(second) == "Not coloured yet"
    assert "waiting" not in window.photos.status_text(second).lower()
    assert window.photos.status_text(first).startswith("Coloured with tiny-const")  # "in 0.1 s" when timed
    assert window.photos.status_text(first, short=True) == "Coloured with tiny-const"
    tip = window.photos.data(window.photos.index(0), Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines()[0] == "a.png" and "tiny-const" in tip
    titles = {str(e.path): t for e, t in zip(window.controls.entries(), ["Natural (safe colours)", "Vivid"])}
    window.photos.set_model_titles(titles)
    assert window.photos.status_text(first, short=True) in ("Coloured with Natural", "Coloured with Vivid")


def test_long_names_have_their_full_name_in_the_tooltip(qtbot, window, tmp_path):
    long = gray_photo(tmp_path / ("grandmother_at_the_seaside_" * 4 + ".png"), 40, 30)
    load(qtbot, window, [long])
    tip = window.photos.data(window.photos.index(0), Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines()[0] == long.name
    wait_idle(qtbot, window)


# --------------------------------------------------------------------------- habits


def test_new_photos_are_selected_and_shown_also_when_the_list_has_photos(qtbot, window, tmp_path):
    first = [gray_photo(tmp_path / f"old{i}.png", 40, 30, seed=i) for i in range(12)]
    load(qtbot, window, first)
    window.list_view.setFixedHeight(150)  # room for two rows: the new ones are below the fold
    new = [gray_photo(tmp_path / f"new{i}.png", 40, 30, seed=20 + i) for i in range(2)]
    load(qtbot, window, new)
    assert [p.name for p in window.list_view.selected_photos()] == ["new0.png", "new1.png"]
    assert window.current_photo().name == "new0.png"
    rect = window.list_view.visualRect(window.photos.index(12))
    assert window.list_view.viewport().rect().intersects(rect)  # scrolled into view
    wait_idle(qtbot, window)


def test_copy_puts_the_shown_result_on_the_clipboard(qtbot, window, tmp_path):
    window.controls.set_model("tiny-const")
    path = gray_photo(tmp_path / "copy.png", 90, 60)
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        load(qtbot, window, [path])
    qtbot.waitUntil(lambda: window.viewer.result_image() is not None, timeout=10000)
    window.update_actions()
    copy = window.registry["copy"]
    assert copy.isEnabled() and "Ctrl+C" in [k.toString() for k in copy.shortcuts()]
    QGuiApplication.clipboard().clear()
    copy.trigger()
    image = QGuiApplication.clipboard().image()
    assert (image.width(), image.height()) == (90, 60)
    c = image.pixelColor(45, 30)
    assert abs(c.red() - c.blue()) > 5  # coloured, not the gray original
    wait_idle(qtbot, window)


def test_picture_context_menu_and_original_folder(qtbot, window, tmp_path, monkeypatch):
    path = gray_photo(tmp_path / "ctx.png", 40, 30)
    load(qtbot, window, [path])
    texts = [a.text().replace("&", "") for a in window.viewer_menu().actions()]
    assert texts == ["Copy", "Export This Photo…", "Open Original Folder"]
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or False))
    assert not window.open_original_folder()
    assert opened[0].toLocalFile() == str(tmp_path)
    assert str(tmp_path) in window.statusBar().currentMessage()  # said on screen when no file manager
    wait_idle(qtbot, window)


def test_restored_window_fits_the_screen():
    screen = QRect(0, 0, 800, 600)
    assert fit_rect(QRect(-50, 900, 1680, 1050), screen) == QRect(0, 0, 800, 600)
    assert fit_rect(QRect(700, 500, 400, 300), screen) == QRect(400, 300, 400, 300)
    assert fit_rect(QRect(10, 20, 300, 200), screen) == QRect(10, 20, 300, 200)


def test_window_clamped_to_a_small_screen_keeps_the_photo_large(qtbot, window):
    window.resize(1680, 1050)
    window.fit_to_screen(QRect(0, 0, 800, 600))
    qtbot.waitUntil(lambda: window.frameGeometry().width() <= 800 and window.frameGeometry().height() <= 600)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.viewer.width() >= 0.5 * window.width(), timeout=3000)


def test_shortcuts_dialog_lists_every_shortcut(qtbot, window):
    from colorizer_app.gui.shortcuts import ShortcutsDialog

    d = ShortcutsDialog(window.registry, window)
    qtbot.addWidget(d)
    rows = dict(d.rows())
    for name, action in window.registry.actions.items():
        if action.shortcuts():
            assert action.text().replace("&", "").rstrip("…") in rows, name
    assert "Ctrl+C" in rows["Copy"] and "Copy" not in rows["Copy"].split(", ")  # no special-keyboard keys
    assert rows["Keyboard Shortcuts"] == "F1"
    assert "Keyboard Shortcuts" in [a.text().replace("&", "") for a in window.menuBar().actions()[-1].menu().actions()]


def test_first_start_offers_the_sample_photos(qtbot, window, tmp_path, monkeypatch):
    samples = tmp_path / "samples"
    samples.mkdir()
    gray_photo(samples / "s1.png", 40, 30)
    gray_photo(samples / "s2.png", 40, 30, seed=3)
    monkeypatch.setattr(main_window_mod, "samples_dir", lambda: samples)
    window._update_samples_button()
    assert window.samples_button.isVisible()
    with qtbot.waitSignal(window.photosLoaded, timeout=10000):
        qtbot.mouseClick(window.samples_button, Qt.MouseButton.LeftButton)
    assert [p.name for p in window.photos.photos] == ["s1.png", "s2.png"]
    assert not window.samples_button.isVisible() and window.settings.get("app/samples_offered")
    window.clear_list()
    assert not window.samples_button.isVisible()  # offered once
    wait_idle(qtbot, window)


def test_recent_files_list_only_what_exists(qtbot, window, tmp_path):
    here = gray_photo(tmp_path / "here.png", 40, 30)
    window.settings.set("paths/recent", [str(tmp_path / "gone.png"), str(here)])
    window._fill_recent_menu()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert str(here) in texts and str(tmp_path / "gone.png") not in texts


def test_batch_time_remaining():
    assert remaining_text(10.0, 0, 10) == ""
    assert remaining_text(10.0, 10, 10) == ""
    assert remaining_text(10.0, 5, 10) == "about 10 s left"
    assert remaining_text(60.0, 1, 11) == "about 10 min left"
    assert remaining_text(3600.0, 1, 3) == "about 2 h 00 min left"


def test_batch_progress_shows_time_remaining(qtbot, window, tmp_path):
    paths = [gray_photo(tmp_path / f"p{i}.png", 40, 30, seed=i) for i in range(3)]
    load(qtbot, window, paths)
    wait_idle(qtbot, window)
    window.batch._started_at -= 20  # as if the first photo had taken a while
    formats = []
    window.batch.runner  # noqa: B018
    orig = window.progress.setFormat
    window.progress.setFormat = lambda f: (formats.append(f), orig(f))
    with qtbot.waitSignal(window.batchFinished, timeout=20000):
        window.colorize_photos(list(window.photos.photos), force=True)
        window.batch._started_at -= 20
    assert any("left" in f for f in formats), formats


def test_window_highlights_while_photos_are_dragged_over_it(qtbot, window, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(gray_photo(tmp_path / "d.png", 40, 30)))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert window.drop_highlight.isVisible()
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not window.drop_highlight.isVisible()


def test_photo_list_model_names_models(qtbot, window):
    model: PhotoListModel = window.photos
    assert model.model_title(str(window.controls.entry().path)) == window.controls.entry().name
    assert model.model_title("/somewhere/else/old-model.safetensors") == "old-model"


def test_export_of_differently_coloured_photos_offers_to_recolour(qtbot, window, tmp_path, monkeypatch):
    from colorizer_app.gui.export_dialog import ExportOptions

    window.controls.set_model("tiny-const")
    a, b = gray_photo(tmp_path / "a.png", 50, 40), gray_photo(tmp_path / "b.png", 50, 40, seed=1)
    load(qtbot, window, [a])
    first = window.photos.photos[0]
    qtbot.waitUntil(lambda: first.params is not None and not window.is_busy(), timeout=15000)
    load(qtbot, window, [b])  # b is shown now: the preview colours it with the controls as they change
    second = window.photos.photos[1]
    assert window.current_photo() is second
    window.controls.vibrance.setValue(0.5)  # as the user would: paramsChanged
    qtbot.waitUntil(lambda: second.params is not None and second.params.vibrance == 0.5
                    and not window.is_busy(), timeout=15000)
    assert first.params.vibrance == 1.0 and second.params.vibrance == 0.5

    asked = []
    window.confirm_mixed_export = lambda used, current, uncoloured: asked.append((used, current)) or "recolour"
    opts = ExportOptions(scope="all", folder=tmp_path / "out", fmt="png", quality=95, pattern="{stem}_c")
    with qtbot.waitSignal(window.exportFinished, timeout=20000) as blocker:
        window.export_photos(window.photos.photos, opts)
    assert len(asked) == 1 and sorted(asked[0][0].values()) == [1, 1]
    assert len(blocker.args[0].written) == 2
    wait_idle(qtbot, window)
    assert first.params.vibrance == 0.5 and second.params.vibrance == 0.5  # recoloured on the way
    # the message offers to open the folder; without a file manager it says where they are
    assert window.export_folder_button.isVisible()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or False))
    qtbot.mouseClick(window.export_folder_button, Qt.MouseButton.LeftButton)
    assert opened[0].toLocalFile() == str(tmp_path / "out")
    assert str(tmp_path / "out") in window.statusBar().currentMessage()

    # the same settings everywhere: no question
    with qtbot.waitSignal(window.exportFinished, timeout=20000):
        window.confirm_overwrite = lambda existing: "overwrite"
        window.export_photos(window.photos.photos, opts)
    assert len(asked) == 1
    wait_idle(qtbot, window)


# --------------------------------------------------------------------------- one instance


def test_a_second_launch_hands_its_photos_to_the_open_window(qtbot, window, tmp_path):
    """Through the real mechanism: a second `colorizer PHOTO` process finds this window's local
    server, hands the photo over and exits 0 without opening a window of its own."""
    import os
    import subprocess
    import sys

    from colorizer_app.gui.single_instance import InstanceServer, server_name

    server = InstanceServer()
    assert server.listen() and server.name == server_name() == os.environ["COLORIZER_INSTANCE"]
    server.pathsReceived.connect(window.take_paths_from_another_launch)
    photo = gray_photo(tmp_path / "handed.png", 40, 30)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-c",
                             "import sys; from colorizer_app.gui.app import main; sys.exit(main(sys.argv[1:]))",
                             str(photo)], env=env, cwd=tmp_path)
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60000)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    qtbot.waitUntil(lambda: [p.name for p in window.photos.photos] == ["handed.png"], timeout=10000)
    assert window.current_photo().name == "handed.png"
    server.close()
    wait_idle(qtbot, window)


def test_a_stale_socket_is_taken_over(qtbot):
    from colorizer_app.gui.single_instance import InstanceServer, hand_over

    first = InstanceServer()
    assert first.listen()
    second = InstanceServer()
    assert not second.listen()  # a live instance answers: no second server
    first.close()
    assert not hand_over(["x.png"], timeout_ms=300)  # nobody listening: this launch opens a window
    if sys.platform != "win32":  # a crashed instance leaves its socket file behind
        import socket

        from PySide6.QtCore import QDir

        stale = socket.socket(socket.AF_UNIX)
        stale.bind(str(Path(QDir.tempPath()) / first.name))
        stale.close()
        assert (Path(QDir.tempPath()) / first.name).exists()
    third = InstanceServer()
    assert third.listen()
    third.close()


def test_show_file_says_where_the_model_is_when_no_file_manager_opens(qtbot, window, monkeypatch):
    d = window.show_manage_models()
    d.list.setCurrentRow(0)
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    assert not d.reveal_selected()
    assert str(d.selected().path) in d.note.text()
    d.close()


# --------------------------------------------------------------------------- messages about the right photos


def answer_next_dialog(answer) -> list:
    """Once the next modal dialog is open, hand it to `answer` (which must close it); returns a
    list that gets what `answer` returned."""
    got = []

    def poll(tries: int = 500) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if tries:
                QTimer.singleShot(10, lambda: poll(tries - 1))
            return
        got.append(answer(dialog))

    QTimer.singleShot(0, poll)
    return got


def read_and_cancel(box: QMessageBox) -> tuple[str, list[str]]:
    said = box.text(), sorted(b.text().replace("&", "") for b in box.buttons())
    box.button(QMessageBox.StandardButton.Cancel).click()
    return said


def bad_files(folder: Path) -> list[Path]:
    """Files with a photo's name that do not open: empty, text, and a PNG cut short."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.jpg"
    empty.write_bytes(b"")
    text = folder / "text.jpg"
    text.write_text("a shopping list, not a photo")
    truncated = gray_photo(folder / "truncated.png", 200, 150)
    truncated.write_bytes(truncated.read_bytes()[:300])
    return [empty, text, truncated]


def test_open_recent_offers_only_files_that_opened(qtbot, window, tmp_path):
    good = gray_photo(tmp_path / "good.png", 40, 30)
    _, failures = load(qtbot, window, [*bad_files(tmp_path / "bad"), good])
    assert {p.name for p, _ in failures} == {"empty.jpg", "text.jpg", "truncated.png"}
    assert window.settings.get("paths/recent") == [str(good.resolve())]
    load(qtbot, window, [tmp_path / "bad"])  # a folder in which nothing opens
    assert window.settings.get("paths/recent") == [str(good.resolve())]
    window.recent_menu.aboutToShow.emit()
    assert [a.text() for a in window.recent_menu.actions() if a.text()] == [str(good.resolve()), "Clear Recent"]

    # a recent file that no longer opens leaves the list
    window.clear_list()
    good.write_text("saved over by mistake")
    load(qtbot, window, [good])
    assert window.settings.get("paths/recent") == []
    wait_idle(qtbot, window)


def test_a_note_about_one_photo_goes_when_another_is_shown(qtbot, window, tmp_path):
    text = tmp_path / "text.jpg"
    text.write_text("a shopping list, not a photo")
    gray = gray_photo(tmp_path / "gray.png", 60, 40)
    colour = colour_jpeg_with_metadata(tmp_path / "colour.jpg")
    load(qtbot, window, [text, gray, colour])
    photos = {p.name: p for p in window.photos.photos}
    bar = window.statusBar()
    window.list_view.set_current_photo(photos["gray.png"])
    window.list_view.set_current_photo(photos["text.jpg"])
    assert bar.currentMessage().startswith("text.jpg: ")

    window.registry["remove"].trigger()  # Del: the next photo is shown
    assert [p.name for p in window.photos.photos] == ["gray.png", "colour.jpg"]
    assert window.current_photo() is photos["gray.png"]
    assert bar.currentMessage() == ""

    window.list_view.set_current_photo(photos["colour.jpg"])
    assert "colour.jpg is a colour photo" in bar.currentMessage()
    window.list_view.set_current_photo(photos["gray.png"])
    assert bar.currentMessage() == ""

    # a message about something else stays
    window.list_view.set_current_photo(photos["colour.jpg"])
    window.status("Exported 2 photos to the desktop", 8000)
    window.list_view.set_current_photo(photos["gray.png"])
    assert bar.currentMessage() == "Exported 2 photos to the desktop"
    wait_idle(qtbot, window)


def test_replace_question_speaks_of_one_file_or_several(qtbot, window, tmp_path):
    window.controls.set_model("tiny-const")
    load(qtbot, window, [gray_photo(tmp_path / "a.png", 40, 30), gray_photo(tmp_path / "b.png", 40, 30, seed=1)])
    wait_idle(qtbot, window)
    out = tmp_path / "out"
    out.mkdir()
    opts = ExportOptions(scope="all", folder=out, fmt="png", quality=95, pattern="{stem}_c")
    (out / "a_c.png").write_bytes(b"keep me")
    said = answer_next_dialog(read_and_cancel)
    assert window.export_photos(window.photos.photos, opts) is None
    (text, buttons), = said
    assert text.startswith(f"1 file already exists in {out}") and "a_c.png" in text
    assert buttons == ["Cancel", "Replace", "Skip It"]

    (out / "b_c.png").write_bytes(b"keep me too")
    said = answer_next_dialog(read_and_cancel)
    assert window.export_photos(window.photos.photos, opts) is None
    (text, buttons), = said
    assert text.startswith(f"2 files already exist in {out}")
    assert buttons == ["Cancel", "Replace", "Skip Those"]
    assert (out / "a_c.png").read_bytes() == b"keep me"
    wait_idle(qtbot, window)


def test_export_example_names_a_photo_that_will_be_exported(qtbot, window, tmp_path):
    empty, text, truncated = bad_files(tmp_path / "bad")
    first, second = gray_photo(tmp_path / "first.png", 40, 30), gray_photo(tmp_path / "second.png", 40, 30, seed=1)
    load(qtbot, window, [empty, first, text, truncated, second])
    sm = window.list_view.selectionModel()

    def read(dialog: ExportDialog) -> dict[str, str]:
        """The example line for each choice of photos the dialog offers."""
        lines = {}
        for button in dialog.scope_buttons.buttons():
            if button.isEnabled():
                button.click()
                lines[button.text()] = dialog.preview.text()
        dialog.reject()
        return lines

    # all selected, the current photo one that failed: it is neither counted nor the example
    sm.setCurrentIndex(window.photos.index(0), QItemSelectionModel.SelectionFlag.NoUpdate)
    window.list_view.selectAll()
    got = answer_next_dialog(read)
    window.registry["export"].trigger()
    assert got == [{"Selected (2)": "first.png → first_color.png", "All (2)": "first.png → first_color.png"}]

    # a good current photo is its own example; the selection's is still the first to be exported
    sm.setCurrentIndex(window.photos.index(4), QItemSelectionModel.SelectionFlag.NoUpdate)
    got = answer_next_dialog(read)
    window.registry["export"].trigger()
    assert got == [{"Current photo (1)": "second.png → second_color.png",
                    "Selected (2)": "first.png → first_color.png", "All (2)": "first.png → first_color.png"}]
    wait_idle(qtbot, window)


def test_mixed_export_question_tells_uncoloured_photos_apart(qtbot, window, tmp_path):
    window.controls.set_model("tiny-const")
    load(qtbot, window, [gray_photo(tmp_path / "a.png", 50, 40)])
    a = window.photos.photos[0]
    qtbot.waitUntil(lambda: a.params is not None and not window.is_busy(), timeout=15000)
    load(qtbot, window, [gray_photo(tmp_path / f"{n}.png", 50, 40, seed=i) for i, n in enumerate("bcd", 1)])
    b, c, d = window.photos.photos[1:]
    assert window.current_photo() is b
    window.controls.vibrance.setValue(0.5)  # b, on show, is coloured again with it
    qtbot.waitUntil(lambda: b.params is not None and b.params.vibrance == 0.5 and not window.is_busy(),
                    timeout=15000)
    assert a.params.vibrance == 1.0 and c.params is None and d.params is None

    said = answer_next_dialog(read_and_cancel)
    opts = ExportOptions(scope="all", folder=tmp_path / "out", fmt="png", quality=95, pattern="{stem}_c")
    with qtbot.assertNotEmitted(window.exportFinished):
        assert window.export_photos(window.photos.photos, opts) is None
    (text, buttons), = said
    lines = [line for line in text.splitlines() if line.startswith("• ")]
    assert sorted(lines) == sorted([
        "• 1 coloured with tiny-const, colour strength 1.00, working size 256 px",
        "• 1 coloured with tiny-const, colour strength 0.50, working size 256 px",
        "• 2 not coloured yet: they will be coloured with the current settings"]), text
    assert "Recolour All" in buttons and "Export As They Are" in buttons
    assert not (tmp_path / "out").exists()
    wait_idle(qtbot, window)
