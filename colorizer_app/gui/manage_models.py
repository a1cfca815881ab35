"""Tools > Manage Models: every model with its card; rename, delete or reveal the user's own.

Bundled models are listed read-only. A file that cannot be used (validation.py) is listed after
the models with the reason, so it can be deleted or shown; it is never loaded. Renaming rewrites the model file (its metadata holds the
name), so it runs on the dialog's runner thread like all model file work; reading the list and
the cards reads only the small checkpoint headers.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
)

from ..models import registry, user_models
from ..models.checkpoint import CheckpointError
from .workers import Job, JobRunner


def CallJob(fn: Callable, *args) -> Job:
    """Run one model-file function on the runner thread: returned(its value) or errored(why)."""
    return Job(fn, *args, kind="model_file", quiet=(CheckpointError, OSError))


class ManageModelsDialog(QDialog):
    modelsChanged = Signal()  # a model was renamed or deleted
    modelRenamed = Signal(str, str)  # old name, new name

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Manage Models")
        self.setModal(False)
        self._runner = JobRunner("models", self)  # its thread runs while a job does
        self._busy: CallJob | None = None
        self.entries: list[registry.ModelEntry] = []
        self.unusable: list[registry.UnusableModel] = []  # listed after the entries

        self.list = QListWidget()
        self.list.setMinimumWidth(220)
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(self._show_card)
        self.card = QLabel()
        self.card.setWordWrap(True)
        self.card.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.card.setMargin(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.card)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid);")

        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(lambda: self.rename_selected())
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.reveal_button = QPushButton("Show File")
        self.reveal_button.setToolTip("Open the folder that holds the model file")
        self.reveal_button.clicked.connect(self.reveal_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (self.rename_button, self.delete_button, self.reveal_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)

        body = QHBoxLayout()
        body.addWidget(self.list, 0)
        body.addWidget(scroll, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addWidget(self.note)
        lay.addLayout(buttons)
        self.resize(860, 480)
        self.refresh_models()

    # --- the list --------------------------------------------------------------------------------

    def refresh_models(self, select: str | None = None, entries: list[registry.ModelEntry] | None = None) -> None:
        """List the models again, keeping (or moving to) the selected one. `entries`: the list the
        main window just read, so the folders are not read twice."""
        current = select or (self.selected().name if self.selected() else "")
        scan = registry.scan_models()  # headers only; the unusable files are not in `entries`
        self.entries = scan.entries if entries is None else entries
        self.unusable = scan.unusable
        self.list.blockSignals(True)
        self.list.clear()
        for e in self.entries:
            item = QListWidgetItem(f"{e.shown_name}   ·  bundled" if e.bundled else e.name)
            item.setToolTip(f"{e.path}" + ("\nbundled with the app: read-only" if e.bundled else ""))
            self.list.addItem(item)
        for bad in self.unusable:
            item = QListWidgetItem(f"{bad.path.name}   ·  unusable")
            item.setForeground(self.palette().color(self.palette().ColorRole.PlaceholderText))
            item.setToolTip(bad.reason)
            self.list.addItem(item)
        row = next((i for i, e in enumerate(self.entries) if e.name == current), 0)
        self.list.blockSignals(False)
        self.list.setCurrentRow(row if self.list.count() else -1)
        self._show_card(self.list.currentRow())
        self.note.setText(f"Your models are kept in {registry.user_models_dir()}. "
                          f"Bundled models ({registry.bundled_dir()}) cannot be changed.")

    def selected(self) -> registry.ModelEntry | None:
        row = self.list.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def selected_unusable(self) -> registry.UnusableModel | None:
        row = self.list.currentRow() - len(self.entries)
        return self.unusable[row] if 0 <= row < len(self.unusable) else None

    def select(self, name: str) -> None:
        row = next((i for i, e in enumerate(self.entries) if e.name == name), -1)
        if row >= 0:
            self.list.setCurrentRow(row)

    def _show_card(self, _row: int) -> None:
        e = self.selected()
        bad = self.selected_unusable()
        if bad is not None:
            self.card.setText(f"<h3>{html.escape(bad.path.name)}: unusable</h3>"
                              f"<p>{html.escape(bad.reason)}</p><p>It is not offered in the model "
                              "pickers. Delete it, or replace it with a good copy.</p>")
        elif e is None:
            self.card.setText("No models found.")
        else:
            rows = "".join(f"<tr><td style='padding-right:14px; color:#666' valign='top'>{html.escape(k)}</td>"
                           f"<td>{html.escape(v)}</td></tr>" for k, v in user_models.model_card(e))
            self.card.setText(f"<h3>{html.escape(e.shown_name)}</h3><table>{rows}</table>")
        self._update_buttons()

    def card_text(self) -> str:
        """The selected model's card as plain text (tests, copy and paste)."""
        e, bad = self.selected(), self.selected_unusable()
        if bad is not None:
            return f"Unusable: {bad.reason}"
        return "\n".join(f"{k}: {v}" for k, v in user_models.model_card(e)) if e else ""

    def _update_buttons(self) -> None:
        e, bad = self.selected(), self.selected_unusable()
        editable = e is not None and not e.bundled and self._busy is None
        self.rename_button.setEnabled(editable)
        self.delete_button.setEnabled(editable or (bad is not None and not bad.bundled and self._busy is None))
        self.reveal_button.setEnabled(e is not None or bad is not None)
        tip = "Bundled models are read-only" if e is not None and e.bundled else ""
        self.rename_button.setToolTip(tip)
        self.delete_button.setToolTip(tip)

    # --- actions ---------------------------------------------------------------------------------

    def ask_name(self, entry: registry.ModelEntry) -> str | None:
        """The new name, or None when the user cancels (tests replace this)."""
        name, ok = QInputDialog.getText(self, "Rename model", f"New name for “{entry.name}”:", text=entry.name)
        return name if ok else None

    def confirm_delete(self, entry: registry.ModelEntry | registry.UnusableModel) -> bool:
        """Ask before deleting (tests replace this)."""
        name = getattr(entry, "name", entry.path.name)
        answer = QMessageBox.question(self, "Delete model?",
                                      f"Delete the model “{name}”?\n\n{entry.path}\n\nThis cannot be undone.",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def show_error(self, text: str) -> None:
        self.note.setText(text)
        self.note.setStyleSheet("color: #c62828;")

    def rename_selected(self, new_name: str | None = None) -> Job | None:
        e = self.selected()
        if e is None or e.bundled or self._busy is not None:
            return None
        if new_name is None:
            new_name = self.ask_name(e)
        if new_name is None or new_name.strip() == e.name:
            return None
        if problem := user_models.name_problem(new_name, ignore=e.path, entries=self.entries):
            self.show_error(f"Cannot rename “{e.name}”: {problem}")
            return None
        old = e.name
        return self._submit(CallJob(user_models.rename_model, e.path, new_name),
                            lambda _path: self._renamed(old, new_name.strip()))

    def delete_selected(self) -> Job | None:
        e = self.selected() or self.selected_unusable()
        if e is None or e.bundled or self._busy is not None or not self.confirm_delete(e):
            return None
        return self._submit(CallJob(user_models.delete_model, e.path), lambda _: self._changed(None))

    def reveal_selected(self) -> bool:
        """Open the model's folder; with no file manager to open it, say where the file is."""
        e = self.selected() or self.selected_unusable()
        if e is None:
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(e.path).parent))):
            self.note.setText(f"No file manager could be opened. The model file is {e.path}")
            return False
        return True

    def _submit(self, job: Job, on_done: Callable) -> Job:
        """Run a file operation on the runner thread; `on_done(result)` runs once it has finished,
        so the dialog is idle again when the signals it emits arrive."""
        self._busy = job
        outcome: list = []
        job.returned.connect(lambda value: outcome.append(("ok", value)))
        job.errored.connect(lambda why: outcome.append(("error", why)))
        job.finished.connect(lambda: self._job_finished(outcome, on_done))
        self._update_buttons()
        self._runner.submit(job)
        return job

    def _job_finished(self, outcome: list, on_done: Callable) -> None:
        self._busy = None
        self._update_buttons()
        for kind, value in outcome:
            if kind == "ok":
                on_done(value)
            else:
                self._changed(None)  # show what is there now
                self.show_error(value)

    def _renamed(self, old: str, new: str) -> None:
        self.modelRenamed.emit(old, new)  # first: the main window still knows which model was `old`
        self._changed(new)

    def _changed(self, select: str | None) -> None:
        self.refresh_models(select)
        self.modelsChanged.emit()

    # --- closing ---------------------------------------------------------------------------------

    def reject(self) -> None:
        super().reject()
        self.stop_runner()

    def stop_runner(self, timeout_ms: int = 30000) -> bool:
        """Wait for a rename under way (a moment) and stop the thread; a later action starts a new one."""
        return self._runner.shutdown(timeout_ms)

    def shutdown(self) -> bool:
        return self.stop_runner()
