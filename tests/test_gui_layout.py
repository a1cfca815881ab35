"""What fits on screen and what it is called: the side panel at the window's first size, the photo
list's lines, typed numbers, the words Preferences uses and the keys the shortcuts list shows."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QFontMetrics, QKeySequence  # noqa: E402
from PySide6.QtWidgets import QFormLayout, QWidget  # noqa: E402

from colorizer_app.gui.settings import SIZE_RANGE  # noqa: E402
from colorizer_app.session.photos import State  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    colour_jpeg_with_metadata, gray_photo, load, settings_path, tiny_models, tiny_models_dir, wait_idle, window)


def settle(qtbot, window, width, height):
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=3000)
    qtbot.wait(50)  # the docks and the list lay themselves out


def label_of(form_owner: QWidget, field: QWidget) -> str:
    for form in form_owner.findChildren(QFormLayout):
        label = form.labelForField(field)
        if label is not None:
            return label.text()
    raise AssertionError(f"{field} has no label")


# --------------------------------------------------------------------------- the side panel


@pytest.mark.parametrize("size", [(1280, 800), (800, 600)])  # a fresh start's size; a small screen's
def test_the_side_panel_does_not_scroll_sideways(qtbot, window, size):
    # a GPU's long name in the device list must not widen the panel either
    window.controls.device.addItem("Auto (CUDA (NVIDIA GeForce RTX 4090 Laptop GPU))", "cuda")
    settle(qtbot, window, *size)
    scroll = window.controls_scroll
    assert window.controls.minimumSizeHint().width() <= scroll.viewport().width()
    assert scroll.horizontalScrollBar().maximum() == 0
    # the model picker shows its whole name
    combo = window.controls.model_combo
    widest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
    assert widest < combo.width() - 30  # room left for the arrow


def test_a_working_size_typed_above_the_largest_becomes_the_largest(qtbot, window):
    from colorizer_app.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window.settings, window.controls.entries(), window)
    qtbot.addWidget(dialog)
    for spin in (window.controls.size, dialog.size):
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin, "2048")
        assert spin.text() == "2048 px"  # nothing typed is dropped
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        assert spin.value() == SIZE_RANGE[1] == 1024
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin, "512")
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        assert spin.value() == 512


def test_a_colour_strength_typed_above_the_largest_becomes_the_largest(qtbot, window):
    from colorizer_app.gui.preferences import PreferencesDialog
    from colorizer_app.gui.settings import VIBRANCE_RANGE

    dialog = PreferencesDialog(window.settings, window.controls.entries(), window)
    qtbot.addWidget(dialog)
    spin = dialog.vibrance
    for typed, expected in (("2.5", VIBRANCE_RANGE[1]), ("3", VIBRANCE_RANGE[1]), ("1.25", 1.25)):
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin, typed)
        assert spin.text() == typed  # nothing typed is dropped
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        assert spin.value() == expected


def test_preferences_call_the_defaults_what_the_side_panel_calls_them(qtbot, window):
    from colorizer_app.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window.settings, window.controls.entries(), window)
    qtbot.addWidget(dialog)
    c = window.controls
    for mine, panels in ((dialog.vibrance, c.vibrance), (dialog.size, c.size)):
        assert label_of(dialog, mine) == label_of(c, panels)
        assert mine.toolTip() == panels.toolTip() and mine.toolTip()
    assert label_of(dialog, dialog.vibrance) == "Colour strength"
    assert label_of(dialog, dialog.size) == "Working size"


# --------------------------------------------------------------------------- the photo list


def test_the_photo_list_shows_whole_lines_at_both_window_sizes(qtbot, window, tmp_path):
    bad = tmp_path / "text.jpg"
    bad.write_text("a shopping list, not a photo")
    colour = colour_jpeg_with_metadata(tmp_path / "colour.jpg")
    gray = gray_photo(tmp_path / "gray.png", 120, 80)
    load(qtbot, window, [bad, colour, gray])
    wait_idle(qtbot, window)
    photos = {p.name: p for p in window.photos.photos}
    view, model = window.list_view, window.photos
    delegate = view.itemDelegate()
    fm = QFontMetrics(view.font())

    def lines_of(photo):
        index = model.index(model.row_of(photo))
        rect = view.visualRect(index)
        stacked = delegate.stacked(view)
        area = delegate.text_rect(rect, stacked)
        lines = delegate.text_lines(photo, model.status_text(photo, short=True), view.font(), area.width(),
                                    delegate.line_count(stacked))
        assert rect.contains(area)
        assert delegate.text_height(fm, len(lines)) <= area.height()  # the row is tall enough
        assert all(fm.horizontalAdvance(text) <= area.width() for _, text in lines)  # elided, not cut
        return [text for _, text in lines]

    settle(qtbot, window, 1280, 800)
    failed = lines_of(photos["text.jpg"])
    assert failed[0] == "text.jpg" and " ".join(failed[1:]) == "Failed: not a supported image file"
    coloured = lines_of(photos["colour.jpg"])
    assert "161 × 97" in coloured[2] and "colour original" in " ".join(coloured[2:]) and "…" not in "".join(coloured)
    settle(qtbot, window, 800, 600)  # a narrow list: the text goes under the thumbnails
    assert delegate.stacked(view)
    for photo in photos.values():
        lines = lines_of(photo)
        assert lines[0] == photo.name  # whole, not "te…"
        assert lines[1].startswith("Failed" if photo.state is State.FAILED else "Not coloured yet")
    # the whole reason, with the formats that do open, is in the tooltip
    tip = model.index(model.row_of(photos["text.jpg"])).data(Qt.ItemDataRole.ToolTipRole)
    assert "not a supported image file (JPEG, PNG" in tip and tip.rstrip().endswith(")")


# --------------------------------------------------------------------------- keyboard shortcuts


def native(keys: str) -> str:
    return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys.split(", "))


def test_the_shortcuts_list_shows_the_keys_of_an_ordinary_keyboard(qtbot, window):
    from colorizer_app.gui.actions import ActionRegistry
    from colorizer_app.gui.shortcuts import ShortcutsDialog, shortcut_rows

    holder = QWidget()
    qtbot.addWidget(holder)
    registry = ActionRegistry(holder)
    # what Qt's standard bindings give on some desktops, special keyboards' keys included
    registry.add("copy", "&Copy", shortcut=["Ctrl+C", "Ctrl+Ins", "F16", QKeySequence(Qt.Key.Key_Copy)])
    registry.add("undo", "&Undo", shortcut=["Ctrl+Z", "F14", "Alt+Backspace", QKeySequence(Qt.Key.Key_Undo)])
    registry.add("quit", "&Quit", shortcut=["Ctrl+Q", QKeySequence(Qt.Key.Key_Exit)])
    registry.add("zoom_in", "Zoom &In", shortcut=["Ctrl++", QKeySequence(Qt.Key.Key_ZoomIn), "Ctrl+="])
    registry.add("next", "&Next Photo", shortcut=["PgDown", "Ctrl+Right"])
    registry.add("remove", "&Remove", shortcut=["Del"])
    registry.add("help", "Keyboard Shortcuts", shortcut=["F1", QKeySequence(Qt.Key.Key_Help)])
    assert dict(shortcut_rows(registry)) == {
        "Copy": native("Ctrl+C"), "Undo": native("Ctrl+Z"), "Quit": native("Ctrl+Q"),
        "Zoom In": native("Ctrl++, Ctrl+="), "Next Photo": native("PgDown, Ctrl+Right"),
        "Remove": native("Del"), "Keyboard Shortcuts": "F1"}

    # the window's own list: modifiers and one key that every keyboard has
    one_key = re.compile(r"((Ctrl|Shift|Alt|Meta)\+)*(.|F([1-9]|1[0-2])|Del|Backspace|Esc|Tab|Space|Return|Enter"
                         r"|PgUp|PgDown|Home|End|Left|Right|Up|Down)")
    dialog = ShortcutsDialog(window.registry, window)
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.table  # long descriptions wrap onto lines of their own, none cut off
    qtbot.waitUntil(lambda: all(table.rowHeight(i) >= table.sizeHintForRow(i) for i in range(table.rowCount())))
    rows = dict(dialog.rows())
    for action in window.registry.actions.values():
        if action.shortcuts():
            keys = rows[action.text().replace("&", "").rstrip("…")]
            assert all(one_key.fullmatch(k) for k in keys.split(", ")), keys
