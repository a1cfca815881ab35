"""The side panel: model, temperature, vibrance, working resolution and device."""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..models.registry import ModelEntry
from . import engine_loader
from .wording import (
    BOLDNESS_ENDS, BOLDNESS_LABEL, BOLDNESS_TIP, SIZE_LABEL, SIZE_TIP, STRENGTH_LABEL, STRENGTH_TIP, model_details,
    model_summary, model_title,
)
from .settings import SIZE_RANGE, TEMPERATURE_RANGE, VIBRANCE_RANGE
from ..defaults import DEFAULT_TEMPERATURE
from ..session.params import Params

SIZE_STEP = 64


@functools.lru_cache(maxsize=1)
def device_items() -> tuple[tuple[str, str], ...]:
    """(label, request) pairs: Auto (naming what it picks) and each device really present.

    Probed once per session (the first CUDA probe takes about 0.2 s): engine_loader does it on
    its background thread right after importing torch, so the GUI thread finds it made."""
    from ..engine.device import available_devices, choose_device  # torch

    auto = choose_device("auto").label
    items = [(f"Auto ({auto})", "auto")]
    for name in available_devices():
        items.append((choose_device(name).label if name != "cpu" else "CPU", name))
    return tuple(items)


def model_temperature(entry: ModelEntry | None) -> float:
    """A model's own temperature (its card), as the command line uses when given none."""
    meta = entry.meta if entry is not None else {}
    return float(meta.get("default_temperature", DEFAULT_TEMPERATURE))


class _ClampsTypedNumbers:
    """A number box that turns a typed number outside its range into the nearest end of it: Qt's
    own boxes silently drop the key that would go past the maximum (2048 became 204, 2.5 became 2)."""

    def _typed_number(self, text: str) -> float | None:
        value, ok = self.locale().toDouble(text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip())
        return value if ok else None

    def validate(self, text: str, pos: int):
        number = self._typed_number(text)
        if number is not None and number > self.maximum():
            return QValidator.State.Intermediate, text, pos  # fixed up to the maximum on Enter
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        number = self._typed_number(text)
        if number is not None:
            kind = type(self.minimum())  # int for a whole-number box
            return self.textFromValue(kind(min(self.maximum(), max(self.minimum(), number))))
        return super().fixup(text)


class ClampingSpinBox(_ClampsTypedNumbers, QSpinBox):
    pass


class ClampingDoubleSpinBox(_ClampsTypedNumbers, QDoubleSpinBox):
    pass


class ScaledSlider(QWidget):
    """A horizontal slider over a float range with its value shown beside it."""

    valueChanged = Signal(float)
    released = Signal()  # the user let go of the handle

    def __init__(self, lo: float, hi: float, steps: int, decimals: int = 2, parent=None):
        super().__init__(parent)
        self.lo, self.hi, self.steps, self.decimals = lo, hi, steps, decimals
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, steps)
        self.slider.setPageStep(max(1, steps // 10))
        self.label = QLabel()
        self.label.setMinimumWidth(34)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self.slider.sliderReleased.connect(self.released)
        self._changed(self.slider.value())

    def _to_value(self, tick: int) -> float:
        return round(self.lo + (self.hi - self.lo) * tick / self.steps, 6)

    def _changed(self, tick: int) -> None:
        v = self._to_value(tick)
        self.label.setText(f"{v:.{self.decimals}f}")
        self.valueChanged.emit(v)

    def value(self) -> float:
        return self._to_value(self.slider.value())

    def setValue(self, v: float) -> None:
        v = min(self.hi, max(self.lo, float(v)))
        self.slider.setValue(round((v - self.lo) / (self.hi - self.lo) * self.steps))


class ControlPanel(QWidget):
    paramsChanged = Signal()  # any control changed by the user
    released = Signal()  # a slider was let go: its value is final, no need to wait
    resetRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._entries: list[ModelEntry] = []

        self.model_combo = QComboBox()
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(8)  # short: the panel must not scroll sideways
        self.model_info = QLabel()
        self.model_info.setWordWrap(True)
        self.model_info.setStyleSheet("color: palette(mid);")

        lo, hi = TEMPERATURE_RANGE
        self.temperature = ScaledSlider(lo, hi, 99)
        self.temperature.setToolTip(BOLDNESS_TIP)
        self.temperature_ends = QWidget()
        ends = QHBoxLayout(self.temperature_ends)
        ends.setContentsMargins(0, 0, 0, 0)
        self.temperature_end_labels = []
        for text, align in ((BOLDNESS_ENDS[0], Qt.AlignmentFlag.AlignLeft), (BOLDNESS_ENDS[1], Qt.AlignmentFlag.AlignRight)):
            lab = QLabel(text)
            lab.setAlignment(align)
            lab.setStyleSheet("color: palette(mid); font-size: 10px;")
            lab.setToolTip(BOLDNESS_TIP)
            self.temperature_end_labels.append(lab)
            ends.addWidget(lab)
        ends.addSpacing(38)

        self.vibrance = ScaledSlider(*VIBRANCE_RANGE, 200)
        self.vibrance.setToolTip(STRENGTH_TIP)

        self.size = ClampingSpinBox()
        self.size.setRange(*SIZE_RANGE)
        self.size.setSingleStep(SIZE_STEP)
        self.size.setSuffix(" px")
        self.size.setKeyboardTracking(False)
        self.size.setToolTip(SIZE_TIP)

        self.device = QComboBox()
        # a GPU's name is long ("Auto (CUDA (NVIDIA GeForce RTX 4090))"): it must not widen the panel
        self.device.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device.setMinimumContentsLength(8)
        self.device.addItem("Auto", "auto")  # until torch has loaded and can tell what exists
        self.device.addItem("CPU", "cpu")
        self._device_wanted = "auto"

        form_box = QGroupBox("Colourisation")
        form = QFormLayout(form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # the picker and its description take the whole width: beside the labels, long model names
        # were cut off, and the wrapped description got less height than its lines need
        model_label = QLabel("Model")
        model_label.setBuddy(self.model_combo)
        form.addRow(model_label)
        form.addRow(self.model_combo)
        form.addRow(self.model_info)
        self.temperature_label = QLabel(BOLDNESS_LABEL)
        self.temperature_label.setToolTip(BOLDNESS_TIP)
        form.addRow(self.temperature_label, self.temperature)
        form.addRow("", self.temperature_ends)
        form.addRow(STRENGTH_LABEL, self.vibrance)
        form.addRow(SIZE_LABEL, self.size)
        form.addRow("Device", self.device)
        self.reset_button = QPushButton("Reset to defaults")
        form.addRow("", self.reset_button)

        from .reference_panel import ReferenceBox  # it builds on ScaledSlider, defined here

        self.reference = ReferenceBox()

        from .restore_panel import RestoreBox

        self.restore = RestoreBox()  # its meaning: RestoreController (restore_panel.py)

        self.batch_box = QGroupBox("Batch")
        self.batch_layout = QVBoxLayout(self.batch_box)

        lay = QVBoxLayout(self)
        lay.addWidget(form_box)
        lay.addWidget(self.restore)
        lay.addWidget(self.reference)
        lay.addWidget(self.batch_box)
        lay.addStretch(1)

        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self.temperature.valueChanged.connect(self.paramsChanged)
        self.vibrance.valueChanged.connect(self.paramsChanged)
        self.temperature.released.connect(self.released)
        self.vibrance.released.connect(self.released)
        self.size.valueChanged.connect(self.paramsChanged)
        self.device.currentIndexChanged.connect(self.paramsChanged)
        self.device.activated.connect(self._device_picked)
        self.reset_button.clicked.connect(self.resetRequested)
        self.reference.changed.connect(self.paramsChanged)
        self.reference.released.connect(self.released)
        self._update_enabled()
        engine_loader.call_when_loaded(self._fill_devices)

    def _device_picked(self, _index: int) -> None:
        self._device_wanted = self.device_request()

    def _fill_devices(self) -> None:
        """Replace the provisional Auto/CPU list with the devices really present (this needs torch)."""
        before = self.device_request()
        self.device.blockSignals(True)
        self.device.clear()
        for label, request in device_items():
            self.device.addItem(label, request)
            self.device.setItemData(self.device.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
        i = self.device.findData(self._device_wanted)
        self.device.setCurrentIndex(i if i >= 0 else 0)
        self.device.blockSignals(False)
        if self.device_request() != before:
            self.paramsChanged.emit()

    # --- models ------------------------------------------------------------------------------

    def set_models(self, entries: list[ModelEntry]) -> None:
        current = self.model_name()
        self._entries = list(entries)
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for e in entries:
            self.model_combo.addItem(model_title(e), e.name)
            self.model_combo.setItemData(self.model_combo.count() - 1, f"{model_summary(e)}\n\n{model_details(e)}",
                                         Qt.ItemDataRole.ToolTipRole)
        if not entries:
            self.model_combo.addItem("no models found")
        self.model_combo.blockSignals(False)
        self.set_model(current)
        self._update_enabled()

    def entries(self) -> list[ModelEntry]:
        return list(self._entries)

    def entry(self) -> ModelEntry | None:
        i = self.model_combo.currentIndex()
        return self._entries[i] if 0 <= i < len(self._entries) else None

    def model_name(self) -> str:
        e = self.entry()
        return e.name if e else ""

    def set_model(self, name: str) -> None:
        """Select a model by name; an unknown or empty name selects the first one."""
        idx = next((i for i, e in enumerate(self._entries) if e.name == name), 0)
        self.model_combo.blockSignals(True)
        self.model_combo.setCurrentIndex(idx if self._entries else 0)
        self.model_combo.blockSignals(False)
        self._update_enabled()

    def _model_changed(self, _index: int) -> None:
        """A model picked by the user brings its own temperature."""
        self.temperature.blockSignals(True)
        self.temperature.setValue(model_temperature(self.entry()))
        self.temperature.blockSignals(False)
        self._update_enabled()
        self.paramsChanged.emit()

    def _update_enabled(self) -> None:
        e = self.entry()
        classification = e is not None and e.family == "classification"
        self.temperature.setEnabled(classification)
        self.temperature_ends.setEnabled(classification)
        self.reference.set_family(e.family if e is not None else None)
        if e is None:
            self.model_info.setText("Put trained .safetensors models in weights/ or the user models folder.")
        else:
            text = model_summary(e)
            if not classification:
                text += f" ({BOLDNESS_LABEL.lower()} is for the Vivid kind only.)"
            self.model_info.setText(text)
            self.model_info.setToolTip(model_details(e))
            self.model_combo.setToolTip(model_details(e))

    # --- values ------------------------------------------------------------------------------

    def device_request(self) -> str:
        return self.device.currentData() or "auto"

    def set_device(self, request: str) -> None:
        self._device_wanted = request  # kept for when the full device list arrives
        i = self.device.findData(request)
        self.device.setCurrentIndex(i if i >= 0 else 0)

    def params(self) -> Params | None:
        e = self.entry()
        if e is None:
            return None
        return Params(model=str(e.path), device=self.device_request(), size=int(self.size.value()),
                      temperature=self.temperature.value() if e.family == "classification" else None,
                      vibrance=self.vibrance.value(), reference=self.reference.reference())

    def values(self) -> dict:
        return {"model": self.model_name(), "temperature": self.temperature.value(),
                "vibrance": self.vibrance.value(), "size": int(self.size.value()),
                "device": self.device_request()}

    def set_values(self, model: str | None = None, temperature: float | None = None,
                   vibrance: float | None = None, size: int | None = None, device: str | None = None) -> None:
        """Set controls without emitting paramsChanged per widget; emits it once at the end.
        A model without a temperature brings its own."""
        # a blocked ScaledSlider still updates its own label: only its valueChanged is held back
        widgets = (self.model_combo, self.temperature, self.vibrance, self.size, self.device)
        for w in widgets:
            w.blockSignals(True)
        try:
            if model is not None:
                self.set_model(model)
                if temperature is None:
                    temperature = model_temperature(self.entry())
            if temperature is not None:
                self.temperature.setValue(temperature)
            if vibrance is not None:
                self.vibrance.setValue(vibrance)
            if size is not None:
                self.size.setValue(int(size))
            if device is not None:
                self.set_device(device)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._update_enabled()
        self.paramsChanged.emit()

    def add_action_button(self, action) -> QToolButton:
        b = QToolButton()
        b.setDefaultAction(action)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.batch_layout.addWidget(b)
        return b
