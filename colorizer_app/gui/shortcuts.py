"""Help > Keyboard Shortcuts: every action of the window that has a key, with what it does."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from .actions import ActionRegistry

# keys handled by the picture itself rather than by an action
VIEWER_KEYS = (
    ("Left / Right", "Move the split divider (with Shift: in bigger steps)"),
    ("Home / End", "Send the split divider to an edge"),
    ("Mouse wheel", "Zoom in or out at the pointer"),
    ("Double-click", "Fit to window, or actual size"),
    ("Click (colour hints on)", "Place a colour hint there; drag a hint to move it, click it to recolour it"),
    ("Delete (a hint selected)", "Delete the selected colour hint"),
)


# keys every keyboard has, besides letters, digits, punctuation and F1-F12; Qt's standard
# bindings also hold keys of special keyboards (F13-F35, Copy, Undo, Exit...), left out of the list
ORDINARY_KEYS = {Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Space,
                 Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home,
                 Qt.Key.Key_End, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down}
# old alternatives from the standard bindings that nobody looks up (Ctrl+C is the one to learn)
OLD_ALTERNATIVES = {"Ctrl+Ins", "Shift+Ins", "Shift+Del", "Alt+Backspace", "Alt+Shift+Backspace"}


def is_ordinary(key: QKeySequence) -> bool:
    """A single key press (with any modifiers) on an ordinary keyboard, worth listing."""
    if key.count() != 1 or key.toString(QKeySequence.SequenceFormat.PortableText) in OLD_ALTERNATIVES:
        return False
    k = key[0].key()
    return (0x20 < k.value < 0x7f or Qt.Key.Key_F1.value <= k.value <= Qt.Key.Key_F12.value
            or k in ORDINARY_KEYS)


def shortcut_rows(registry: ActionRegistry) -> list[tuple[str, str]]:
    """(what it does, keys) for each action with a shortcut, in the registry's order; only keys
    a person can press, the first one at least."""
    rows = []
    for action in registry.actions.values():
        keys = [k for k in action.shortcuts() if is_ordinary(k)] or action.shortcuts()[:1]
        if keys:
            text = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
            rows.append((action.text().replace("&", "").rstrip("…"), text))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, registry: ActionRegistry, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(registry) + [(what, keys) for keys, what in VIEWER_KEYS]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, (what, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(what))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        # rows as tall as their wrapped text at the columns' final widths: those are known only once
        # the header has handed out the width, after its sectionResized signals
        header.sectionResized.connect(lambda *_: QTimer.singleShot(0, self.table, self.table.resizeRowsToContents))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Keys that work anywhere in the window:"))
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(460, 560)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(i, 0).text(), self.table.item(i, 1).text()) for i in range(self.table.rowCount())]
