"""The Fine-tune dialog's parts that hold no behaviour: its widgets and their layout, the preview
panes, and the small text helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..models import registry
from ..training import finetune as ft
from .loss_chart import LossChart

if TYPE_CHECKING:
    from .finetune_dialog import FineTuneDialog

PREVIEW_SIZE = QSize(150, 150)
NOTE_STYLE = "color: palette(mid);"


def eta_text(seconds: float) -> str:
    if seconds < 0:
        return "ETA –"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"ETA {h}:{m:02d}:{s:02d}" if h else f"ETA {m}:{s:02d}"


def unique_name(stem: str, entries: list[registry.ModelEntry]) -> str:
    """`stem`, or "stem 2", "stem 3"... whichever none of `entries` has yet."""
    stem = stem.strip() or "my photos"
    for candidate in (stem, *(f"{stem} {i}" for i in range(2, 1000))):
        if ft.name_problem(candidate, entries=entries) is None:
            return candidate
    return stem


class PreviewPane(QWidget):
    """A caption over an image scaled to fit."""

    def __init__(self, caption: str, parent=None):
        super().__init__(parent)
        self.image = QLabel()
        self.image.setFixedSize(PREVIEW_SIZE)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.image)
        lay.addWidget(self.caption)
        self.qimage = None

    def set_image(self, qimage) -> None:
        self.qimage = qimage
        pix = QPixmap.fromImage(qimage).scaled(PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(pix)

    def clear(self) -> None:
        self.qimage = None
        self.image.clear()


def build(self: "FineTuneDialog") -> None:
    """The dialog's widgets, as attributes of the dialog: setup on the left, training on the right."""
    self.folder_edit = QLineEdit()
    self.folder_edit.setPlaceholderText("A folder of your colour photos (subfolders too)")
    self.browse_button = QPushButton("Browse…")
    self.browse_button.clicked.connect(self.browse)
    folder_row = QHBoxLayout()
    folder_row.addWidget(self.folder_edit, 1)
    folder_row.addWidget(self.browse_button)
    self.scan_label = QLabel("Choose a folder of colour photos like the ones you will colourise.")
    self.scan_label.setWordWrap(True)
    self.scan_label.setStyleSheet(NOTE_STYLE)
    self.scan_progress = QProgressBar()
    self.scan_progress.setMaximumHeight(8)
    self.scan_progress.setTextVisible(False)
    self.scan_progress.hide()

    self.base_combo = QComboBox()
    self.name_edit = QLineEdit()
    self.name_label = QLabel()
    self.name_label.setWordWrap(True)

    self.steps_spin = QSpinBox()
    self.steps_spin.setRange(1, 1_000_000)
    self.steps_spin.setSingleStep(100)
    self.steps_spin.setValue(ft.DEFAULT_STEPS)
    self.steps_spin.setToolTip(f"Training steps of one batch each; {ft.DEFAULT_STEPS} take a few "
                               "minutes on a CPU. The same length as the passes over your photos.")
    self.epochs_spin = QDoubleSpinBox()
    self.epochs_spin.setRange(0, 10_000)
    self.epochs_spin.setSpecialValueText("–")  # unknown until the folder is scanned
    self.epochs_spin.setDecimals(1)
    self.epochs_spin.setSingleStep(1)
    self.epochs_spin.setToolTip("How many times the model looks at each of your photos while it learns; "
                                "more passes take longer and fit your photos more closely.\n"
                                "(Technically: epochs = steps × batch ÷ training photos; the steps are "
                                "under Advanced.)")
    length_row = QHBoxLayout()
    length_row.addWidget(self.epochs_spin)
    length_row.addWidget(QLabel("passes over your photos"))
    length_row.addStretch(1)

    self.advanced_button = QToolButton()
    self.advanced_button.setText("Advanced")
    self.advanced_button.setCheckable(True)
    self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
    self.advanced_button.setAutoRaise(True)
    self.advanced_button.toggled.connect(self._toggle_advanced)
    self.lr_spin = QDoubleSpinBox()
    self.lr_spin.setDecimals(5)
    self.lr_spin.setRange(1e-5, 1e-2)
    self.lr_spin.setSingleStep(1e-4)
    self.lr_spin.setValue(ft.DEFAULT_LR)
    self.lr_spin.setToolTip("Peak learning rate; lower keeps more of the base model")
    self.crop_spin = QSpinBox()
    self.crop_spin.setRange(32, 512)
    self.crop_spin.setSingleStep(8)
    self.crop_spin.setSuffix(" px")
    self.crop_spin.setValue(ft.DEFAULT_CROP)
    self.crop_spin.setToolTip("Size of the random crops trained on (a multiple of 8)")
    self.batch_spin = QSpinBox()
    self.batch_spin.setRange(1, 256)
    self.batch_spin.setValue(ft.DEFAULT_BATCH)
    self.advanced = QWidget()
    adv = QFormLayout(self.advanced)
    adv.setContentsMargins(16, 0, 0, 0)
    adv.addRow("Steps", self.steps_spin)
    adv.addRow("Learning rate", self.lr_spin)
    adv.addRow("Crop size", self.crop_spin)
    adv.addRow("Batch", self.batch_spin)
    self.advanced.hide()
    self.device_label = QLabel()
    self.device_label.setStyleSheet(NOTE_STYLE)
    self.device_label.setWordWrap(True)

    setup = QGroupBox("Setup")
    form = QFormLayout(setup)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.addRow("Photos", folder_row)
    form.addRow("", self.scan_progress)
    form.addRow("", self.scan_label)
    form.addRow("Base model", self.base_combo)
    form.addRow("New name", self.name_edit)
    form.addRow("", self.name_label)
    form.addRow("Length", length_row)
    form.addRow(self.advanced_button)
    form.addRow(self.advanced)
    form.addRow("", self.device_label)
    self.setup_box = setup

    self.result_label = QLabel()
    self.result_label.setWordWrap(True)
    self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

    self.details_button = QToolButton()
    self.details_button.setText("Details")
    self.details_button.setCheckable(True)
    self.details_button.setAutoRaise(True)
    self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    self.details_button.setArrowType(Qt.ArrowType.RightArrow)
    self.details_button.hide()
    self.result_details = QLabel()
    self.result_details.setWordWrap(True)
    self.result_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    self.result_details.setStyleSheet(NOTE_STYLE)
    self.result_details.hide()

    def toggle_details(on: bool) -> None:
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.result_details.setVisible(on)

    self.details_button.toggled.connect(toggle_details)

    left = QVBoxLayout()
    left.addWidget(setup)
    left.addWidget(self.result_label)
    left.addWidget(self.details_button)
    left.addWidget(self.result_details)
    left.addStretch(1)

    self.progress_bar = QProgressBar()
    self.progress_bar.setTextVisible(True)
    self.progress_bar.setFormat("Not started")
    self.progress_bar.setValue(0)
    self.status_label = QLabel()
    self.status_label.setWordWrap(True)
    self.status_label.setStyleSheet(NOTE_STYLE)
    self.chart = LossChart()
    self.preview_input = PreviewPane("Input (gray)")
    self.preview_base = PreviewPane("Base model")
    self.preview_now = PreviewPane("Fine-tuned")
    self.preview_truth = PreviewPane("Original")
    previews = QGridLayout()
    for i, pane in enumerate((self.preview_input, self.preview_base, self.preview_now, self.preview_truth)):
        previews.addWidget(pane, 0, i)
    self.preview_note = QLabel("A held-out photo from the folder: the model never trains on it.")
    self.preview_note.setStyleSheet(NOTE_STYLE)

    monitor = QGroupBox("Training")
    mon = QVBoxLayout(monitor)
    mon.addWidget(self.progress_bar)
    mon.addWidget(self.status_label)
    mon.addWidget(self.chart, 1)
    mon.addLayout(previews)
    mon.addWidget(self.preview_note)

    self.start_button = QPushButton("Start")
    self.start_button.setDefault(True)
    self.start_button.clicked.connect(self.start)
    self.pause_button = QPushButton("Pause")
    self.pause_button.setCheckable(True)
    self.pause_button.toggled.connect(self._pause_toggled)
    self.cancel_button = QPushButton("Cancel")
    self.cancel_button.setToolTip("Stop training; nothing is saved")
    self.cancel_button.clicked.connect(self.cancel)
    self.use_button = QPushButton("Use This Model")
    self.use_button.clicked.connect(lambda: self.useModel.emit(self._saved_name))
    self.use_button.hide()
    self.close_button = QPushButton("Close")
    self.close_button.clicked.connect(self.close)
    buttons = QHBoxLayout()
    buttons.addWidget(self.use_button)
    buttons.addStretch(1)
    for b in (self.start_button, self.pause_button, self.cancel_button, self.close_button):
        buttons.addWidget(b)

    body = QHBoxLayout()
    body.addLayout(left, 0)
    body.addWidget(monitor, 1)
    lay = QVBoxLayout(self)
    lay.addLayout(body, 1)
    lay.addLayout(buttons)
    setup.setMinimumWidth(420)
    setup.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    self.resize(1120, 640)
