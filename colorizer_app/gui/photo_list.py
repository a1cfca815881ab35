"""The work list: the session's photos, each with a thumbnail and a state, as a Qt model and view."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate

from ..session.photos import Photo, Session, State
from .qimage import numpy_to_qimage

STATE_COLOURS = {
    State.LOADING: "#8a8a8a",
    State.WAITING: "#8a8a8a",
    State.RUNNING: "#2f7fd8",
    State.DONE: "#2e9d49",
    State.FAILED: "#d23b3b",
}


def without_last_parenthesis(text: str) -> str:
    """"not a supported image file (JPEG, PNG, …)" -> "not a supported image file"."""
    head = re.sub(r"\s*\([^()]*\)$", "", text)
    return head if head and not head.endswith(":") else text


class PhotoListModel(QAbstractListModel):
    """The session's photos as a Qt list model: it observes the session and holds no state."""

    PhotoRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self._rows: dict[int, int] | None = None  # photo id -> row, rebuilt after removals
        self._icons: dict[int, QPixmap] = {}  # photo id -> its thumbnail, made on the GUI thread
        self._model_titles: dict[str, str] = {}  # model path -> the name shown in the picker
        session.subscribe(self)

    @property
    def photos(self) -> list[Photo]:
        return self.session.photos

    # --- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.session.photos)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        photos = self.session.photos
        if not index.isValid() or not 0 <= index.row() < len(photos):
            return None
        photo = photos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return photo.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.icon(photo)
        if role == Qt.ItemDataRole.ToolTipRole:
            size = f"{photo.size[0]} x {photo.size[1]} px, " if photo.size else ""
            colour = "colour original, " if photo.is_colour else ""
            return f"{photo.name}\n{photo.path.parent}\n{size}{colour}{self.status_text(photo)}"
        if role == self.PhotoRole:
            return photo
        return None

    def set_model_titles(self, titles: dict[str, str]) -> None:
        """Model file -> the name the person knows it by (the list says which coloured each photo)."""
        self._model_titles = dict(titles)
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))

    def model_title(self, model: str) -> str:
        return self._model_titles.get(str(model)) or Path(model).stem

    def status_text(self, photo: Photo, short: bool = False) -> str:
        """The full line (tooltip), or the `short` one the list shows, so that it fits beside the
        thumbnail: the model's name without its parenthesis, no time, and why a photo failed
        without the parenthesis that goes into detail (such as the list of formats)."""
        if not short:
            return photo.status_text(self.model_title)
        text = photo.status_text(lambda m: self.model_title(m).split(" (")[0], timed=False)
        return without_last_parenthesis(text) if photo.state is State.FAILED else text

    def icon(self, photo: Photo) -> QPixmap | None:
        image = photo.result_thumbnail if photo.result_thumbnail is not None else photo.thumbnail
        if image is None:
            return None
        pixmap = self._icons.get(photo.id)
        if pixmap is None:
            pixmap = self._icons[photo.id] = QPixmap.fromImage(numpy_to_qimage(image))
        return pixmap

    def row_of(self, photo: Photo) -> int:
        if self._rows is None:
            self._rows = {p.id: i for i, p in enumerate(self.session.photos)}
        return self._rows.get(photo.id, -1)

    # --- the session's news ------------------------------------------------------------------

    def photos_added(self, first: int, photos: list[Photo]) -> None:
        self.beginInsertRows(QModelIndex(), first, first + len(photos) - 1)
        self._rows = None
        self.endInsertRows()

    def photos_removed(self, photos: list[Photo]) -> None:
        """Called before the session drops them: one reset for many rows, row by row for a few."""
        for photo in photos:
            self._icons.pop(photo.id, None)
        if len(photos) > 8:
            self.beginResetModel()
            gone = {p.id for p in photos}
            self.session.photos = [p for p in self.session.photos if p.id not in gone]
            self._rows = None
            self.endResetModel()
            return
        for photo in photos:
            row = self.row_of(photo)
            if row >= 0:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.session.photos[row]
                self._rows = None
                self.endRemoveRows()

    def photo_changed(self, photo: Photo) -> None:
        self._icons.pop(photo.id, None)  # its thumbnail may be new
        row = self.row_of(photo)
        if row >= 0:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)


def fit_lines(fm: QFontMetrics, pieces: list[str], sep: str, width: int, max_lines: int) -> list[str]:
    """`pieces` joined by `sep` in at most `max_lines` lines of `width` pixels, broken only between
    pieces; the last line ends in … where the text goes on (the tooltip has all of it)."""
    pieces = [p for p in pieces if p]
    lines: list[str] = []
    while pieces and len(lines) < max(1, max_lines):
        line = pieces.pop(0)
        while pieces and fm.horizontalAdvance(line + sep + pieces[0]) <= width:
            line += sep + pieces.pop(0)
        lines.append(line)
    if pieces:
        lines[-1] = sep.join([lines[-1], *pieces])
    return [fm.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]


class PhotoDelegate(QStyledItemDelegate):
    """Thumbnail on the left, the name, a coloured state line and the size on the right; in a
    narrow list (a small window) the name and state go under the thumbnail, where they have room.
    Rows are as tall as their lines, so that no line is cut off at the bottom."""

    ICON = 64
    PAD = 6
    GAP = 8  # between the thumbnail and the text
    SPACING = 2  # between lines
    LINES = 4  # beside the thumbnail: name, state (two lines when it says why a photo failed), size
    STACKED_LINES = 3  # under the thumbnail: name and state, the size if there is room
    MIN_TEXT_WIDTH = 100  # less room than this beside the thumbnail: the text goes under it

    def stacked(self, view) -> bool:
        """Text under the thumbnail? Judged as if the scroll bar were there, so that showing it
        cannot switch the layout back and forth."""
        if view is None:
            return False
        width = view.width() - 2 * view.frameWidth() - view.verticalScrollBar().sizeHint().width()
        return width - 2 * self.PAD - self.ICON - self.GAP < self.MIN_TEXT_WIDTH

    def line_count(self, stacked: bool) -> int:
        return self.STACKED_LINES if stacked else self.LINES

    def text_height(self, fm: QFontMetrics, lines: int) -> int:
        return lines * fm.height() + (lines - 1) * self.SPACING

    def sizeHint(self, option, index) -> QSize:
        stacked = self.stacked(option.widget or self.parent())
        text = self.text_height(QFontMetrics(option.font), self.line_count(stacked))
        height = self.ICON + self.GAP // 2 + text if stacked else max(self.ICON, text)
        return QSize(120, height + 2 * self.PAD)  # as wide as the list: no side scrolling

    def icon_rect(self, rect: QRect) -> QRect:
        return QRect(rect.left() + self.PAD, rect.top() + self.PAD, self.ICON, self.ICON)

    def text_rect(self, rect: QRect, stacked: bool) -> QRect:
        """Where the lines go in an item's `rect`."""
        icon = self.icon_rect(rect)
        bottom_right = QPoint(rect.right() - self.PAD, rect.bottom() - self.PAD)
        if stacked:
            return QRect(QPoint(icon.left(), icon.bottom() + 1 + self.GAP // 2), bottom_right)
        return QRect(QPoint(icon.right() + 1 + self.GAP, icon.top()), bottom_right)

    def text_lines(self, photo: Photo, status: str, font: QFont, width: int, count: int) -> list[tuple[str, str]]:
        """(kind, text) of the lines that fit in `count` lines of `width` pixels: the name, the
        state (wrapped), then the size and whether it is a colour original as far as room is left."""
        bold = QFont(font)
        bold.setBold(True)
        fm = QFontMetrics(font)
        lines = [("name", QFontMetrics(bold).elidedText(photo.name, Qt.TextElideMode.ElideRight, width))]
        lines += [("status", t) for t in fit_lines(fm, status.split(), " ", width, count - 1)]
        if photo.size and photo.state is not State.FAILED and len(lines) < count:
            detail = [f"{photo.size[0]} × {photo.size[1]}", "colour original" if photo.is_colour else ""]
            lines += [("detail", t) for t in fit_lines(fm, detail, "  ·  ", width, count - len(lines))]
        return lines

    def paint(self, painter, option, index) -> None:
        photo: Photo = index.data(PhotoListModel.PhotoRole)
        if photo is None:
            return super().paint(painter, option, index)
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        r: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        icon_rect = self.icon_rect(r)
        stacked = self.stacked(option.widget or self.parent())
        pix = index.data(Qt.ItemDataRole.DecorationRole)
        if pix is not None and not pix.isNull():
            scaled = pix.size().scaled(icon_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(icon_rect.center())
            if stacked:  # on the name, not nearer the row above
                target.moveBottom(icon_rect.bottom())
            painter.drawPixmap(target, pix)
        else:
            painter.fillRect(icon_rect, QColor("#3a3a3a"))
        area = self.text_rect(r, stacked)
        status = index.model().status_text(photo, short=True)
        lines = self.text_lines(photo, status, option.font, area.width(), self.line_count(stacked))
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        pens = {
            "name": option.palette.color(text_role),
            "status": option.palette.color(text_role) if selected else QColor(STATE_COLOURS[photo.state]),
            "detail": option.palette.color(text_role if selected else QPalette.ColorRole.PlaceholderText),
        }
        bold = QFont(option.font)
        bold.setBold(True)
        step = QFontMetrics(option.font).height() + self.SPACING
        for i, (kind, text) in enumerate(lines):
            painter.setFont(bold if kind == "name" else option.font)
            painter.setPen(pens[kind])
            line = QRect(area.left(), area.top() + i * step, area.width(), step)
            painter.drawText(line, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), text)
        painter.restore()


class PhotoListView(QListView):
    """The list widget; emits the photo that became current (or None)."""

    currentPhotoChanged = Signal(object)

    def __init__(self, model: PhotoListModel, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(PhotoDelegate(self))
        self._stacked = False  # the delegate's layout the rows were sized for
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMinimumWidth(200)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.selectionModel().currentChanged.connect(self._current_changed)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        stacked = self.itemDelegate().stacked(self)
        if stacked != self._stacked:  # the text moved under the thumbnails or back: new row heights
            self._stacked = stacked
            self.scheduleDelayedItemsLayout()

    def photo_model(self) -> PhotoListModel:
        return self.model()  # type: ignore[return-value]

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.currentPhotoChanged.emit(current.data(PhotoListModel.PhotoRole) if current.isValid() else None)

    def current_photo(self) -> Photo | None:
        idx = self.currentIndex()
        return idx.data(PhotoListModel.PhotoRole) if idx.isValid() else None

    def selected_photos(self) -> list[Photo]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        photos = self.photo_model().photos
        return [photos[r] for r in rows if 0 <= r < len(photos)]

    def set_current_photo(self, photo: Photo) -> None:
        row = self.photo_model().row_of(photo)
        if row >= 0:
            self.setCurrentIndex(self.photo_model().index(row))

    def step(self, delta: int) -> None:
        n = self.photo_model().rowCount()
        if n == 0:
            return
        row = self.currentIndex().row()
        row = 0 if row < 0 else max(0, min(n - 1, row + delta))
        self.setCurrentIndex(self.photo_model().index(row))
