"""The work list: the session's photos, each with a thumbnail and a state, as a Qt model and view."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette, QPixmap
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
        """The full line (tooltip), or the `short` one the list shows: the model's name without
        its parenthesis and no time, so that it fits beside the thumbnail."""
        if short:
            return photo.status_text(lambda m: self.model_title(m).split(" (")[0], timed=False)
        return photo.status_text(self.model_title)

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


class PhotoDelegate(QStyledItemDelegate):
    """Thumbnail on the left, name and a coloured state line on the right."""

    ICON = 64
    PAD = 6

    def sizeHint(self, option, index) -> QSize:
        return QSize(120, self.ICON + 2 * self.PAD)  # as wide as the list: names elide, no side scrolling

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
        icon_rect = QRect(r.left() + self.PAD, r.top() + self.PAD, self.ICON, self.ICON)
        pix = index.data(Qt.ItemDataRole.DecorationRole)
        if pix is not None and not pix.isNull():
            scaled = pix.size().scaled(icon_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(icon_rect.center())
            painter.drawPixmap(target, pix)
        else:
            painter.fillRect(icon_rect, QColor("#3a3a3a"))
        text_left = icon_rect.right() + self.PAD + 2
        text_rect = QRect(text_left, r.top() + self.PAD, r.right() - text_left - self.PAD, self.ICON)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        fm = painter.fontMetrics()
        name = fm.elidedText(photo.name, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, name)
        painter.setFont(option.font)
        fm = painter.fontMetrics()
        line2 = QRect(text_rect.left(), text_rect.top() + fm.height() + 4, text_rect.width(),
                      text_rect.height() - fm.height() - 4)
        painter.setPen(QColor(STATE_COLOURS[photo.state]) if not selected
                       else option.palette.color(QPalette.ColorRole.HighlightedText))
        status = index.model().status_text(photo, short=True)
        if photo.state is not State.FAILED:
            elided = fm.elidedText(status, Qt.TextElideMode.ElideRight, line2.width())
            painter.drawText(line2, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), elided)
        if photo.size and photo.state is not State.FAILED:
            painter.setPen(option.palette.color(role if selected else QPalette.ColorRole.PlaceholderText))
            line3 = line2.translated(0, fm.height() + 2)
            detail = f"{photo.size[0]} × {photo.size[1]}" + ("  ·  colour original" if photo.is_colour else "")
            painter.drawText(line3, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                             fm.elidedText(detail, Qt.TextElideMode.ElideRight, line3.width()))
        elif photo.state is State.FAILED:
            line3 = QRect(line2.left(), line2.top(), line2.width(), self.ICON - fm.height() - 4)
            painter.drawText(line3, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                                        | Qt.TextFlag.TextWordWrap), status)
        painter.restore()


class PhotoListView(QListView):
    """The list widget; emits the photo that became current (or None)."""

    currentPhotoChanged = Signal(object)

    def __init__(self, model: PhotoListModel, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(PhotoDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMinimumWidth(200)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.selectionModel().currentChanged.connect(self._current_changed)

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
