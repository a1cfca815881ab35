"""Colour hints in the viewer: "this spot is blue". Hint mode (toolbar "Colour Hints", key H)
turns a click on the colour result into a hint; a small panel beside the click offers the
colours the model finds likely there, the colour now there and any other colour. Markers can be
dragged, recoloured and deleted, with undo and redo per photo.

The hints live in the Qt-free session (session/hints.py: per photo, saved across restarts); this
module only turns clicks into session changes and asks for a new preview. Every model follows
hints (models/hint_spread.py), so hint mode never changes the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QApplication, QColorDialog, QFrame, QHBoxLayout, QLabel, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from ..models.registry import ModelEntry
from ..session import jobs
from ..session.params import Params
from ..session.photos import Photo
from .workers import Job, JobRunner

if TYPE_CHECKING:
    from .main_window import MainWindow

SWATCH_PX = 30
MAX_SUGGESTIONS = 6


def suggestion_model(entries: list[ModelEntry], fallback: ModelEntry | None) -> ModelEntry | None:
    """Whose likely colours the panel offers: the shipped classification model (it has a whole
    distribution of colours at each point), else any classification model, else `fallback`."""
    for bundled in (True, False):
        for e in entries:
            if e.bundled == bundled and e.family == "classification":
                return e
    return fallback


def hints_words(n: int) -> str:
    return f"{n} colour hint{'s' if n != 1 else ''}"


def text_colour(colour: QColor) -> str:
    return "#000000" if colour.lightnessF() > 0.55 else "#ffffff"


class HintPanel(QFrame):
    """The small panel beside a click: likely colours, the colour now there, Other Colour…,
    and for an existing hint Delete. Not modal: the window stays usable while it is open."""

    colourChosen = Signal(str)  # "#rrggbb"
    deleteRequested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("hint_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet("QFrame#hint_panel { background: palette(window); border: 1px solid palette(mid);"
                           " border-radius: 6px; }")
        self.title = QLabel("Colour for this spot")
        self.title.setStyleSheet("font-weight: 600;")
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close (the hint is not changed)")
        close.clicked.connect(self.dismiss)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(close)
        self.likely_label = QLabel("Likely here:")
        self.status_label = QLabel("Finding likely colours…")
        self.status_label.setStyleSheet("color: palette(mid);")
        self.swatch_row = QWidget()
        self.swatch_layout = QHBoxLayout(self.swatch_row)
        self.swatch_layout.setContentsMargins(0, 0, 0, 0)
        self.swatch_layout.setSpacing(4)
        self.swatch_layout.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.current_label = QLabel("Now:")
        self.current_button = self._swatch("#808080", "The colour now at this spot")
        now = QHBoxLayout()
        now.addWidget(self.current_label)
        now.addWidget(self.current_button)
        now.addStretch(1)
        self.other_button = QPushButton("Other Colour…")
        self.other_button.setToolTip("Pick any colour")
        self.other_button.clicked.connect(self._other)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove this hint (Delete)")
        self.delete_button.clicked.connect(self.deleteRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.other_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 10)
        lay.setSpacing(6)
        lay.addLayout(top)
        lay.addWidget(self.likely_label)
        lay.addWidget(self.swatch_row)
        lay.addWidget(self.status_label)
        lay.addLayout(now)
        lay.addLayout(buttons)
        self.swatches: list[QToolButton] = []
        self.finding = False  # the likely colours are on their way
        self._anchor: QPoint | None = None  # where the click was (global)
        self.hide()

    def _swatch(self, hex_colour: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setFixedSize(SWATCH_PX, SWATCH_PX)
        b.setToolTip(tip)
        b.setProperty("colour", hex_colour)
        self._paint_swatch(b, hex_colour)
        b.clicked.connect(lambda _=False, button=b: self.colourChosen.emit(button.property("colour")))
        return b

    @staticmethod
    def _paint_swatch(b: QToolButton, hex_colour: str) -> None:
        b.setProperty("colour", hex_colour)
        b.setStyleSheet(f"QToolButton {{ background: {hex_colour}; border: 2px solid #202124; border-radius: 4px; }}"
                        " QToolButton:hover { border: 2px solid palette(highlight); }")

    def open(self, title: str, current: str | None, editing: bool) -> None:
        self.title.setText(title)
        self.set_suggestions(None)
        self.current_label.setVisible(current is not None)
        self.current_button.setVisible(current is not None)
        if current is not None:
            self._paint_swatch(self.current_button, current)
            self.current_button.setToolTip(f"The colour now at this spot ({current})")
        self.delete_button.setVisible(editing)
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.PopupFocusReason)  # so that Esc closes it

    def set_suggestions(self, colours: list[tuple[str, float]] | None, why: str = "") -> None:
        """None: still finding them; [] with `why`: none to offer."""
        self.finding = colours is None
        for b in self.swatches:
            self.swatch_layout.removeWidget(b)
            b.hide()
            b.setParent(None)  # at once: deleteLater waits for the event loop
            b.deleteLater()
        self.swatches = []
        if colours is None:
            self.status_label.setText("Finding likely colours…")
            self.status_label.show()
        elif not colours:
            self.status_label.setText(why or "No suggestions here.")
            self.status_label.show()
        else:
            self.status_label.hide()
            for hex_colour, p in colours[:MAX_SUGGESTIONS]:
                b = self._swatch(hex_colour, f"Likely here ({p:.0%} of what the model expects)"
                                 if p < 1 else "What the model expects here")
                self.swatch_layout.addWidget(b)
                self.swatches.append(b)
        self.swatch_row.setVisible(bool(self.swatches))
        self.likely_label.setVisible(bool(self.swatches))
        self._fit()

    def _fit(self) -> None:
        """Size to the content (swatches come and go) and stay beside the click, inside the window."""
        for lay in (self.swatch_layout, self.layout()):
            lay.invalidate()
            lay.activate()
        self.resize(self.sizeHint())
        if self._anchor is not None:
            self.place_near(self._anchor)

    def suggestion_colours(self) -> list[str]:
        return [b.property("colour") for b in self.swatches]

    def pick_other_colour(self, start: str) -> str | None:
        """The colour dialog (tests replace this); None when cancelled."""
        c = QColorDialog.getColor(QColor(start), self.window(), "Choose a colour for this spot")
        return c.name() if c.isValid() else None

    def _other(self) -> None:
        start = self.current_button.property("colour") or "#808080"
        chosen = self.pick_other_colour(start)
        if chosen:
            self.colourChosen.emit(chosen)

    def dismiss(self) -> None:
        if self.isVisible():
            had_focus = self.isAncestorOf(QApplication.focusWidget()) or self.hasFocus()
            self.hide()
            if had_focus and self.parentWidget() is not None:
                self.parentWidget().centralWidget().setFocus()  # back to the photo
            self.closed.emit()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.dismiss()
            event.accept()
            return
        super().keyPressEvent(event)

    def place_near(self, global_pos: QPoint) -> None:
        """Beside the click, inside the window."""
        parent = self.parentWidget()
        self._anchor = QPoint(global_pos)
        for lay in (self.swatch_layout, self.layout()):
            lay.activate()
        self.resize(self.sizeHint())
        p = parent.mapFromGlobal(global_pos) + QPoint(18, 12)
        area = parent.rect()
        if p.x() + self.width() > area.right() - 4:
            p.setX(p.x() - self.width() - 36)
        if p.y() + self.height() > area.bottom() - 4:
            p.setY(area.bottom() - 4 - self.height())
        self.move(max(4, p.x()), max(4, p.y()))
        self.raise_()


class HintController(QObject):
    """Hint mode, the markers, the panel and the session's hints of the current photo."""

    changed = Signal()  # the current photo's hints changed

    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.viewer = window.viewer
        self.runner = JobRunner("hints", self)
        self.active = False
        self.selected: int | None = None  # the marker selected (Delete removes it)
        self.panel = HintPanel(window)
        self._target: tuple[str, float, float, int | None] | None = None  # ("new"|"edit", x, y, index)
        self.panel.colourChosen.connect(self._colour_chosen)
        self.panel.deleteRequested.connect(self._panel_delete)
        self.panel.closed.connect(self._panel_closed)
        self.viewer.hintClicked.connect(self._clicked)
        self.viewer.markerClicked.connect(self._marker_clicked)
        self.viewer.markerMoved.connect(self.move)

    # --- state -------------------------------------------------------------------------------

    def photo(self) -> Photo | None:
        p = self.window.current_photo()
        return p if p is not None and p.loaded else None

    def hints(self, photo: Photo | None = None) -> tuple:
        photo = photo or self.photo()
        return self.session.hints.get(photo) if photo is not None else ()

    def state(self) -> dict:
        photo = self.photo()
        book = self.session.hints
        return {"hints": len(self.hints(photo)) if photo is not None else 0,
                "can_undo": photo is not None and book.can_undo(photo),
                "can_redo": photo is not None and book.can_redo(photo),
                "hint_selected": self.active and self.selected is not None}

    # --- hint mode ---------------------------------------------------------------------------

    def set_active(self, on: bool) -> bool:
        """Enter or leave hint mode."""
        w = self.window
        if on:
            w.status("Click the colour result to place a hint; drag a hint to move it, click it "
                     "to change its colour.", 8000)
            if w.viewer.mode() == "compare":
                w.set_view_mode("split")  # hints are placed on one model's colour result
        self.active = on
        if not on:
            self.selected = None
            self.panel.dismiss()
        action = w.registry["hints"]
        if action.isChecked() != on:
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        self.refresh()
        w.update_actions()
        return on

    def toggle(self) -> None:
        self.set_active(self.window.registry["hints"].isChecked())

    def refresh(self) -> None:
        """Markers for the current photo's hints (only in hint mode)."""
        photo = self.photo()
        hints = self.hints(photo) if photo is not None and self.active else ()
        if self.selected is not None and self.selected >= len(hints):
            self.selected = None
        markers = [(h.x, h.y, QColor(h.hex())) for h in hints]
        t = self._target
        pending = (t[1], t[2]) if self.active and t is not None and t[0] == "new" and self.panel.isVisible() else None
        self.viewer.set_hint_markers(markers, self.selected, self.active, pending)

    def photo_changed(self) -> None:
        self.selected = None
        self.panel.dismiss()
        self.refresh()

    # --- changes -----------------------------------------------------------------------------

    def _set(self, hints, what: str) -> bool:
        photo = self.photo()
        if photo is None or not self.session.hints.set(photo, hints):
            return False
        self._after_change(what)
        return True

    def _after_change(self, what: str) -> None:
        self.refresh()
        self.window.update_actions()
        self.window.preview.request()
        if what:
            self.window.status(what, 4000)
        self.changed.emit()

    def place(self, x: float, y: float, colour: str) -> bool:
        from ..models.hints import Hint

        hints = self.hints() + (Hint.from_hex(round(x, 6), round(y, 6), colour),)  # as saved
        ok = self._set(hints, "Hint placed")
        if ok:
            self.selected = len(hints) - 1
            self.refresh()
        return ok

    def move(self, i: int, x: float, y: float) -> bool:
        hints = list(self.hints())
        if not 0 <= i < len(hints):
            return False
        hints[i] = hints[i].moved(round(x, 6), round(y, 6))  # as saved: the same after a restart
        self.selected = i
        return self._set(hints, "Hint moved")

    def recolour(self, i: int, colour: str) -> bool:
        from ..models.hints import Hint

        hints = list(self.hints())
        if not 0 <= i < len(hints):
            return False
        hints[i] = Hint.from_hex(hints[i].x, hints[i].y, colour)
        self.selected = i
        return self._set(hints, "Hint recoloured")

    def delete(self, i: int | None = None) -> bool:
        i = self.selected if i is None else i
        hints = list(self.hints())
        if i is None or not 0 <= i < len(hints):
            return False
        del hints[i]
        self.selected = None
        if self._target and self._target[0] == "edit":
            self.panel.dismiss()
        return self._set(hints, "Hint deleted")

    def clear(self) -> bool:
        self.selected = None
        self.panel.dismiss()
        n = len(self.hints())
        return self._set((), f"{hints_words(n).capitalize()} cleared")

    def undo(self) -> bool:
        photo = self.photo()
        if photo is None or not self.session.hints.undo(photo):
            return False
        self.selected = None
        self.panel.dismiss()
        self._after_change("Undone")
        return True

    def redo(self) -> bool:
        photo = self.photo()
        if photo is None or not self.session.hints.redo(photo):
            return False
        self.selected = None
        self.panel.dismiss()
        self._after_change("Redone")
        return True

    def select(self, i: int | None) -> None:
        self.selected = i
        self.refresh()
        self.window.update_actions()

    def edit(self, i: int) -> None:
        """The panel for hint `i` (its colour, or Delete)."""
        hints = self.hints()
        if 0 <= i < len(hints):
            self.select(i)
            self.open_panel(hints[i].x, hints[i].y, index=i)

    # --- the panel ---------------------------------------------------------------------------

    def _clicked(self, x: float, y: float, global_pos: QPoint) -> None:
        self.open_panel(x, y, global_pos)

    def _marker_clicked(self, i: int, global_pos: QPoint) -> None:
        hints = self.hints()
        if 0 <= i < len(hints):
            self.select(i)
            self.open_panel(hints[i].x, hints[i].y, global_pos, index=i)

    def open_panel(self, x: float, y: float, global_pos: QPoint | None = None, index: int | None = None) -> None:
        """The panel for a new hint at (x, y), or for hint `index`; likely colours on a worker."""
        photo = self.photo()
        if photo is None:
            return
        if index is None:
            self.selected = None
            self.refresh()
        self._target = ("edit" if index is not None else "new", x, y, index)
        current = self.colour_at(x, y)
        title = "Change this hint's colour" if index is not None else "Colour for this spot"
        self.panel.open(title, current, editing=index is not None)
        self.refresh()  # the ring where the new hint goes
        if global_pos is None:
            pane = self.viewer.colour_pane()
            global_pos = (pane.mapToGlobal(pane.from_fraction(x, y).toPoint()) if pane is not None
                          else self.viewer.mapToGlobal(self.viewer.rect().center()))
        self.panel.place_near(global_pos)
        self._ask_suggestions(photo, x, y)

    def colour_at(self, x: float, y: float) -> str | None:
        """The colour the result shows at (x, y) now, as #rrggbb (None: not coloured yet)."""
        img = self.window.preview.after
        if img is None or img.isNull():
            return None
        px = min(img.width() - 1, max(0, int(x * img.width())))
        py = min(img.height() - 1, max(0, int(y * img.height())))
        return QColor(img.pixel(px, py)).name()

    def _ask_suggestions(self, photo: Photo, x: float, y: float) -> None:
        params = self.window.current_params()
        c = self.window.controls
        entry = suggestion_model(c.entries(), c.entry())
        if params is None or entry is None:
            self.panel.set_suggestions([], "No model to suggest colours.")
            return
        sp = Params(model=str(entry.path), device=params.device, size=params.size)
        job = Job(jobs.suggest, self.session.renderer, photo.ref, sp, x, y, self.window.preview.long_side,
                  kind="suggest")
        job.returned.connect(self._suggested)
        job.errored.connect(lambda why: self.panel.set_suggestions([], "No suggestions: " + why))
        self.runner.submit(job, supersede=True)

    def _suggested(self, result: jobs.Suggested) -> None:
        t = self._target
        photo = self.photo()
        if t is None or photo is None or result.photo_id != photo.id or (result.x, result.y) != (t[1], t[2]):
            return  # for another click
        self.panel.set_suggestions(result.colours, "No likely colours found here.")

    def _colour_chosen(self, colour: str) -> None:
        t = self._target
        self.panel.dismiss()
        if t is None:
            return
        kind, x, y, index = t
        if kind == "edit" and index is not None:
            self.recolour(index, colour)
        else:
            self.place(x, y, colour)

    def _panel_delete(self) -> None:
        t = self._target
        if t is not None and t[3] is not None:
            self.delete(t[3])
        self.panel.dismiss()

    def _panel_closed(self) -> None:
        self._target = None
        self.runner.cancel("suggest")
        self.refresh()

    def shutdown(self) -> bool:
        self.runner.cancel()
        return self.runner.shutdown()
