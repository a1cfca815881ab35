"""The work list: the loaded photos, each with a thumbnail and a state, as a Qt model and view."""

from __future__ import annotations

import enum
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate

from .workers import Params

_photo_ids = itertools.count(1)


def path_key(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


class State(enum.Enum):
    LOADING = "loading"
    WAITING = "waiting"
    RUNNING = "colourising"
    DONE = "done"
    FAILED = "failed"


STATE_COLOURS = {
    State.LOADING: "#8a8a8a",
    State.WAITING: "#8a8a8a",
    State.RUNNING: "#2f7fd8",
    State.DONE: "#2e9d49",
    State.FAILED: "#d23b3b",
}


@dataclass(eq=False)
class Photo:
    path: Path
    id: int = field(default_factory=lambda: next(_photo_ids))
    key: str = ""  # the resolved path, to find a photo by path without touching the disk
    state: State = State.LOADING
    error: str = ""
    size: tuple[int, int] | None = None  # (width, height)
    is_colour: bool = False
    exif: bytes | None = field(default=None, repr=False)
    icc_profile: bytes | None = field(default=None, repr=False)
    before: Any = field(default=None, repr=False)  # QImage gray, full size
    after: Any = field(default=None, repr=False)  # QImage colour, full size
    thumbnail: Any = field(default=None, repr=False)  # QImage of the before view
    result_thumbnail: Any = field(default=None, repr=False)
    params: Params | None = None  # what `after` was made with
    seconds: float = 0.0
    device: str = ""
    pending_job: int | None = None  # the only job whose result is still wanted for `after`
    compare: dict = field(default_factory=dict, repr=False)  # model name -> QImage | None
    compare_params: tuple | None = None  # the settings (all but the model) of the compare images
    compare_expect: dict = field(default_factory=dict, repr=False)  # model name -> Params wanted
    _icon: QPixmap | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.key = self.key or path_key(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def loaded(self) -> bool:
        return self.before is not None

    def status_text(self) -> str:
        if self.state is State.FAILED:
            return f"failed: {self.error}"
        if self.state is State.DONE and self.seconds:
            return f"done in {self.seconds:.2f} s"
        return self.state.value


class PhotoListModel(QAbstractListModel):
    PhotoRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.photos: list[Photo] = []

    # --- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.photos)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.photos):
            return None
        photo = self.photos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return photo.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.icon(photo)
        if role == Qt.ItemDataRole.ToolTipRole:
            size = f"{photo.size[0]} x {photo.size[1]} px, " if photo.size else ""
            colour = "colour original, " if photo.is_colour else ""
            return f"{photo.path}\n{size}{colour}{photo.status_text()}"
        if role == self.PhotoRole:
            return photo
        return None

    def icon(self, photo: Photo) -> QPixmap | None:
        image = photo.result_thumbnail if photo.result_thumbnail is not None else photo.thumbnail
        if image is None:
            return None
        if photo._icon is None:
            photo._icon = QPixmap.fromImage(image)
        return photo._icon

    # --- photos ------------------------------------------------------------------------------

    def add_paths(self, paths: list[Path]) -> list[Photo]:
        """New rows in the loading state, skipping paths already in the list."""
        have = {p.key for p in self.photos}
        new = []
        for path in paths:
            photo = Photo(Path(path))
            if photo.key in have:
                continue
            have.add(photo.key)
            new.append(photo)
        if new:
            first = len(self.photos)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self.photos.extend(new)
            self.endInsertRows()
        return new

    def find(self, photo_id: int) -> Photo | None:
        for p in self.photos:
            if p.id == photo_id:
                return p
        return None

    def find_path(self, path: Path) -> Photo | None:
        key = path_key(path)
        for p in self.photos:
            if p.key == key:
                return p
        return None

    def row_of(self, photo: Photo) -> int:
        for i, p in enumerate(self.photos):
            if p is photo:
                return i
        return -1

    def changed(self, photo: Photo, thumbnail: bool = False) -> None:
        if thumbnail:
            photo._icon = None
        row = self.row_of(photo)
        if row >= 0:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)

    def remove(self, photos: list[Photo]) -> None:
        for photo in photos:
            row = self.row_of(photo)
            if row >= 0:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.photos[row]
                self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.photos.clear()
        self.endResetModel()


class PhotoDelegate(QStyledItemDelegate):
    """Thumbnail on the left, name and a coloured state line on the right."""

    ICON = 64
    PAD = 6

    def sizeHint(self, option, index) -> QSize:
        return QSize(220, self.ICON + 2 * self.PAD)

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
        name = fm.elidedText(photo.name, Qt.TextElideMode.ElideMiddle, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, name)
        painter.setFont(option.font)
        fm = painter.fontMetrics()
        line2 = QRect(text_rect.left(), text_rect.top() + fm.height() + 4, text_rect.width(),
                      text_rect.height() - fm.height() - 4)
        painter.setPen(QColor(STATE_COLOURS[photo.state]) if not selected
                       else option.palette.color(QPalette.ColorRole.HighlightedText))
        status = photo.status_text()
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
