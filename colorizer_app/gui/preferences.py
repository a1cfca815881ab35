"""Preferences: the defaults the controls start from, and a few behaviours."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from .. import cpu_threads
from ..models.registry import ModelEntry
from .controls import SIZE_STEP, ClampingDoubleSpinBox, ClampingSpinBox, device_items
from .wording import (
    CONTRAST_LABEL, CONTRAST_TIP, DENOISE_LABEL, DENOISE_TIP, RESTORE_LABEL, RESTORE_TIP, SIZE_LABEL, SIZE_TIP,
    STRENGTH_LABEL, STRENGTH_TIP, model_title,
)
from .settings import CACHE_MB_RANGE, KEYS, SIZE_RANGE, VIBRANCE_RANGE, VIEW_MODES, Settings

MODE_LABELS = {"split": "Split (before | after)", "side_by_side": "Side by side", "compare": "Compare models"}


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, models: list[ModelEntry], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings

        self.model = QComboBox()
        self.model.addItem("First bundled model", "")
        for e in models:
            self.model.addItem(model_title(e), e.name)
        self.vibrance = ClampingDoubleSpinBox()
        self.vibrance.setRange(*VIBRANCE_RANGE)
        self.vibrance.setSingleStep(0.05)
        self.vibrance.setToolTip(STRENGTH_TIP)
        self.size = ClampingSpinBox()
        self.size.setRange(*SIZE_RANGE)
        self.size.setSingleStep(SIZE_STEP)
        self.size.setSuffix(" px")
        self.size.setToolTip(SIZE_TIP)
        self.device = QComboBox()
        for label, request in device_items():
            self.device.addItem(label, request)
        self.view_mode = QComboBox()
        for m in VIEW_MODES:
            self.view_mode.addItem(MODE_LABELS[m], m)
        self.repair = QCheckBox(RESTORE_LABEL)
        self.repair.setToolTip(RESTORE_TIP)
        self.repair_denoise = QCheckBox(DENOISE_LABEL)
        self.repair_denoise.setToolTip(DENOISE_TIP)
        self.repair_contrast = QCheckBox(CONTRAST_LABEL)
        self.repair_contrast.setToolTip(CONTRAST_TIP)
        self.repair.toggled.connect(self._repair_toggled)
        self.restore = QCheckBox("Start with the controls as last used (otherwise these defaults)")
        self.auto = QCheckBox("Colourise a photo as soon as it is shown")
        self.recent_max = ClampingSpinBox()
        self.recent_max.setRange(0, 50)
        self.cache_mb = ClampingSpinBox()
        self.cache_mb.setRange(*CACHE_MB_RANGE)
        self.cache_mb.setSingleStep(256)
        self.cache_mb.setSuffix(" MB")
        self.cache_mb.setToolTip("Memory kept for opened photos and their results; whatever does not fit "
                                 "is read or computed again when it is needed.")
        self.threads = ClampingSpinBox()
        self.threads.setRange(0, max(cpu_threads.cores() * 2, 2))
        self.threads.setSpecialValueText("Automatic")
        self.threads.setToolTip("Automatic holds up when other programs keep the computer busy: the network "
                                "runs on one thread and the full-resolution work is shared out. A number "
                                "runs both on that many threads (for a quiet computer with many cores).")

        form = QFormLayout()
        form.addRow(QLabel("<b>Defaults</b>"))
        form.addRow("Model", self.model)
        form.addRow(STRENGTH_LABEL, self.vibrance)
        form.addRow(SIZE_LABEL, self.size)
        form.addRow("Device", self.device)
        form.addRow("View", self.view_mode)
        form.addRow("New photos", self.repair)
        form.addRow("", self.repair_denoise)
        form.addRow("", self.repair_contrast)
        form.addRow(QLabel("<b>Behaviour</b>"))
        form.addRow(self.restore)
        form.addRow(self.auto)
        form.addRow("Recent files kept", self.recent_max)
        form.addRow("Photo memory", self.cache_mb)
        form.addRow("CPU threads", self.threads)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.load(settings.get)

    def load(self, get) -> None:
        _select(self.model, get("defaults/model"))
        self.vibrance.setValue(get("defaults/vibrance"))
        self.size.setValue(get("defaults/size"))
        _select(self.device, get("defaults/device"))
        _select(self.view_mode, get("defaults/view_mode"))
        self.repair.setChecked(get("defaults/restore"))
        self.repair_denoise.setChecked(get("defaults/restore_denoise"))
        self.repair_contrast.setChecked(get("defaults/restore_contrast"))
        self._repair_toggled(self.repair.isChecked())
        self.restore.setChecked(get("prefs/restore_controls"))
        self.auto.setChecked(get("prefs/auto_colorize"))
        self.recent_max.setValue(get("prefs/recent_max"))
        self.cache_mb.setValue(get("prefs/cache_mb"))
        self.threads.setValue(get("prefs/threads"))

    def _repair_toggled(self, on: bool) -> None:
        self.repair_denoise.setEnabled(on)
        self.repair_contrast.setEnabled(on)

    def restore_defaults(self) -> None:
        self.load(lambda name: KEYS[name].default)

    def save(self) -> None:
        s = self.settings
        s.set("defaults/model", self.model.currentData() or "")
        s.set("defaults/vibrance", self.vibrance.value())
        s.set("defaults/size", self.size.value())
        s.set("defaults/device", self.device.currentData() or "auto")
        s.set("defaults/view_mode", self.view_mode.currentData())
        s.set("defaults/restore", self.repair.isChecked())
        s.set("defaults/restore_denoise", self.repair_denoise.isChecked())
        s.set("defaults/restore_contrast", self.repair_contrast.isChecked())
        s.set("prefs/restore_controls", self.restore.isChecked())
        s.set("prefs/auto_colorize", self.auto.isChecked())
        s.set("prefs/recent_max", self.recent_max.value())
        s.set("prefs/cache_mb", self.cache_mb.value())
        s.set("prefs/threads", self.threads.value())
        s.sync()
        apply_thread_setting(s)

    def accept(self) -> None:
        self.save()
        super().accept()


def apply_thread_setting(settings: Settings) -> None:
    """Colourising from now on uses the threads the settings ask for (at start and on OK)."""
    cpu_threads.set_process_default(settings.get("prefs/threads"))


def _select(combo: QComboBox, data) -> None:
    i = combo.findData(data)
    combo.setCurrentIndex(i if i >= 0 else 0)

