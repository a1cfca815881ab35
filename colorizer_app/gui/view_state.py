"""`ViewState`: zoom and pan of one viewer, shared by all its panes, so zooming or panning one
pane moves all of them in step.

Zoom is measured in *physical* (device) pixels of the photo at its own size: at 100% one photo
pixel covers exactly one screen pixel, also on a high-DPI display, whatever the resolution of
the image a pane happens to draw (a screen-resolution preview, or the full photo).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QSize, QSizeF, Signal

MIN_ZOOM = 0.02
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25


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
