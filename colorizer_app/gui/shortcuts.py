"""Help > Keyboard Shortcuts: every action of the window that has a key, with what it does."""

from __future__ import annotations

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


# keys of special keyboards (Qt lists them among the standard bindings): left out of the list
DEDICATED_KEYS = {"Open", "Save", "Copy", "Cut", "Paste", "Zoom In", "Zoom Out", "Help", "Close", "Back",
                  "Forward", "Find"}


def shortcut_rows(registry: ActionRegistry) -> list[tuple[str, str]]:
    """(what it does, keys) for each action with a shortcut, in the registry's order."""
    rows = []
    for action in registry.actions.values():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k.split("+")[-1] not in DEDICATED_KEYS] or keys[:1]
        if keys:
            rows.append((action.text().replace("&", "").rstrip("…"), ", ".join(keys)))
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
        self.table.resizeRowsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Keys that work anywhere in the window:"))
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(460, 560)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(i, 0).text(), self.table.item(i, 1).text()) for i in range(self.table.rowCount())]
