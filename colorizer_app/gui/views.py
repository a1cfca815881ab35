"""The photo viewer: before/after split, side by side, and a per-model comparison.

Three small pieces:

- `ViewState` holds zoom and pan for a whole viewer. Every pane draws from the same state, so in
  'side_by_side' and 'compare' modes zooming or panning one pane moves all of them in step.
- `ImagePane` paints one image (or, in split mode, two images cut at a divider) from that state
  and turns mouse input into state changes.
- `PhotoViewer` owns the state and the panes, decides what each pane shows in each mode, lays
  them out, and is the API the main window uses.

Zoom is measured in *physical* (device) pixels: at 100% one image pixel covers exactly one screen
pixel, also on a high-DPI display (devicePixelRatio 2 shows a photo at half its logical size but
pixel-exact). Image positions are snapped to whole device pixels, and magnified images are drawn
nearest-neighbour from 2x on, so pixels stay crisp when inspecting detail; reduced images are
resampled with an area filter (cached per zoom level), so a 24 MP photo fitted to a window is
neither aliased nor slow to repaint while panning.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QImage, QKeyEvent, QMouseEvent, QPainter,
                           QPaintEvent, QPen, QPolygonF, QResizeEvent, QWheelEvent)
from PySide6.QtWidgets import QSizePolicy, QWidget

from .settings import VIEW_MODES

__all__ = ["ViewState", "ImagePane", "PhotoViewer", "MIN_ZOOM", "MAX_ZOOM", "ZOOM_STEP"]

MIN_ZOOM = 0.02
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25
NEAREST_FROM_ZOOM = 2.0  # at and above this magnification pixels are drawn as crisp squares
MIPMAP_BELOW_ZOOM = 0.5  # below this, draw from a halved copy (bilinear alone would alias)
DIVIDER_GRAB_PX = 6  # how close (logical px) a press must be to the divider to drag it
PANE_GAP = 2  # logical px between panes

BACKGROUND = QColor("#202124")  # dark neutral: colours are judged against gray, not the theme
GAP_COLOUR = QColor("#111214")
PLACEHOLDER = QColor("#2a2b2f")
HINT_COLOUR = QColor("#bdc1c6")
HINT_FRAME = QColor("#5f6368")
CAPTION_BG = QColor(0, 0, 0, 150)
CAPTION_FG = QColor(255, 255, 255, 235)

EMPTY_HINT = "Drop photos here or use File > Open"
BUSY_TEXT = "Colourising\u2026"


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


class ViewState(QObject):
    """Zoom and pan of one viewer, shared by all its panes.

    The pan is stored as `center`, the image point (in image pixels) shown at the centre of a
    pane, rather than as a pixel offset: then resizing the window, or showing panes of another
    size, keeps the same part of the photo in view. `fit` is true until the user zooms, so the
    photo keeps fitting the window as it is resized.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._zoom = 1.0
        self._center = QPointF(0.0, 0.0)
        self._fit = True
        self._image_size = QSize()
        self._viewport = QSizeF(1.0, 1.0)  # one pane, physical pixels

    # --- reading ------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self._zoom

    def center(self) -> QPointF:
        return QPointF(self._center)

    def is_fit(self) -> bool:
        return self._fit

    def image_size(self) -> QSize:
        return QSize(self._image_size)

    def viewport(self) -> QSizeF:
        return QSizeF(self._viewport)

    def fit_zoom(self) -> float:
        """The zoom at which the whole image fits one pane (it may enlarge a small photo)."""
        if self._image_size.isEmpty() or self._viewport.isEmpty():
            return 1.0
        return _clamp(min(self._viewport.width() / self._image_size.width(),
                          self._viewport.height() / self._image_size.height()), MIN_ZOOM, MAX_ZOOM)

    def top_left(self, view_size: QSizeF) -> QPointF:
        """Where image pixel (0, 0) lands in a pane of `view_size` physical pixels, snapped to a
        whole device pixel so that magnified pixels have sharp, even edges."""
        return QPointF(round(view_size.width() / 2 - self._center.x() * self._zoom),
                       round(view_size.height() / 2 - self._center.y() * self._zoom))

    # --- changing -----------------------------------------------------------------------------

    def set_image_size(self, size: QSize) -> None:
        """A photo of another size starts fitted; one of the same size keeps zoom and pan, so
        stepping through a batch compares the same detail."""
        if size == self._image_size:
            return
        self._image_size = QSize(size)
        self._fit = True
        self._apply(self._zoom, self._center)

    def set_viewport(self, size: QSizeF) -> None:
        if size == self._viewport:
            return
        self._viewport = QSizeF(max(1.0, size.width()), max(1.0, size.height()))
        self._apply(self._zoom, self._center)

    def fit(self) -> None:
        self._fit = True
        self._apply(self._zoom, self._center)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom so that the image point under `anchor` stays put. `anchor` is measured in
        physical pixels from the pane centre; None zooms about the centre."""
        zoom = _clamp(float(zoom), MIN_ZOOM, MAX_ZOOM)
        a = anchor if anchor is not None else QPointF(0.0, 0.0)
        under = self._center + a / self._zoom
        self._fit = False
        self._apply(zoom, under - a / zoom)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) physical pixels, as a drag does."""
        self._apply(self._zoom, self._center - QPointF(dx, dy) / self._zoom, keep_fit=True)

    def _apply(self, zoom: float, center: QPointF, keep_fit: bool = False) -> None:
        if self._fit:
            zoom = self.fit_zoom()
        center = self._clamped(zoom, center)
        if keep_fit and self._fit and center != self._center:
            self._fit = False
        if zoom == self._zoom and center == self._center:
            return
        self._zoom, self._center = zoom, center
        self.changed.emit()

    def _clamped(self, zoom: float, center: QPointF) -> QPointF:
        """An image smaller than the pane stays centred on that axis; a larger one can be panned
        until its edge meets the pane's edge, never further (no panning into the void)."""
        if self._image_size.isEmpty():
            return QPointF(0.0, 0.0)

        def axis(c: float, image_len: float, view_len: float) -> float:
            if image_len * zoom <= view_len:
                return image_len / 2
            half = view_len / 2 / zoom
            return _clamp(c, half, image_len - half)

        return QPointF(axis(center.x(), self._image_size.width(), self._viewport.width()),
                       axis(center.y(), self._image_size.height(), self._viewport.height()))


class ImagePane(QWidget):
    """One pane: paints an image from the shared `ViewState`, with an optional caption, a busy
    or placeholder text, and in split mode a second image right of a draggable divider.

    Mouse: wheel zooms about the cursor, left-drag pans (or moves the divider when pressed within
    a few pixels of it), double-click toggles fit / 100% (on the divider: centres it). The pane
    never takes keyboard focus; a click passes focus to the `PhotoViewer`, which handles keys.
    """

    dividerMoved = Signal(float)  # the user dragged the divider to this fraction of the width

    def __init__(self, state: ViewState, parent: QWidget | None = None):
        super().__init__(parent)
        self._state = state
        self._image: QImage | None = None
        self._after: QImage | None = None  # split mode: shown right of the divider
        self._split = False
        self._divider = 0.5
        self._caption: str | None = None
        self._overlay: str | None = None
        self._hint: str | None = None
        self._drag: str | None = None  # None, "pan" or "divider"
        self._last_pos = QPointF()
        self._pyramids: dict[int, list[QImage]] = {}  # cacheKey -> [image, 1/2, 1/4, ...]
        self.setMouseTracking(True)  # hover feedback: split cursor near the divider
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        state.changed.connect(self._on_state_changed)

    # --- content (set by PhotoViewer) ---------------------------------------------------------

    def set_content(self, image: QImage | None, *, caption: str | None = None,
                    overlay: str | None = None, hint: str | None = None,
                    split_after: QImage | None = None, split: bool = False) -> None:
        """Everything the pane shows, at once, so no half-configured state is ever painted."""
        self._image = image if image is not None and not image.isNull() else None
        self._after = split_after if split_after is not None and not split_after.isNull() else None
        self._split = bool(split and self._image is not None and self._after is not None)
        self._caption, self._overlay, self._hint = caption, overlay, hint
        live = {img.cacheKey() for img in (self._image, self._after) if img is not None}
        self._pyramids = {k: v for k, v in self._pyramids.items() if k in live}
        self.update()

    def set_divider(self, fraction: float) -> None:
        self._divider = fraction
        self.update()

    # --- reading (tests and the viewer) -------------------------------------------------------

    def image(self) -> QImage | None:
        return self._image

    def split_image(self) -> QImage | None:
        """The 'after' image right of the divider, or None when the pane is not split."""
        return self._after if self._split else None

    def caption(self) -> str | None:
        return self._caption

    def overlay_text(self) -> str | None:
        return self._overlay

    def state(self) -> ViewState:
        return self._state

    def zoom(self) -> float:
        return self._state.zoom()

    def offset(self) -> QPointF:
        """Where the image's top-left corner is, in this pane's logical coordinates."""
        dpr = self.devicePixelRatioF()
        return self._state.top_left(self._physical_size()) / dpr

    def divider_x(self) -> float:
        """The divider's x in logical coordinates, on a whole device pixel."""
        dpr = self.devicePixelRatioF()
        return round(self._divider * self.width() * dpr) / dpr

    # --- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        if self._image is not None:
            if self._split:
                x = self.divider_x()
                p.save()
                p.setClipRect(QRectF(0, 0, x, self.height()))
                self._draw_image(p, self._image)
                p.setClipRect(QRectF(x, 0, self.width() - x, self.height()))
                self._draw_image(p, self._after)
                p.restore()
                self._draw_split_decorations(p, x)
            else:
                self._draw_image(p, self._image)
        elif not self._state.image_size().isEmpty():
            p.fillRect(self._visible_image_rect(), PLACEHOLDER)  # where the result will appear
        if self._caption and not self._split:
            self._draw_caption(p, self._caption, Qt.AlignmentFlag.AlignLeft)
        if self._overlay:
            self._draw_overlay(p, self._overlay, centred=self._image is None)
        if self._hint and self._image is None:
            self._draw_hint(p, self._hint)
        p.end()

    def _physical_size(self) -> QSizeF:
        dpr = self.devicePixelRatioF()
        return QSizeF(self.width() * dpr, self.height() * dpr)

    def _draw_image(self, p: QPainter, img: QImage) -> None:
        """Draw `img` where the state puts the reference image (the viewer's photo size), so a
        split pane's two images line up even if their sizes differ by a rounding.

        Only the visible part is resampled (at 32x a whole 12 MP photo would be enormous). When
        reducing, the source is the mipmap level at most 2x larger than the screen, so bilinear
        filtering does not alias and no zoom step rescales the full photo."""
        ref = self._state.image_size()
        if ref.isEmpty():
            ref = img.size()
        dpr = self.devicePixelRatioF()
        zoom = self._state.zoom()
        tl = self._state.top_left(self._physical_size())
        phys = self._physical_size()
        x0 = max(0, math.floor(-tl.x() / zoom))
        y0 = max(0, math.floor(-tl.y() / zoom))
        x1 = min(ref.width(), math.ceil((phys.width() - tl.x()) / zoom))
        y1 = min(ref.height(), math.ceil((phys.height() - tl.y()) / zoom))
        if x1 <= x0 or y1 <= y0:
            return
        src = self._mipmap(img, zoom)
        target = QRectF((tl.x() + x0 * zoom) / dpr, (tl.y() + y0 * zoom) / dpr,
                        (x1 - x0) * zoom / dpr, (y1 - y0) * zoom / dpr)
        sx, sy = src.width() / ref.width(), src.height() / ref.height()
        source = QRectF(x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, zoom < NEAREST_FROM_ZOOM)
        p.drawImage(target, src, source)

    def _mipmap(self, img: QImage, zoom: float) -> QImage:
        """`img` halved k times (area-filtered, built on demand and kept per image) so that
        zoom * 2**k is in [0.5, 1); the image itself from zoom 0.5 up."""
        levels = self._pyramids.get(img.cacheKey())
        if levels is None:  # workers attach the levels they made (qimage.photo_qimage); else built here
            levels = self._pyramids[img.cacheKey()] = [img, *getattr(img, "half_sizes", ())]
        k = max(0, math.floor(-math.log2(zoom))) if zoom < MIPMAP_BELOW_ZOOM else 0
        while len(levels) <= k:
            last = levels[-1]
            if last.width() <= 1 and last.height() <= 1:
                break
            levels.append(last.scaled(max(1, (last.width() + 1) // 2), max(1, (last.height() + 1) // 2),
                                      Qt.AspectRatioMode.IgnoreAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation))
        return levels[min(k, len(levels) - 1)]

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        font.setWeight(QFont.Weight.DemiBold)
        return font

    def _pill(self, p: QPainter, text: str, rect: QRectF, font: QFont) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(CAPTION_BG)
        p.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        p.setFont(font)
        p.setPen(CAPTION_FG)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _pill_rect(self, text: str, font: QFont) -> QRectF:
        fm = QFontMetricsF(font)
        return QRectF(0, 0, fm.horizontalAdvance(text) + 2 * fm.height() * 0.6, fm.height() * 1.5)

    def _visible_image_rect(self) -> QRectF:
        """The part of the pane the photo covers, or would cover while its result is pending (the
        whole pane with no photo), so captions and the divider sit on the photo, not in the
        letterbox bars around it."""
        size = self._state.image_size()
        if size.isEmpty():
            return QRectF(self.rect())
        dpr, zoom = self.devicePixelRatioF(), self._state.zoom()
        tl = self._state.top_left(self._physical_size()) / dpr
        image_rect = QRectF(tl, QSizeF(size.width() * zoom / dpr, size.height() * zoom / dpr))
        visible = image_rect.intersected(QRectF(self.rect()))
        return visible if not visible.isEmpty() else QRectF(self.rect())

    def _draw_caption(self, p: QPainter, text: str, side: Qt.AlignmentFlag) -> None:
        font = self._small_font()
        rect = self._pill_rect(text, font)
        area = self._visible_image_rect()
        if area.width() < rect.width() + 16 or area.height() < rect.height() + 16:
            area = QRectF(self.rect())
        margin = 8
        x = (area.left() + margin if side == Qt.AlignmentFlag.AlignLeft
             else area.right() - margin - rect.width())
        rect.moveTo(x, area.top() + margin)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._pill(p, text, rect, font)

    def _draw_overlay(self, p: QPainter, text: str, centred: bool) -> None:
        """Busy text: centred in an empty pane, a discreet pill near the bottom over an image."""
        font = self._small_font()
        if centred:
            font.setPointSizeF(font.pointSizeF() * 1.25)
        rect = self._pill_rect(text, font)
        area = QRectF(self.rect()) if centred else self._visible_image_rect()
        y = area.center().y() - rect.height() / 2 if centred else area.bottom() - rect.height() - 16
        rect.moveTo(area.center().x() - rect.width() / 2, max(area.top(), y))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._pill(p, text, rect, font)

    def _draw_hint(self, p: QPainter, text: str) -> None:
        """The empty state: a dashed drop zone with the hint, so the first step is obvious."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        frame = QRectF(self.rect()).adjusted(24, 24, -24, -24)
        if frame.width() > 80 and frame.height() > 60:
            pen = QPen(HINT_FRAME, 2, Qt.PenStyle.DashLine)
            pen.setDashPattern([6, 4])
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(frame, 12, 12)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        p.setFont(font)
        p.setPen(HINT_COLOUR)
        p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)

    def _draw_split_decorations(self, p: QPainter, x: float) -> None:
        """Captions clipped to their own side (they slide under the divider), then the divider:
        a white line with a dark edge, visible on any photo, and a round handle in the theme's
        highlight colour with two arrows that say 'drag me sideways'."""
        h = self.height()
        p.save()
        p.setClipRect(QRectF(0, 0, x, h))
        self._draw_caption(p, "Before", Qt.AlignmentFlag.AlignLeft)
        p.setClipRect(QRectF(x, 0, self.width() - x, h))
        self._draw_caption(p, "After", Qt.AlignmentFlag.AlignRight)
        p.restore()

        area = self._visible_image_rect()
        top, bottom = area.top(), area.bottom()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 0, 0, 110), 4))
        p.drawLine(QPointF(x, top), QPointF(x, bottom))
        p.setPen(QPen(QColor(255, 255, 255, 230), 2))
        p.drawLine(QPointF(x, top), QPointF(x, bottom))

        r = 14.0
        cy = area.center().y()
        p.setPen(QPen(QColor(255, 255, 255, 240), 2))
        p.setBrush(self.palette().highlight())
        p.drawEllipse(QPointF(x, cy), r, r)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255))
        for sign in (-1, 1):
            tip = x + sign * 8.5
            p.drawPolygon(QPolygonF([QPointF(tip, cy), QPointF(tip - sign * 5, cy - 5),
                                     QPointF(tip - sign * 5, cy + 5)]))

    # --- interaction --------------------------------------------------------------------------

    def _near_divider(self, pos: QPointF) -> bool:
        return self._split and abs(pos.x() - self.divider_x()) <= DIVIDER_GRAB_PX

    def _centre_anchor(self, pos: QPointF) -> QPointF:
        """A logical position in the pane as a physical offset from its centre (ViewState units)."""
        dpr = self.devicePixelRatioF()
        return QPointF((pos.x() - self.width() / 2) * dpr, (pos.y() - self.height() / 2) * dpr)

    def _pannable(self) -> bool:
        size, zoom, view = self._state.image_size(), self._state.zoom(), self._physical_size()
        return (self._image is not None and not size.isEmpty()
                and (size.width() * zoom > view.width() + 0.5 or size.height() * zoom > view.height() + 0.5))

    def _update_cursor(self, pos: QPointF) -> None:
        if self._drag == "divider" or (self._drag is None and self._near_divider(pos)):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        elif self._drag == "pan":
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._pannable():
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()

    def _divider_from_x(self, x: float) -> None:
        if self.width() > 0:
            self.dividerMoved.emit(_clamp(x / self.width(), 0.0, 1.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        self._drag = "divider" if self._near_divider(pos) else "pan"
        self._last_pos = pos
        self._update_cursor(pos)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag == "divider":
            self._divider_from_x(pos.x())
        elif self._drag == "pan":
            delta = (pos - self._last_pos) * self.devicePixelRatioF()
            self._last_pos = pos
            self._state.pan_by(delta.x(), delta.y())
        self._update_cursor(pos)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        if self._drag == "divider":
            self._divider_from_x(event.position().x())
        self._drag = None
        self._update_cursor(event.position())
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseDoubleClickEvent(event)
        pos = event.position()
        if self._near_divider(pos):
            self.dividerMoved.emit(0.5)
        elif self._state.is_fit() or math.isclose(self._state.zoom(), self._state.fit_zoom()):
            self._state.set_zoom(1.0, self._centre_anchor(pos))
        else:
            self._state.fit()
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0  # fractional on smooth-scrolling touchpads
        if steps == 0 or self._state.image_size().isEmpty():
            return super().wheelEvent(event)
        self._state.set_zoom(self._state.zoom() * ZOOM_STEP ** steps,
                             self._centre_anchor(event.position()))
        event.accept()

    def leaveEvent(self, event: QEvent) -> None:
        if self._drag is None:
            self.unsetCursor()
        super().leaveEvent(event)

    def _on_state_changed(self) -> None:
        self.update()


class PhotoViewer(QWidget):
    """Shows one photo in three modes: 'split' (before/after with a draggable vertical divider:
    grayscale left of it, colour right), 'side_by_side' (grayscale | colour, two panes whose zoom
    and pan stay in step), 'compare' (one pane per model result, e.g. regression | classification
    | gan, in step too).

    Zoom 1.0 (100%) means one image pixel per *physical* screen pixel, also on high-DPI screens,
    so "actual size" really is pixel-exact; `zoom()` and `zoomChanged` use that unit.

    The divider is a fraction of the pane's width (not of the image), so it stays on screen
    whatever the zoom and pan. Keys when the viewer has focus (split mode): Left/Right move it by
    2% (with Shift 10%), Home/End send it to the edges.

    Several panes are laid out in the grid (a row, a column, ...) that shows the photo largest,
    so a portrait photo is compared side by side and a panorama one above the other.

    With no photo at all the viewer shows a single pane with a drop hint, whatever the mode.
    Comparison images are not cleared by `set_images`: the caller owns both and sets both.
    """

    modeChanged = Signal(str)
    dividerChanged = Signal(float)
    zoomChanged = Signal(float)

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
        self._compare: dict[str, QImage | None] = {}
        self._pool: list[ImagePane] = []
        self._visible = 0
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

    def set_images(self, before: QImage | None, after: QImage | None) -> None:
        """`after` None means "still colourising": the grayscale is shown with a busy text."""
        self._before = before if before is not None and not before.isNull() else None
        self._after = after if after is not None and not after.isNull() else None
        self._busy = BUSY_TEXT if self._before is not None and self._after is None else None
        self._refresh()

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
            return [dict(image=None, hint=EMPTY_HINT)]
        if self._mode == "side_by_side":
            return [dict(image=before, caption="Original"),
                    dict(image=after, caption="Colour", overlay=None if after is not None else self._busy)]
        if self._mode == "compare":  # nothing to compare yet: the photo itself
            return [dict(image=before if before is not None else after,
                         caption="Original" if before is not None else "Colour",
                         overlay=self._busy if after is None else None)]
        if before is not None and after is not None:
            return [dict(image=before, split_after=after, split=True)]
        return [dict(image=before if before is not None else after,
                     overlay=self._busy if after is None else None)]

    def _reference_size(self) -> QSize:
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
            self._pool.append(pane)
        for pane, kwargs in zip(self._pool, contents):
            pane.set_content(**kwargs)
        for pane in self._pool[len(contents):]:
            pane.set_content(None)
            pane.hide()
        self._visible = len(contents)
        self._state.set_image_size(self._reference_size())
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
