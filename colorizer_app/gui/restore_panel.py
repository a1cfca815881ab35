"""Repair in the side panel: the photo's Restore switch and options, the damage overlay, and the
brush that adds to or takes from the damage mask, with undo.

The switch and the options belong to the current photo (session/restoration.py); a photo new to
the session starts from Preferences. The overlay and the brush show and edit what the repair
fills, on every pane of the viewer, at screen resolution; the mask itself is remade from the
detector's answer (found once per photo) and the strokes, at whatever size is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QToolButton, QVBoxLayout,
)

from ..restore.options import Stroke
from ..session.photos import Photo
from .qimage import alpha_to_qimage
from .wording import (
    BRUSH_TIP, CONTRAST_LABEL, CONTRAST_TIP, DENOISE_LABEL, DENOISE_TIP, RESTORE_LABEL, RESTORE_TIP,
)
from .workers import Job, JobRunner

if TYPE_CHECKING:
    from .main_window import MainWindow

OVERLAY_ALPHA = 150  # of 255: how strongly the damage is marked in red
OVERLAY_RGB = (255, 40, 40)
BRUSH_RANGE = (2, 60)  # logical px
BRUSH_DEFAULT = 8


class RestoreBox(QGroupBox):
    """The widgets; RestoreController gives them meaning."""

    def __init__(self, parent=None):
        super().__init__("Repair", parent)
        self.repair = QCheckBox(RESTORE_LABEL)
        self.repair.setToolTip(RESTORE_TIP)
        self.denoise = QCheckBox(DENOISE_LABEL)
        self.denoise.setToolTip(DENOISE_TIP)
        self.contrast = QCheckBox(CONTRAST_LABEL)
        self.contrast.setToolTip(CONTRAST_TIP)
        self.show_damage = QCheckBox("Show what is repaired")
        self.show_damage.setToolTip("Marks in red the places the repair fills in.")
        self.mark = QToolButton()
        self.mark.setText("Mark")
        self.unmark = QToolButton()
        self.unmark.setText("Unmark")
        self.brushes = QButtonGroup(self)
        self.brushes.setExclusive(False)  # a second click on the checked one leaves brush mode
        for b in (self.mark, self.unmark):
            b.setCheckable(True)
            b.setToolTip(BRUSH_TIP)
            self.brushes.addButton(b)
        self.size = QSlider(Qt.Orientation.Horizontal)
        self.size.setRange(*BRUSH_RANGE)
        self.size.setValue(BRUSH_DEFAULT)
        self.size.setToolTip("Brush size")
        self.undo = QPushButton("Undo")
        self.undo.setToolTip("Take back the last brush stroke on this photo")
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Take back every brush stroke on this photo")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid);")

        lay = QVBoxLayout(self)
        lay.addWidget(self.repair)
        options = QVBoxLayout()
        options.setContentsMargins(18, 0, 0, 0)
        options.addWidget(self.denoise)
        options.addWidget(self.contrast)
        options.addWidget(self.show_damage)
        brush = QHBoxLayout()
        brush.addWidget(QLabel("Brush"))
        brush.addWidget(self.mark)
        brush.addWidget(self.unmark)
        brush.addWidget(self.size, 1)
        options.addLayout(brush)
        edits = QHBoxLayout()
        edits.addWidget(self.undo)
        edits.addWidget(self.clear)
        edits.addStretch(1)
        options.addLayout(edits)
        lay.addLayout(options)
        lay.addWidget(self.note)


@dataclass(frozen=True)
class DamageOverlay:
    photo_id: int
    key: tuple
    alpha: np.ndarray  # uint8 (h, w)


def damage_overlay(renderer, ref, restore, long_side: int, key: tuple) -> DamageOverlay:
    mask = renderer.damage_mask(ref, restore, long_side)
    return DamageOverlay(ref.id, key, mask.astype(np.uint8) * OVERLAY_ALPHA)


class RestoreController(QObject):
    changed = Signal()  # the current photo's restoration changed

    def __init__(self, window: "MainWindow", box: RestoreBox):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.viewer = window.viewer
        self.box = box
        self.runner = JobRunner("damage", self)
        self.overlay_key: tuple | None = None  # what the overlay on screen shows
        self.overlay_asked: tuple | None = None
        box.repair.toggled.connect(self._switched)
        box.denoise.toggled.connect(self._switched)
        box.contrast.toggled.connect(self._switched)
        box.show_damage.toggled.connect(self.refresh_overlay)
        box.brushes.buttonClicked.connect(self._brush_clicked)
        box.size.valueChanged.connect(lambda _v: self._apply_brush())
        box.undo.clicked.connect(self.undo)
        box.clear.clicked.connect(self.clear)
        self.viewer.brushStroke.connect(self.stroke)
        self.photo_changed()

    # --- state -------------------------------------------------------------------------------

    def photo(self) -> Photo | None:
        p = self.window.current_photo()
        return p if p is not None and p.loaded else None

    def state(self) -> dict:
        """For the window's actions: while the brush is in hand, Undo and Redo are the brush's."""
        photo = self.photo()
        book = self.session.restoration
        if self.brush() is None or photo is None:
            return {"brushing": False}
        return {"brushing": True, "can_undo": book.can_undo(photo), "can_redo": book.can_redo(photo)}

    def brush(self) -> str | None:
        """"mark", "unmark" or None (no brush)."""
        return "mark" if self.box.mark.isChecked() else "unmark" if self.box.unmark.isChecked() else None

    def photo_changed(self) -> None:
        """The box shows the current photo's restoration, and its overlay if asked for."""
        self.sync()
        self.refresh_overlay()

    def sync(self) -> None:
        """The box's switches and what is enabled, for the current photo (once it has opened)."""
        photo = self.photo()
        book = self.session.restoration
        b = self.box
        for w in (b.repair, b.denoise, b.contrast):
            w.blockSignals(True)
        if photo is not None:
            options = book.options(photo)
            b.repair.setChecked(book.is_on(photo))
            b.denoise.setChecked(options.denoise)
            b.contrast.setChecked(options.contrast)
        for w in (b.repair, b.denoise, b.contrast):
            w.blockSignals(False)
        self._update_enabled()

    def _update_enabled(self) -> None:
        photo = self.photo()
        b = self.box
        on = photo is not None and self.session.restoration.is_on(photo)
        b.repair.setEnabled(photo is not None)
        for w in (b.denoise, b.contrast, b.show_damage, b.mark, b.unmark, b.size):
            w.setEnabled(on)
        b.undo.setEnabled(on and self.session.restoration.can_undo(photo))
        b.clear.setEnabled(on and self.session.restoration.can_undo(photo))
        if not on and self.brush() is not None:
            b.mark.setChecked(False)
            b.unmark.setChecked(False)
        self._apply_brush()
        n = len(self.session.restoration.options(photo).strokes) if photo is not None else 0
        b.note.setText(f"{n} brush stroke{'s' if n != 1 else ''} on this photo" if on and n else "")

    # --- changes -------------------------------------------------------------------------------

    def _switched(self) -> None:
        photo = self.photo()
        if photo is None:
            return
        b = self.box
        if self.session.restoration.switch(photo, b.repair.isChecked(), b.denoise.isChecked(), b.contrast.isChecked()):
            self._after_change("Repair on" if b.repair.isChecked() else "Repair off")

    def _after_change(self, what: str) -> None:
        self._update_enabled()
        self.refresh_overlay()
        self.window.preview.request()
        self.window.update_actions()
        if what:
            self.window.status(what, 3000)
        self.changed.emit()

    def _brush_clicked(self, button) -> None:
        other = self.box.unmark if button is self.box.mark else self.box.mark
        if button.isChecked():
            other.setChecked(False)
            self.window.status("Paint over the photo to " + ("mark damage the repair missed" if button is self.box.mark
                                                             else "keep places the repair should leave alone"), 6000)
        self._apply_brush()
        self.refresh_overlay()
        self.window.update_actions()

    def _apply_brush(self) -> None:
        brush = self.brush()
        self.viewer.set_brush(float(self.box.size.value()) if brush else None, brush == "unmark")

    def stroke(self, points: list, radius: float, erase: bool) -> None:
        photo = self.photo()
        if photo is None or not self.session.restoration.is_on(photo) or radius <= 0:
            return
        self.session.restoration.add_stroke(photo, Stroke(tuple(points), min(0.5, radius), erase))
        self._after_change("")

    def undo(self) -> bool:
        photo = self.photo()
        if photo is None or not self.session.restoration.undo(photo):
            return False
        self._after_change("Brush stroke undone")
        return True

    def redo(self) -> bool:
        photo = self.photo()
        if photo is None or not self.session.restoration.redo(photo):
            return False
        self._after_change("Brush stroke redone")
        return True

    def clear(self) -> bool:
        photo = self.photo()
        if photo is None or not self.session.restoration.clear_strokes(photo):
            return False
        self._after_change("Brush strokes cleared")
        return True

    # --- the overlay ---------------------------------------------------------------------------

    def overlay_wanted(self) -> bool:
        return self.box.show_damage.isChecked() or self.brush() is not None

    def refresh_overlay(self) -> None:
        """Show the damage overlay that is wanted (asking for it if need be), or none."""
        photo = self.photo()
        restore = self.session.restoration.get(photo) if photo is not None else None
        if photo is None or restore is None or not restore.repair or not self.overlay_wanted():
            self.overlay_key = None
            self.viewer.set_damage_overlay(None)
            return
        long_side = self.window.preview.long_side
        key = (photo.id, restore, long_side)
        if key in (self.overlay_key, self.overlay_asked):
            return
        job = Job(damage_overlay, self.session.renderer, photo.ref, restore, long_side, key, kind="damage_overlay")
        job.returned.connect(self._overlay_made)
        job.errored.connect(lambda why: self.window.status(f"{photo.name}: {why}", 10000))
        job.finished.connect(lambda k=key: self._overlay_finished(k))
        self.overlay_asked = key
        self.runner.submit(job, supersede=True)

    def _overlay_made(self, item: DamageOverlay) -> None:
        photo = self.photo()
        restore = self.session.restoration.get(photo) if photo is not None else None
        if photo is None or item.key != (photo.id, restore, self.window.preview.long_side) \
                or not self.overlay_wanted():
            return
        self.overlay_key = item.key
        self.viewer.set_damage_overlay(alpha_to_qimage(item.alpha, OVERLAY_RGB))

    def _overlay_finished(self, key: tuple) -> None:
        if self.overlay_asked == key:
            self.overlay_asked = None
            if self.overlay_key != key:
                self.refresh_overlay()  # it changed while this one was made

