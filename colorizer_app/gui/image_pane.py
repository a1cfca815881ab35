"""`ImagePane`: one pane of the viewer. It paints an image (or, in split mode, two images cut at
a divider) from the shared `ViewState` and turns mouse input into state changes.

Images are drawn where the photo is, whatever their own resolution: a screen-resolution preview
and the full photo land on the same place. Positions are snapped to whole device pixels, and
magnified images are drawn nearest-neighbour from 2x on, so pixels stay crisp when inspecting
detail; reduced images are resampled from an area-filtered half-size level (cached per image), so
a large photo fitted to a window is neither aliased nor slow to repaint while panning.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QImage, QMouseEvent, QPainter, QPaintEvent,
                           QPen, QPolygonF, QWheelEvent)
from PySide6.QtWidgets import QWidget

from .view_state import ZOOM_STEP, ViewState, _clamp

NEAREST_FROM_ZOOM = 2.0  # at and above this magnification pixels are drawn as crisp squares
MIPMAP_BELOW_ZOOM = 0.5  # below this, draw from a halved copy (bilinear alone would alias)
DIVIDER_GRAB_PX = 6  # how close (logical px) a press must be to the divider to drag it
PANE_GAP = 2  # logical px between panes

BACKGROUND = QColor("#202124")  # dark neutral: colours are judged against gray, not the theme
PLACEHOLDER = QColor("#2a2b2f")
HINT_COLOUR = QColor("#bdc1c6")
HINT_FRAME = QColor("#5f6368")
CAPTION_BG = QColor(0, 0, 0, 150)
CAPTION_FG = QColor(255, 255, 255, 235)

MARKER_RADIUS = 6.5  # logical px: a colour hint's marker (filled with its colour, light and dark ring)
MARKER_GRAB_PX = 11  # how close a press must be to a marker to pick it up
CLICK_SLOP_PX = 4  # a press that moves less than this before its release is a click, not a pan

EMPTY_HINT = "Drop photos here or use File > Open"
BUSY_TEXT = "Colourising\u2026"
SPLIT_CAPTIONS = ("Before", "After")


class ImagePane(QWidget):
    """One pane: paints an image from the shared `ViewState`, with an optional caption, a busy
    or placeholder text, and in split mode a second image right of a draggable divider.

    Mouse: wheel zooms about the cursor, left-drag pans (or moves the divider when pressed within
    a few pixels of it), double-click toggles fit / 100% (on the divider: centres it). The pane
    never takes keyboard focus; a click passes focus to the `PhotoViewer`, which handles keys.
    """

    dividerMoved = Signal(float)  # the user dragged the divider to this fraction of the photo's visible width
    # colour hints (only in hint mode, on a pane that shows colour): positions are fractions of the photo
    hintClicked = Signal(float, float, QPoint)  # a click on the photo off any marker (global position)
    markerClicked = Signal(int, QPoint)  # a click on marker i, without dragging it
    markerMoved = Signal(int, float, float)  # marker i dragged and released here
    # the damage brush (only in brush mode): a stroke's points as fractions of the photo, its
    # radius as a share of the photo's long side, and whether it erases
    brushStroke = Signal(list, float, bool)

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
        self._drag: str | None = None  # None, "pan", "divider" or "marker"
        self._last_pos = QPointF()
        self._press_pos = QPointF()
        self._moved = False  # the press has moved past CLICK_SLOP_PX
        self._markers: list[tuple[float, float, QColor]] = []  # colour hints: (x, y, colour)
        self._selected: int | None = None
        self._marker_side: str | None = None  # None (no markers here), "all", or "after" (split pane)
        self._hint_mode = False
        self._drag_marker: int | None = None
        self._drag_to: tuple[float, float] | None = None
        self._pending: tuple[float, float] | None = None
        self._pyramids: dict[int, list[QImage]] = {}  # cacheKey -> [image, 1/2, 1/4, ...]
        self._split_captions = SPLIT_CAPTIONS
        self._shade: QImage | None = None  # drawn over the colour: dims where a reference photo was not used
        self._shade_side: str | None = None  # like the markers': "all", "after" (split) or None
        self._shade_legend: str | None = None
        self._brush: float | None = None  # brush mode: the brush's radius in logical px
        self._brush_erase = False
        self._stroke: list[tuple[float, float]] = []  # the stroke being painted
        self._hover: QPointF | None = None  # where the brush outline is drawn
        self.setMouseTracking(True)  # hover feedback: split cursor near the divider
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        state.changed.connect(self._on_state_changed)

    # --- content (set by PhotoViewer) ---------------------------------------------------------

    def set_content(self, image: QImage | None, *, caption: str | None = None,
                    overlay: str | None = None, hint: str | None = None,
                    split_after: QImage | None = None, split: bool = False,
                    split_captions: tuple[str, str] = SPLIT_CAPTIONS) -> None:
        """Everything the pane shows, at once, so no half-configured state is ever painted.
        `split_captions`: the captions left and right of the divider."""
        self._image = image if image is not None and not image.isNull() else None
        self._after = split_after if split_after is not None and not split_after.isNull() else None
        self._split = bool(split and self._image is not None and self._after is not None)
        self._caption, self._overlay, self._hint = caption, overlay, hint
        self._split_captions = tuple(split_captions)
        self._prune_pyramids()
        self.update()

    def set_shade(self, shade: QImage | None, side: str | None, legend: str | None = None) -> None:
        """A translucent image drawn over where this pane shows colour (`side` as for the
        markers: "all", "after" right of the split divider, None: nowhere), e.g. dimming the parts
        a reference photo's colours did not go to; `legend` says in a pill what it means."""
        self._shade = shade if shade is not None and not shade.isNull() else None
        self._shade_side = side if self._shade is not None else None
        self._shade_legend = legend if self._shade_side is not None else None
        self._prune_pyramids()
        self.update()

    def shade(self) -> QImage | None:
        """The shade drawn over this pane's colour, or None."""
        return self._shade if self._shade_side is not None and self._image is not None else None

    def _prune_pyramids(self) -> None:
        live = {img.cacheKey() for img in (self._image, self._after, self._shade) if img is not None}
        self._pyramids = {k: v for k, v in self._pyramids.items() if k in live}

    def set_divider(self, fraction: float) -> None:
        self._divider = fraction
        self.update()

    def set_markers(self, markers: list, selected: int | None, side: str | None, hint_mode: bool,
                    pending: tuple[float, float] | None = None) -> None:
        """Colour hints to draw, [(x, y, QColor)] as fractions of the photo; `side`: where this
        pane shows colour ("all", "after": right of the split divider, None: nowhere, so no
        markers); `hint_mode`: clicks place and drag hints; `pending`: where a hint is being placed
        (an empty ring while its colour is chosen)."""
        if self._drag == "marker" and (side is None or not hint_mode):
            self._drag, self._drag_marker, self._drag_to = None, None, None
        self._markers, self._selected = list(markers), selected
        self._marker_side, self._hint_mode = side, hint_mode
        self._pending = pending if side is not None else None
        self.update()

    def markers(self) -> list:
        return list(self._markers) if self._marker_side is not None else []

    # --- photo coordinates --------------------------------------------------------------------

    def set_brush(self, radius: float | None, erase: bool = False) -> None:
        """Brush mode (a left drag paints a stroke on the damage mask) with this radius in logical
        px, or None: the mouse pans and zooms as usual."""
        self._brush, self._brush_erase = radius, erase
        if radius is None:
            self._stroke, self._hover = [], None
            if self._drag == "brush":
                self._drag = None
        self.update()

    def brush_radius_share(self) -> float:
        """The brush's radius as a share of the photo's long side, at the current zoom."""
        size = self._state.image_size()
        if self._brush is None or size.isEmpty():
            return 0.0
        return self._brush * self.devicePixelRatioF() / self._state.zoom() / max(size.width(), size.height())

    def to_fraction(self, pos: QPointF) -> tuple[float, float] | None:
        """A logical position in the pane as fractions of the photo, or None off the photo."""
        size = self._state.image_size()
        if size.isEmpty():
            return None
        dpr, zoom = self.devicePixelRatioF(), self._state.zoom()
        tl = self.offset()
        fx = (pos.x() - tl.x()) * dpr / zoom / size.width()
        fy = (pos.y() - tl.y()) * dpr / zoom / size.height()
        return (fx, fy) if 0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0 else None

    def from_fraction(self, x: float, y: float) -> QPointF:
        """Where the photo's point (x, y) (fractions) is in this pane, logical coordinates."""
        size = self._state.image_size()
        dpr, zoom = self.devicePixelRatioF(), self._state.zoom()
        tl = self.offset()
        return QPointF(tl.x() + x * size.width() * zoom / dpr, tl.y() + y * size.height() * zoom / dpr)

    def _shows_colour_at(self, pos: QPointF) -> bool:
        if self._marker_side is None or self._image is None:
            return False
        return self._marker_side == "all" or (self._split and pos.x() >= self.divider_x())

    def marker_at(self, pos: QPointF) -> int | None:
        """The marker under `pos` (the topmost, i.e. latest, if several), or None."""
        if not self._shows_colour_at(pos) or self._state.image_size().isEmpty():
            return None
        for i in range(len(self._markers) - 1, -1, -1):
            x, y, _ = self._markers[i]
            c = self.from_fraction(x, y)
            if (c.x() - pos.x()) ** 2 + (c.y() - pos.y()) ** 2 <= MARKER_GRAB_PX ** 2:
                return i
        return None

    # --- reading (tests and the viewer) -------------------------------------------------------

    def image(self) -> QImage | None:
        return self._image

    def split_image(self) -> QImage | None:
        """The 'after' image right of the divider, or None when the pane is not split."""
        return self._after if self._split else None

    def caption(self) -> str | None:
        return self._caption

    def split_captions(self) -> tuple[str, str] | None:
        """The captions left and right of the divider, or None when the pane is not split."""
        return self._split_captions if self._split else None

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
        """The divider's x in logical coordinates, on a whole device pixel. The divider is a
        fraction of the photo's visible width, not of the pane's, so it stays on the photo
        whatever the photo's shape, the zoom and the pan."""
        area = self._visible_image_rect()
        dpr = self.devicePixelRatioF()
        return round((area.left() + self._divider * area.width()) * dpr) / dpr

    def photo_rect(self) -> QRectF:
        """Where the photo is on screen: the part of the pane it covers (the whole pane when
        there is no photo)."""
        return self._visible_image_rect()

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
                if self.shade() is not None:
                    self._draw_shade(p)
                self._draw_split_decorations(p, x)
            else:
                self._draw_image(p, self._image)
                if self.shade() is not None:
                    self._draw_shade(p)
        elif not self._state.image_size().isEmpty():
            p.fillRect(self._visible_image_rect(), PLACEHOLDER)  # where the result will appear
        if self._caption and not self._split:
            self._draw_caption(p, self._caption, Qt.AlignmentFlag.AlignLeft)
        if self._overlay:
            self._draw_overlay(p, self._overlay, centred=self._image is None)
        if self._hint and self._image is None:
            self._draw_hint(p, self._hint)
        if (self._markers or self._pending) and self._marker_side is not None and self._image is not None:
            self._draw_markers(p)
        if self._brush is not None and self._image is not None:
            self._draw_brush(p)
        p.end()

    def _draw_brush(self, p: QPainter) -> None:
        """The stroke being painted (red adds to the damage, blue erases) and the brush's outline."""
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour = QColor(80, 160, 255, 150) if self._brush_erase else QColor(255, 60, 60, 150)
        if self._stroke:
            pen = QPen(colour, 2 * self._brush, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                       Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            pts = [self.from_fraction(x, y) for x, y in self._stroke]
            if len(pts) == 1:
                p.drawPoint(pts[0])
            else:
                p.drawPolyline(QPolygonF(pts))
        if self._hover is not None:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(0, 0, 0, 160), 3))
            p.drawEllipse(self._hover, self._brush, self._brush)
            p.setPen(QPen(QColor(255, 255, 255, 230), 1.5))
            p.drawEllipse(self._hover, self._brush, self._brush)
        p.restore()

    def _shade_area(self) -> QRectF:
        """Where the shade may be drawn: the whole pane, or right of the split divider."""
        if self._shade_side == "after":
            x = self.divider_x()
            return QRectF(x, 0, max(0.0, self.width() - x), self.height())
        return QRectF(self.rect())

    def _draw_shade(self, p: QPainter) -> None:
        """The shade over the colour (scaled smoothly onto the photo like any image), and its legend
        in a pill at the bottom of the shaded part, where there is room for it."""
        area = self._shade_area()
        if area.isEmpty():
            return
        p.save()
        p.setClipRect(area)
        self._draw_image(p, self._shade)
        if self._shade_legend:
            font = self._small_font()
            rect = self._pill_rect(self._shade_legend, font)
            room = self._visible_image_rect().intersected(area)
            if room.width() >= rect.width() + 16 and room.height() >= 3 * rect.height():
                rect.moveTo(room.center().x() - rect.width() / 2, room.bottom() - rect.height() - 16)
                p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                self._pill(p, self._shade_legend, rect, font)
        p.restore()

    def _draw_markers(self, p: QPainter) -> None:
        """Each hint a small disc of its colour in a dark and a light ring (visible on any photo);
        the selected one larger, with a ring in the theme's highlight colour."""
        p.save()
        if self._marker_side == "after":
            x = self.divider_x()
            p.setClipRect(QRectF(x, 0, self.width() - x, self.height()))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for i, (x, y, colour) in enumerate(self._markers):
            if i == self._drag_marker and self._drag_to is not None:
                x, y = self._drag_to
            c = self.from_fraction(x, y)
            r = MARKER_RADIUS * (1.3 if i == self._selected else 1.0)
            if i == self._selected:
                p.setPen(QPen(self.palette().highlight().color(), 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(c, r + 4.5, r + 4.5)
            p.setPen(QPen(QColor(0, 0, 0, 200), 4))
            p.setBrush(colour)
            p.drawEllipse(c, r, r)
            p.setPen(QPen(QColor(255, 255, 255, 240), 1.6))
            p.drawEllipse(c, r, r)
        if self._pending is not None:  # a hint about to be placed: an empty ring
            c = self.from_fraction(*self._pending)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(0, 0, 0, 200), 4))
            p.drawEllipse(c, MARKER_RADIUS, MARKER_RADIUS)
            p.setPen(QPen(QColor(255, 255, 255, 240), 2))
            p.drawEllipse(c, MARKER_RADIUS, MARKER_RADIUS)
        p.restore()

    def _physical_size(self) -> QSizeF:
        dpr = self.devicePixelRatioF()
        return QSizeF(self.width() * dpr, self.height() * dpr)

    def _draw_image(self, p: QPainter, img: QImage) -> None:
        """Draw `img` where the state puts the photo (the viewer's photo size), whatever the
        resolution of `img`, so a split pane's two images line up and a screen-resolution
        preview covers exactly what the full photo would.

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
        scale = zoom * ref.width() / max(1, img.width())  # screen pixels per pixel of `img`
        src = self._mipmap(img, scale)
        target = QRectF((tl.x() + x0 * zoom) / dpr, (tl.y() + y0 * zoom) / dpr,
                        (x1 - x0) * zoom / dpr, (y1 - y0) * zoom / dpr)
        sx, sy = src.width() / ref.width(), src.height() / ref.height()
        source = QRectF(x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < NEAREST_FROM_ZOOM)
        p.drawImage(target, src, source)

    def _mipmap(self, img: QImage, zoom: float) -> QImage:
        """`img` halved k times (area-filtered, built on demand and kept per image) so that
        zoom * 2**k is in [0.5, 1); the image itself from zoom 0.5 up."""
        levels = self._pyramids.get(img.cacheKey())
        if levels is None:  # previews are at screen resolution: levels are rarely needed
            levels = self._pyramids[img.cacheKey()] = [img]
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
        if text == EMPTY_HINT and frame.width() > 80 and frame.height() > 60:  # a drop zone; not round a message
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
        before, after = self._split_captions
        p.setClipRect(QRectF(0, 0, x, h))
        self._draw_caption(p, before, Qt.AlignmentFlag.AlignLeft)
        p.setClipRect(QRectF(x, 0, self.width() - x, h))
        self._draw_caption(p, after, Qt.AlignmentFlag.AlignRight)
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
        if self._brush is not None and self.to_fraction(pos) is not None:
            self.setCursor(Qt.CursorShape.BlankCursor)  # the brush's outline is the cursor
        elif self._drag == "marker" or (self._drag is None and self._hint_mode and self.marker_at(pos) is not None):
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        elif self._drag == "divider" or (self._drag is None and self._near_divider(pos)):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        elif self._drag is None and self._hint_mode and self._shows_colour_at(pos):
            self.setCursor(Qt.CursorShape.CrossCursor)
        elif self._drag == "pan":
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._pannable():
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()

    def _divider_from_x(self, x: float) -> None:
        area = self._visible_image_rect()
        if area.width() > 0:
            self.dividerMoved.emit(_clamp((x - area.left()) / area.width(), 0.0, 1.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        if self._brush is not None and self.to_fraction(pos) is not None:
            self._drag, self._stroke = "brush", [self.to_fraction(pos)]
            self._last_pos = self._press_pos = pos
            self.update()
            event.accept()
            return
        marker = self.marker_at(pos) if self._hint_mode else None
        if marker is not None:
            self._drag, self._drag_marker, self._drag_to = "marker", marker, None
        else:
            self._drag = "divider" if self._near_divider(pos) else "pan"
        self._last_pos = self._press_pos = pos
        self._moved = False
        self._update_cursor(pos)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is not None and not self._moved:
            d = pos - self._press_pos
            self._moved = abs(d.x()) + abs(d.y()) > CLICK_SLOP_PX
        if self._brush is not None:
            self._hover = pos
            self.update()
        if self._drag == "brush":
            f = self.to_fraction(pos)
            if f is not None and f != self._stroke[-1]:
                self._stroke.append(f)
            event.accept()
            return
        if self._drag == "marker":
            if self._moved:
                f = self.to_fraction(pos)
                if f is not None:
                    self._drag_to = f
                    self.update()
        elif self._drag == "divider":
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
        pos = event.position()
        if self._drag == "brush":
            stroke, self._stroke, self._drag = self._stroke, [], None
            self.update()
            if stroke:
                self.brushStroke.emit(stroke, self.brush_radius_share(), self._brush_erase)
            event.accept()
            return
        if self._drag == "divider":
            self._divider_from_x(pos.x())
        elif self._drag == "marker":
            i, to = self._drag_marker, self._drag_to
            self._drag_marker, self._drag_to = None, None
            self._drag = None
            if self._moved and to is not None:
                self.markerMoved.emit(i, *to)
            elif not self._moved:
                self.markerClicked.emit(i, self.mapToGlobal(pos.toPoint()))
            self.update()
        elif self._drag == "pan" and self._hint_mode and not self._moved and self._shows_colour_at(pos):
            f = self.to_fraction(pos)
            if f is not None:
                self._drag = None
                self.hintClicked.emit(f[0], f[1], self.mapToGlobal(pos.toPoint()))
        self._drag = None
        self._update_cursor(pos)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseDoubleClickEvent(event)
        pos = event.position()
        if (self._hint_mode and self._shows_colour_at(pos)) or self._brush is not None:
            event.accept()  # a click places a hint or paints: a quick second one must not zoom
            return
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
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def _on_state_changed(self) -> None:
        self.update()
