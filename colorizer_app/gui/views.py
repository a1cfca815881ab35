"""The photo viewer: before/after split, side by side, and a per-model comparison.

`PhotoViewer` owns the shared `ViewState` (view_state.py) and the panes (image_pane.py), decides
what each pane shows in each mode, lays them out, and is the API the main window uses. Zoom is
relative to the photo's own size (`set_images(..., size=)`), so the images shown may be previews
at screen resolution and be replaced by the full-resolution ones when zooming in.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .image_pane import BUSY_TEXT, EMPTY_HINT, PANE_GAP, ImagePane
from .settings import VIEW_MODES
from .view_state import MAX_ZOOM, MIN_ZOOM, ZOOM_STEP, ViewState, _clamp
from .wording import DAMAGE_LEGEND, MATCH_SHADE_LEGEND, WITH_REFERENCE, WITHOUT_REFERENCE

__all__ = ["ViewState", "ImagePane", "PhotoViewer", "MIN_ZOOM", "MAX_ZOOM", "ZOOM_STEP", "EMPTY_HINT"]

GAP_COLOUR = QColor("#111214")


class PhotoViewer(QWidget):
    """Shows one photo in three modes: 'split' (before/after with a draggable vertical divider:
    grayscale left of it, colour right), 'side_by_side' (grayscale | colour, two panes whose zoom
    and pan stay in step), 'compare' (one pane per model result, e.g. regression | classification
    | gan, in step too).

    Zoom 1.0 (100%) means one image pixel per *physical* screen pixel, also on high-DPI screens,
    so "actual size" really is pixel-exact; `zoom()` and `zoomChanged` use that unit.

    The divider is a fraction of the photo's visible width (the part of the photo on screen), so
    it stays on the photo whatever the zoom and pan, and on a photo of another shape. Keys when the
    viewer has focus (split mode): Left/Right move it by 2% (with Shift 10%), Home/End send it to
    the edges.

    Several panes are laid out in the grid (a row, a column, ...) that shows the photo largest,
    so a portrait photo is compared side by side and a panorama one above the other.

    With no photo at all the viewer shows a single pane with a drop hint, whatever the mode.
    Comparison images are not cleared by `set_images`: the caller owns both and sets both.

    With a reference photo or palette, `set_images(..., without=)` compares the colour with and
    without it: in split mode the colour without it takes the place of the grayscale left of the
    divider, side by side the two colourisations stand next to each other. `set_match_shade`
    dims, over every pane that shows colour, where a reference photo's colours did not go.
    """

    modeChanged = Signal(str)
    dividerChanged = Signal(float)
    zoomChanged = Signal(float)
    # colour hints, from whichever pane shows colour (see ImagePane)
    hintClicked = Signal(float, float, QPoint)
    markerClicked = Signal(int, QPoint)
    markerMoved = Signal(int, float, float)
    brushStroke = Signal(list, float, bool)  # the damage brush: points, radius share, erase

    MODES = VIEW_MODES

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._state = ViewState(self)
        self._state.changed.connect(self._on_state_changed)
        self._last_zoom = self._state.zoom()
        self._mode = "split"
        self._divider = 0.5
        self._before: QImage | None = None
        self._after: QImage | None = None
        self._busy: str | None = None
        self._size = QSize()
        self._message: str | None = None
        self._compare: dict[str, QImage | None] = {}
        self._without: QImage | None = None  # the colour without the reference, to compare with `_after`
        self._shade: QImage | None = None  # dims where a reference photo's colours did not go
        self._damage: QImage | None = None  # marks the damage restoration fills, over every pane
        self._brush: tuple[float | None, bool] = (None, False)
        self._pool: list[ImagePane] = []
        self._visible = 0
        self._markers: list = []  # colour hints [(x, y, QColor)], drawn on the panes that show colour
        self._selected_marker: int | None = None
        self._hint_mode = False
        self._pending_marker: tuple[float, float] | None = None  # a hint being placed
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._refresh()

    def sizeHint(self) -> QSize:
        return QSize(800, 600)

    # --- modes --------------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        if mode not in self.MODES:
            raise ValueError(f"unknown view mode {mode!r}; expected one of {self.MODES}")
        if mode == self._mode:
            return
        self._mode = mode
        self._refresh()
        self.modeChanged.emit(mode)

    def mode(self) -> str:
        return self._mode

    # --- content ------------------------------------------------------------------------------

    def set_images(self, before: QImage | None, after: QImage | None, size: QSize | None = None,
                   message: str | None = None, without: QImage | None = None) -> None:
        """`after` None means "still colourising": the grayscale is shown with a busy text.
        `size`: the photo's own size (default: that of `before`), which zoom is relative to;
        `message`: shown instead of a photo (one that could not be opened says why);
        `without`: the colour without the reference, shown instead of `before` (split and side by
        side) to compare with `after`, the colour with it."""
        self._before = before if before is not None and not before.isNull() else None
        self._after = after if after is not None and not after.isNull() else None
        self._without = without if without is not None and not without.isNull() and self._after is not None else None
        self._size = QSize(size) if size is not None else QSize()
        self._message = message
        self._busy = BUSY_TEXT if self._before is not None and self._after is None else None
        self._refresh()

    def result_image(self) -> QImage | None:
        """The colourised picture now shown (in compare mode the first model's), or None."""
        if self._after is not None:
            return self._after
        return next((img for img in self._compare.values() if img is not None and not img.isNull()), None)

    def photo_size(self) -> QSize:
        return self._reference_size()

    def comparing_reference(self) -> bool:
        """The colour without the reference is shown beside (or under the divider of) the colour
        with it."""
        return self._without is not None and self._mode in ("split", "side_by_side")

    def set_match_shade(self, shade: QImage | None) -> None:
        """A translucent image (black, more opaque where a reference photo's colours did not go)
        drawn over every pane that shows colour; None removes it."""
        self._shade = shade if shade is not None and not shade.isNull() else None
        self._apply_markers()

    def match_shade(self) -> QImage | None:
        return self._shade

    def set_damage_overlay(self, overlay: QImage | None) -> None:
        """A translucent image marking the damage that restoration fills, drawn over every pane
        (in place of the reference's shade while it is shown); None removes it."""
        self._damage = overlay if overlay is not None and not overlay.isNull() else None
        self._apply_markers()

    def damage_overlay(self) -> QImage | None:
        return self._damage

    def set_brush(self, radius: float | None, erase: bool = False) -> None:
        """Brush mode on every pane (radius in logical px), or off (None)."""
        self._brush = (radius, erase)
        for pane in self._pool:
            pane.set_brush(radius, erase)

    def set_busy_text(self, text: str | None) -> None:
        self._busy = text or None
        self._refresh()

    def set_compare_images(self, images: dict[str, QImage | None]) -> None:
        """name -> result in display order; None = that model is still running."""
        self._compare = dict(images)
        self._refresh()

    def panes(self) -> list[ImagePane]:
        """The visible panes in the current mode, left to right, top to bottom."""
        return self._pool[: self._visible]

    # --- colour hints -------------------------------------------------------------------------

    def set_hint_markers(self, markers: list, selected: int | None = None, hint_mode: bool = False,
                         pending: tuple[float, float] | None = None) -> None:
        """The photo's colour hints [(x, y, QColor)] as markers on the panes that show colour
        (never on the original): split mode right of the divider, the colour pane side by side,
        and in compare mode every model's pane (every model follows hints)."""
        self._markers, self._selected_marker = list(markers), selected
        self._hint_mode = bool(hint_mode)
        self._pending_marker = pending
        self._apply_markers()

    def hint_mode(self) -> bool:
        return self._hint_mode

    def _marker_side(self, pane: ImagePane) -> str | None:
        if pane.image() is None:
            return None
        if self._mode == "split":
            return "after" if pane.split_image() is not None else None
        if self._mode == "side_by_side":
            return "all" if pane.caption() in ("Colour", WITH_REFERENCE) else None
        if self._mode == "compare" and self._compare:
            return "all" if pane.caption() in self._compare else None
        return None

    def _apply_markers(self) -> None:
        for pane in self._pool:
            side = self._marker_side(pane) if pane in self.panes() else None
            pane.set_markers(self._markers if side else [], self._selected_marker, side, self._hint_mode,
                             self._pending_marker)
            if self._damage is not None and pane in self.panes() and pane.image() is not None:
                pane.set_shade(self._damage, "all", DAMAGE_LEGEND)
            else:
                pane.set_shade(self._shade if side else None, side, MATCH_SHADE_LEGEND)

    def marker_at(self, pos: QPoint) -> int | None:
        """The hint marker under `pos` (viewer coordinates), or None."""
        for pane in self.panes():
            if pane.geometry().contains(pos):
                return pane.marker_at(QPointF(pane.mapFrom(self, pos)))
        return None

    def colour_pane(self) -> ImagePane | None:
        """The first visible pane that shows colour with its hints, or None."""
        return next((p for p in self.panes() if self._marker_side(p)), None)

    # --- divider ------------------------------------------------------------------------------

    def set_divider(self, fraction: float) -> None:
        fraction = round(_clamp(float(fraction), 0.0, 1.0), 6)  # no drift from repeated key steps
        if fraction == self._divider:
            return
        self._divider = fraction
        for pane in self._pool:
            pane.set_divider(fraction)
        self.dividerChanged.emit(fraction)

    def divider(self) -> float:
        return self._divider

    # --- zoom ---------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self._state.zoom()

    def set_zoom(self, z: float) -> None:
        self._state.set_zoom(z)

    def zoom_in(self) -> None:
        self._state.set_zoom(self._state.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._state.set_zoom(self._state.zoom() / ZOOM_STEP)

    def fit_to_window(self) -> None:
        self._state.fit()

    def actual_size(self) -> None:
        self._state.set_zoom(1.0)

    def is_fit(self) -> bool:
        return self._state.is_fit()

    # --- what each pane shows -----------------------------------------------------------------

    def _contents(self) -> list[dict]:
        """One dict of `ImagePane.set_content` arguments per pane, for the current mode."""
        before, after = self._before, self._after
        if self._mode == "compare" and self._compare:
            return [dict(image=img, caption=name, overlay=None if img is not None else f"{name}\u2026")
                    for name, img in self._compare.items()]
        if before is None and after is None:
            if self._message:
                return [dict(image=None, hint=self._message)]
            if not self._size.isEmpty():  # being opened: where it will be
                return [dict(image=None, overlay=self._busy)]
            return [dict(image=None, hint=EMPTY_HINT)]
        without = self._without
        if self._mode == "side_by_side" and without is not None:
            return [dict(image=without, caption=WITHOUT_REFERENCE), dict(image=after, caption=WITH_REFERENCE)]
        if self._mode == "side_by_side":
            return [dict(image=before, caption="Original"),
                    dict(image=after, caption="Colour", overlay=None if after is not None else self._busy)]
        if self._mode == "compare":  # nothing to compare yet: the photo itself
            return [dict(image=before if before is not None else after,
                         caption="Original" if before is not None else "Colour",
                         overlay=self._busy if after is None else None)]
        if without is not None:
            return [dict(image=without, split_after=after, split=True,
                         split_captions=(WITHOUT_REFERENCE, WITH_REFERENCE))]
        if before is not None and after is not None:
            return [dict(image=before, split_after=after, split=True)]
        return [dict(image=before if before is not None else after,
                     overlay=self._busy if after is None else None)]

    def _reference_size(self) -> QSize:
        if not self._size.isEmpty():
            return QSize(self._size)
        candidates = [self._before, self._after, *self._compare.values()]
        for img in candidates:
            if img is not None and not img.isNull():
                return img.size()
        return QSize()

    def _refresh(self) -> None:
        contents = self._contents()
        while len(self._pool) < len(contents):
            pane = ImagePane(self._state, self)
            pane.set_divider(self._divider)
            pane.dividerMoved.connect(self.set_divider)
            pane.hintClicked.connect(self.hintClicked)
            pane.markerClicked.connect(self.markerClicked)
            pane.markerMoved.connect(self.markerMoved)
            pane.brushStroke.connect(self.brushStroke)
            pane.set_brush(*self._brush)
            self._pool.append(pane)
        for pane, kwargs in zip(self._pool, contents):
            pane.set_content(**kwargs)
        for pane in self._pool[len(contents):]:
            pane.set_content(None)
            pane.hide()
        self._visible = len(contents)
        self._state.set_image_size(self._reference_size())
        self._apply_markers()
        self._relayout()
        for pane in self.panes():
            pane.show()

    def _grid(self, n: int) -> tuple[int, int]:
        """(rows, cols) for n panes that makes the fitted photo largest; ties go to one row."""
        size = self._reference_size()
        if n <= 1 or size.isEmpty():
            return 1, max(1, n)
        best, best_scale = (1, n), -1.0
        for rows in range(1, n + 1):
            cols = math.ceil(n / rows)
            if (rows - 1) * cols >= n:
                continue  # an empty row
            pw = (self.width() - (cols - 1) * PANE_GAP) / cols
            ph = (self.height() - (rows - 1) * PANE_GAP) / rows
            scale = min(pw / size.width(), ph / size.height())
            if scale > best_scale * 1.0001:
                best, best_scale = (rows, cols), scale
        return best

    def _relayout(self) -> None:
        panes = self.panes()
        rows, cols = self._grid(len(panes))
        pw = max(1, (self.width() - (cols - 1) * PANE_GAP) // cols)
        ph = max(1, (self.height() - (rows - 1) * PANE_GAP) // rows)
        for i, pane in enumerate(panes):
            r, c = divmod(i, cols)
            in_row = min(cols, len(panes) - r * cols)
            x0 = (self.width() - (in_row * pw + (in_row - 1) * PANE_GAP)) // 2  # centre a short row
            pane.setGeometry(x0 + c * (pw + PANE_GAP), r * (ph + PANE_GAP), pw, ph)
        dpr = self.devicePixelRatioF()
        self._state.set_viewport(QSizeF(pw * dpr, ph * dpr))

    # --- Qt events ----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.DevicePixelRatioChange, QEvent.Type.ScreenChangeInternal):
            self._relayout()  # 100% is in device pixels: a new screen means a new viewport
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), GAP_COLOUR)  # only the gaps between panes show through

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._mode != "split":
            return super().keyPressEvent(event)
        step = 0.10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.02
        key = event.key()
        if key == Qt.Key.Key_Left:
            self.set_divider(self._divider - step)
        elif key == Qt.Key.Key_Right:
            self.set_divider(self._divider + step)
        elif key == Qt.Key.Key_Home:
            self.set_divider(0.0)
        elif key == Qt.Key.Key_End:
            self.set_divider(1.0)
        else:
            return super().keyPressEvent(event)
        event.accept()

    def _on_state_changed(self) -> None:
        zoom = self._state.zoom()
        if zoom != self._last_zoom:
            self._last_zoom = zoom
            self.zoomChanged.emit(zoom)
