"""Export dialog: which photos, where, in what format and under what names."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..imaging.files import OUTPUT_FORMATS, output_path
from ..session.export import SCOPES, ExportOptions

FORMAT_LABELS = {"png": "PNG (lossless)", "jpg": "JPEG", "tif": "TIFF (lossless)", "webp": "WebP"}


class ExportDialog(QDialog):
    def __init__(self, parent=None, *, folder: str = "", fmt: str = "png", quality: int = 95,
                 pattern: str = "{stem}_color", scope: str = "all", counts: dict[str, int] | None = None,
                 examples: dict[str, Path] | None = None):
        """`counts`: how many photos each scope would export; `examples`: the first of them, whose
        file name shows what the pattern makes."""
        super().__init__(parent)
        self.setWindowTitle("Export colourised photos")
        self._examples = examples or {}
        counts = counts or {}

        self.scope_buttons = QButtonGroup(self)
        scope_row = QWidget()
        scope_lay = QHBoxLayout(scope_row)
        scope_lay.setContentsMargins(0, 0, 0, 0)
        labels = {"current": "Current photo", "selected": "Selected", "all": "All"}
        for i, s in enumerate(SCOPES):
            n = counts.get(s)
            b = QRadioButton(labels[s] + (f" ({n})" if n is not None else ""))
            b.setEnabled(n is None or n > 0)
            self.scope_buttons.addButton(b, i)
            scope_lay.addWidget(b)
        scope_lay.addStretch(1)
        wanted = SCOPES.index(scope) if scope in SCOPES else 2
        button = self.scope_buttons.button(wanted)
        if not button.isEnabled():
            button = next((b for b in self.scope_buttons.buttons() if b.isEnabled()), button)
        button.setChecked(True)

        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setPlaceholderText("Choose a folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QWidget()
        fl = QHBoxLayout(folder_row)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(self.folder_edit, 1)
        fl.addWidget(browse)

        self.format_combo = QComboBox()
        for key in OUTPUT_FORMATS:
            self.format_combo.addItem(FORMAT_LABELS.get(key, key.upper()), key)
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(fmt)))
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(int(quality))
        self.quality.setToolTip("JPEG and WebP quality (1-100)")
        self.pattern_edit = QLineEdit(pattern)
        self.pattern_edit.setToolTip("{stem} is the original file name without its extension")
        self.preview = QLabel()
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note = QLabel("Photos are written at their full original size, with their EXIF and colour "
                      "profile. Originals are never overwritten.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(mid);")

        form = QFormLayout()
        form.addRow("Photos", scope_row)
        form.addRow("Folder", folder_row)
        form.addRow("Format", self.format_combo)
        form.addRow("Quality", self.quality)
        form.addRow("File names", self.pattern_edit)
        form.addRow("", self.preview)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.buttons)

        self.format_combo.currentIndexChanged.connect(self._validate)
        self.pattern_edit.textChanged.connect(self._validate)
        self.folder_edit.textChanged.connect(self._validate)
        self.scope_buttons.idToggled.connect(self._validate)
        self._validate()
        self.resize(520, self.sizeHint().height())

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder_edit.text())
        if d:
            self.folder_edit.setText(d)

    def _validate(self) -> bool:
        fmt = self.format_combo.currentData()
        self.quality.setEnabled(fmt in ("jpg", "webp"))
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        scope = self.scope_buttons.checkedButton()
        source = self._examples.get(SCOPES[max(0, self.scope_buttons.checkedId())], Path("photo.jpg"))
        try:
            example = output_path(source, Path(self.folder_edit.text() or "."), fmt, self.pattern_edit.text())
        except ValueError as e:
            self.preview.setText(f"<span style='color:#d23b3b'>{e}</span>")
            ok_button.setEnabled(False)
            return False
        self.preview.setText(f"{source.name} → {example.name}")
        ok_button.setEnabled(bool(self.folder_edit.text().strip()) and scope is not None and scope.isEnabled())
        return True

    def options(self) -> ExportOptions:
        return ExportOptions(scope=SCOPES[max(0, self.scope_buttons.checkedId())],
                             folder=Path(self.folder_edit.text().strip()).expanduser(),
                             fmt=self.format_combo.currentData(), quality=int(self.quality.value()),
                             pattern=self.pattern_edit.text())
