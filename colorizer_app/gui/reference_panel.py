"""The side panel's "Colours from a photo" section: a reference that steers the colours.

Choosing a photo makes it ready to be matched by meaning (models/matching.py: its colours go where
the same things are) and its palette; a folder gives a palette. Both are made on the panel's own
worker thread (loading, the encoder and k-means take a moment); the palette shows as swatches, each
as wide as the share of the photo it covers. The strength goes from "ignore" to "only these colours"; Clear removes the reference.
Two check boxes change what the viewer shows (preview.py does it): for a single photo, where its
colours went (the rest dimmed); for any reference, the colour with and without it, to compare.
Palettes can be saved by name and chosen again. What it makes is a `Reference` in the params, so
the preview, Export and Colourise All all use it (models/reference.py does the colouring).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..models import reference as ref
from .wording import COMPARE_REFERENCE, COMPARE_REFERENCE_TIP, SHOW_MATCH, SHOW_MATCH_TIP
from .workers import Job, JobRunner

STRENGTH_DEFAULT = 0.5
NO_SAVED = "Saved palettes…"

SUPPORT = {
    "classification": "Leans the model's colour choices toward the reference's colours.",
    "regression": "Moves each colour toward the nearest of the reference's colours.",
    "gan": "Moves each colour toward the nearest of the reference's colours.",
}


class Swatches(QWidget):
    """The palette as a strip of colours, each as wide as its weight."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.colours: list[tuple[tuple[int, int, int], float]] = []
        self.setMinimumHeight(22)

    def set_palette(self, palette: "ref.Palette | None") -> None:
        if palette is None:
            self.colours = []
        else:
            rgb = palette.rgb()
            self.colours = [(tuple(int(v) for v in rgb[i]), palette.weights[i]) for i in palette.display_order()]
        self.setToolTip(f"{len(self.colours)} colours from {palette.source}" if palette else "")
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        r = self.rect()
        if not self.colours:
            p.setPen(QColor(128, 128, 128))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "no reference")
            return
        x = float(r.left())
        for (cr, cg, cb), w in self.colours:
            width = r.width() * w
            p.fillRect(QRectF(x, r.top(), width + 0.5, r.height()), QColor(cr, cg, cb))
            x += width


class ReferenceBox(QGroupBox):
    changed = Signal()  # the reference or its strength changed: the params did
    released = Signal()  # the strength slider was let go
    failed = Signal(str)  # a reference could not be used (a grayscale photo...)
    # (title, why) for a warning box: the panel's own note may be scrolled out of sight, and the
    # reference stays as it was, so nothing else would tell
    problem = Signal(str, str)
    viewChanged = Signal()  # what the viewer shows of the reference: the two check boxes

    def __init__(self, parent=None):
        super().__init__("Colours from a photo", parent)
        from .controls import ScaledSlider  # the side panel's own slider

        self.runner = JobRunner("palette", self)
        self.palette: ref.Palette | None = None
        self.photo = None  # a single photo's matching data (models/matching.py), else None
        self._supported = True
        self._reading: Path | None = None  # the photo or folder being read, named in a failure

        self.choose_button = QPushButton("From a photo…")
        self.choose_button.setToolTip("Choose a colour photo of the same place, person or kind of thing: "
                                      "its colours go where the same things are in your photo, and "
                                      "what it does not show keeps the model's own colours.")
        self.folder_button = QPushButton("From a folder…")
        self.folder_button.setToolTip("Lean toward the colours of all the colour photos in a folder "
                                      "(their palette: which colours, not where they go).")
        self.saved = QComboBox()
        self.saved.setToolTip("A palette saved earlier")
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Keep this palette under a name, to use it again")
        self.clear_button = QPushButton("Clear")
        self.swatches = Swatches()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: palette(mid);")
        self.strength = ScaledSlider(0.0, ref.MAX_STRENGTH, 20)
        self.strength.setValue(STRENGTH_DEFAULT)
        self.strength.setToolTip("How strongly the reference steers: from ignoring it to keeping "
                                 "to its colours only.")
        ends = QWidget()
        ends_lay = QHBoxLayout(ends)
        ends_lay.setContentsMargins(0, 0, 0, 0)
        for text, align in (("ignore", Qt.AlignmentFlag.AlignLeft),
                            ("only these colours", Qt.AlignmentFlag.AlignRight)):
            lab = QLabel(text)
            lab.setAlignment(align)
            lab.setStyleSheet("color: palette(mid); font-size: 10px;")
            ends_lay.addWidget(lab)
        ends_lay.addSpacing(38)
        self.strength_ends = ends
        # what the viewer shows; off until asked for, and off again when the reference goes
        self.show_match = QCheckBox(SHOW_MATCH)
        self.show_match.setToolTip(SHOW_MATCH_TIP)
        self.compare_check = QCheckBox(COMPARE_REFERENCE)
        self.compare_check.setToolTip(COMPARE_REFERENCE_TIP)

        # short rows: the side panel is narrow, and it must not scroll sideways
        row1 = QVBoxLayout()
        row1.addWidget(self.choose_button)
        row1.addWidget(self.folder_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.save_button, 1)
        row2.addWidget(self.clear_button, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(row1)
        lay.addWidget(self.swatches)
        lay.addWidget(self.strength)
        lay.addWidget(ends)
        lay.addWidget(self.show_match)
        lay.addWidget(self.compare_check)
        lay.addWidget(self.saved)
        lay.addLayout(row2)
        lay.addWidget(self.status)

        self.choose_button.clicked.connect(self._choose_photo)
        self.folder_button.clicked.connect(self._choose_folder)
        self.clear_button.clicked.connect(self.clear)
        self.save_button.clicked.connect(self._save)
        self.saved.activated.connect(self._saved_picked)
        self.strength.valueChanged.connect(self._strength_changed)
        self.strength.released.connect(self.released)
        self.show_match.toggled.connect(self.viewChanged)
        self.compare_check.toggled.connect(self.viewChanged)
        self.refresh_saved()
        self._update_enabled()

    # --- what the params get ----------------------------------------------------------------------

    def reference(self) -> "ref.Reference | None":
        if self.palette is None or not self._supported or self.strength.value() <= 0:
            return None
        return ref.Reference(self.palette, self.strength.value(), self.photo)

    def shows_match(self) -> bool:
        """The viewer is to dim where the reference photo's colours did not go."""
        return self.show_match.isChecked() and self.photo is not None and self._supported

    def compares(self) -> bool:
        """The viewer is to show the colour without the reference beside the colour with it."""
        return self.compare_check.isChecked() and self.palette is not None and self._supported

    def set_family(self, family: str | None) -> None:
        """Greyed out, with a tooltip saying why, where the model cannot use a reference."""
        self._supported = family in SUPPORT
        self.setToolTip(SUPPORT.get(family or "", "This model cannot use a reference photo."))
        self._update_enabled()

    # --- choosing ---------------------------------------------------------------------------------

    def _choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Colours from a photo", "",
                                              "Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;All files (*)")
        if path:
            self.load(path)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Colours from the photos in a folder")
        if path:
            self.load(path)

    def load(self, path: str | Path) -> Job:
        """Make the palette of a photo or folder on the panel's thread; returns the job."""
        self._reading = Path(path)
        self.status.setText(f"Reading the colours of {self._reading.name}…")
        job = Job(ref.reference_parts, str(path), kind="palette", quiet=(ref.ReferenceError,))
        job.returned.connect(self._palette_made)
        job.errored.connect(self._palette_failed)
        self.runner.submit(job, supersede=True)
        return job

    def _palette_made(self, parts: "tuple[ref.Palette, object]") -> None:
        palette, photo = parts
        self.set_palette(palette, photo)

    def _palette_failed(self, why: str) -> None:
        why = why.strip().splitlines()[-1] if why.strip() else "unknown error"
        why = why.split(": ", 1)[1] if why.startswith(("ReferenceError", "colorizer_app")) else why
        if self._reading is not None:  # its name, as File > Open says it, not the whole path
            why = why.replace(str(self._reading), self._reading.name, 1)
        self.status.setText(why)
        self.problem.emit("Could not take colours from it", why)
        self.failed.emit(why)

    def set_palette(self, palette: "ref.Palette | None", photo=None) -> None:
        """A palette (a folder's, a saved one's) or a photo's palette and the photo itself, whose
        colours then go where the same things are (models/matching.py)."""
        self.palette, self.photo = palette, photo if palette is not None else None
        self.swatches.set_palette(palette)
        if palette is not None and photo is not None:
            # only where the same things are: a reference of other things changes nothing, and the
            # note says where to see that
            self.status.setText(f"Colours of {Path(palette.source).name} go where your photo shows the same "
                                f"things (“{SHOW_MATCH}” shows where)")
        elif palette is not None:
            self.status.setText(f"{len(palette.colours)} colours from {Path(palette.source).name or palette.source}")
        else:
            self.status.setText("")
        self._update_enabled()
        self.changed.emit()

    def clear(self) -> None:
        self.runner.cancel()
        self.saved.setCurrentIndex(0)
        self.set_palette(None)

    def _strength_changed(self, _value: float) -> None:
        if self.palette is not None:
            self.changed.emit()

    # --- saved palettes ---------------------------------------------------------------------------

    def refresh_saved(self) -> None:
        self.saved.blockSignals(True)
        self.saved.clear()
        self.saved.addItem(NO_SAVED, None)
        for name in ref.saved_palettes():
            self.saved.addItem(name, name)
        self.saved.blockSignals(False)

    def _saved_picked(self, index: int) -> None:
        name = self.saved.itemData(index)
        if not name:
            return
        self._reading = None
        try:
            self.set_palette(ref.load_palette(name))
        except ref.ReferenceError as e:
            self._palette_failed(str(e))

    def _save(self) -> None:
        if self.palette is None:
            return
        name, ok = QInputDialog.getText(self, "Save palette", "Name:")
        if ok and name.strip():
            self.save_as(name)

    def save_as(self, name: str) -> bool:
        try:
            ref.save_palette(self.palette, name)
        except (ValueError, OSError) as e:
            self.status.setText(str(e))
            self.problem.emit("Could not save the palette", str(e))
            return False
        self.refresh_saved()
        self.saved.setCurrentIndex(max(0, self.saved.findData(name.strip())))
        return True

    def _update_enabled(self) -> None:
        on = self._supported
        for w in (self.choose_button, self.folder_button, self.saved):
            w.setEnabled(on)
        have = on and self.palette is not None
        for w in (self.strength, self.strength_ends, self.save_button, self.clear_button, self.swatches,
                  self.compare_check):
            w.setEnabled(have)
        self.show_match.setEnabled(have and self.photo is not None)
        if self.photo is None:  # cleared, or a palette: nothing was matched
            self.show_match.setChecked(False)
        if self.palette is None:
            self.compare_check.setChecked(False)
