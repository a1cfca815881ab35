"""The photos of a session, their states, and the rule for which result is still wanted.

`Session` is the app's data model: the GUI's list and viewer observe it (`subscribe`) and never
hold a photo's state themselves. Each photo has at most one request whose result is still wanted
(`pending`): a newer request supersedes an older one, and a result or failure from any other is
dropped, however late it arrives.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..imaging.files import path_key
from ..process_setup import return_large_buffers
from .cache import DEFAULT_BUDGET, ResultsCache
from .hints import HintBook, HintStore
from .restoration import RestoreBook
from .models import ModelStore
from .params import Params
from .render import PhotoRef, Renderer

_photo_ids = itertools.count(1)


class State(enum.Enum):
    LOADING = "loading"
    WAITING = "waiting"
    RUNNING = "colourising"
    DONE = "done"
    FAILED = "failed"


STATE_WORDS = {
    State.LOADING: "Opening…",
    State.WAITING: "Not coloured yet",
    State.RUNNING: "Colouring…",
    State.DONE: "Coloured",
    State.FAILED: "Failed",
}


@dataclass(eq=False)
class Photo:
    path: Path
    id: int = field(default_factory=lambda: next(_photo_ids))
    key: str = ""
    state: State = State.LOADING
    error: str = ""  # why it failed (to open, or to colourise)
    size: tuple[int, int] | None = None  # (width, height), once opened
    is_colour: bool = False
    exif: bytes | None = field(default=None, repr=False)
    icc_profile: bytes | None = field(default=None, repr=False)
    thumbnail: np.ndarray | None = field(default=None, repr=False)  # small gray
    result_thumbnail: np.ndarray | None = field(default=None, repr=False)
    params: Params | None = None  # what its result is made with (None: not colourised)
    seconds: float = 0.0
    device: str = ""
    pending: int | None = None  # the only request whose result is still wanted

    def __post_init__(self) -> None:
        self.key = self.key or path_key(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def loaded(self) -> bool:
        """Opened: it can be shown, colourised and exported."""
        return self.size is not None

    @property
    def unreadable(self) -> bool:
        return self.size is None and self.state is State.FAILED

    @property
    def ref(self) -> PhotoRef:
        return PhotoRef(self.id, self.key, self.path)

    def status_text(self, model_title: Callable[[str], str] | None = None, timed: bool = True) -> str:
        """What the list says about the photo, in plain words; `model_title` turns the model a
        result was made with (its path) into the name the person knows it by; `timed`: say how
        long it took."""
        if self.state is State.FAILED:
            return f"Failed: {self.error}"
        if self.state is State.DONE:
            by = ""
            if self.params is not None:
                by = f" with {model_title(self.params.model) if model_title else Path(self.params.model).stem}"
                n = len(self.params.hints)
                if n:
                    by += f" and {n} colour hint{'s' if n != 1 else ''}"
                if self.params.restore is not None:
                    by = f"{by}, repaired"
            took = f" in {self.seconds:.1f} s" if self.seconds and timed else ""
            return f"Coloured{by}{took}"
        return STATE_WORDS[self.state]


@dataclass(frozen=True)
class Opened:
    """What opening a photo tells the session (made by jobs.load_photos)."""

    path: Path
    size: tuple[int, int]
    is_colour: bool
    exif: bytes | None
    icc_profile: bytes | None
    thumbnail: np.ndarray


class Session:
    """Photos in list order, with lookups by id and path, the results cache and the models.

    Listeners get `photos_added(first_row, photos)`, `photos_removed(photos)` (before they go),
    and `photo_changed(photo)`."""

    def __init__(self, cache_budget: int = DEFAULT_BUDGET, hint_store: HintStore | None = None):
        return_large_buffers()  # else freed photos stay in the heap: the budget would not bound memory
        self.hints = HintBook(hint_store)  # each photo's colour hints, undo and redo (session/hints.py)
        self.restoration = RestoreBook()  # each photo's restoration and brush edits (session/restoration.py)
        self.photos: list[Photo] = []
        self._by_id: dict[int, Photo] = {}
        self._by_key: dict[str, Photo] = {}
        self.cache = ResultsCache(cache_budget)
        self.models = ModelStore()
        self.renderer = Renderer(self.cache, self.models)
        self.listeners: list = []

    def subscribe(self, listener) -> None:
        self.listeners.append(listener)

    def _tell(self, what: str, *args) -> None:
        for listener in self.listeners:
            getattr(listener, what)(*args)

    def changed(self, photo: Photo) -> None:
        self._tell("photo_changed", photo)

    # --- the list ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.photos)

    def find(self, photo_id: int) -> Photo | None:
        return self._by_id.get(photo_id)

    def find_path(self, path: str | Path) -> Photo | None:
        return self._by_key.get(path_key(path))

    def add_paths(self, paths: Iterable[str | Path]) -> list[Photo]:
        """New photos (loading) for the paths not in the list yet, in order."""
        new = []
        for path in paths:
            photo = Photo(Path(path))
            if photo.key in self._by_key:
                continue
            self._by_key[photo.key] = photo
            self._by_id[photo.id] = photo
            new.append(photo)
        if new:
            first = len(self.photos)
            self.photos.extend(new)
            self._tell("photos_added", first, new)
        return new

    def remove(self, photos: Iterable[Photo]) -> None:
        gone = [p for p in photos if self._by_id.get(p.id) is p]
        if not gone:
            return
        self._tell("photos_removed", gone)
        ids = {p.id for p in gone}
        self.photos = [p for p in self.photos if p.id not in ids]
        for p in gone:
            del self._by_id[p.id]
            del self._by_key[p.key]
            self.renderer.forget(p.key)
            self.hints.forget(p)
            self.restoration.forget(p)

    def clear(self) -> None:
        self.remove(list(self.photos))

    # --- opening -----------------------------------------------------------------------------

    def opened(self, info: Opened) -> Photo | None:
        photo = self.find_path(info.path)
        if photo is None or photo.loaded:
            return None  # removed meanwhile, or opened already
        photo.size, photo.is_colour = info.size, info.is_colour
        photo.exif, photo.icc_profile, photo.thumbnail = info.exif, info.icc_profile, info.thumbnail
        photo.state, photo.error = State.WAITING, ""
        self.changed(photo)
        return photo

    def open_failed(self, path: str | Path, reason: str) -> Photo:
        photo = self.find_path(path) or self.add_paths([path])[0]
        photo.state, photo.error = State.FAILED, reason
        self.changed(photo)
        return photo

    # --- colour hints ------------------------------------------------------------------------

    def params_for(self, photo: Photo, params: Params | None) -> Params | None:
        """`params` (the controls) for this photo, with its colour hints (every model follows them)
        and its restoration."""
        if params is None:
            return None
        hints = self.hints.get(photo)
        restore = self.restoration.get(photo)
        if params.hints == hints and params.restore == restore:
            return params
        return replace(params, hints=hints, restore=restore)

    def has_result(self, photo: Photo, params: Params | None) -> bool:
        return params is not None and photo.params == params and photo.state is not State.FAILED

    def expect(self, photo: Photo, request: int, running: bool = False) -> None:
        """Only `request`'s result is wanted for `photo` from now on."""
        photo.pending = request
        photo.state = State.RUNNING if running else State.WAITING
        self.changed(photo)

    def started(self, photo: Photo, request: int) -> None:
        if photo.pending == request and photo.state is not State.RUNNING:
            photo.state = State.RUNNING
            self.changed(photo)

    def deliver(self, photo: Photo, request: int, params: Params, thumbnail: np.ndarray | None,
                seconds: float, device: str) -> bool:
        """A result arrived; False (and nothing changes) when a newer request superseded it."""
        if photo.pending != request or self.find(photo.id) is not photo:
            return False
        photo.params = params
        if thumbnail is not None:
            photo.result_thumbnail = thumbnail
        if seconds:
            photo.seconds, photo.device = seconds, device
        photo.state, photo.error, photo.pending = State.DONE, "", None
        self.changed(photo)
        return True

    def fail(self, photo: Photo, request: int, reason: str) -> bool:
        if photo.pending != request:
            return False
        photo.state, photo.error, photo.pending = State.FAILED, reason, None
        self.changed(photo)
        return True

    def settle(self, photo: Photo) -> None:
        """Nothing is on its way for `photo` any more: its state follows from its result."""
        photo.pending = None
        if photo.loaded:
            photo.state = State.DONE if photo.params is not None else State.WAITING
        self.changed(photo)

    def request_ended(self, request: int) -> list[Photo]:
        """A request finished (or was cancelled): photos still waiting for it come to rest."""
        left = [p for p in self.photos if p.pending == request]
        for p in left:
            self.settle(p)
        return left

    # --- work lists --------------------------------------------------------------------------

    def to_colourise(self, photos: Iterable[Photo], params: Params, force: bool = False
                     ) -> tuple[list[Photo], list[Photo], list[Photo]]:
        """(to do, already done with these params (each with its own hints), unreadable: skipped)."""
        todo, done, unreadable = [], [], []
        for p in photos:
            if not p.loaded:
                unreadable.append(p)
            elif not force and self.has_result(p, self.params_for(p, params)):
                done.append(p)
            else:
                todo.append(p)
        return todo, done, unreadable

    def exportable(self, photos: Iterable[Photo]) -> list[Photo]:
        return [p for p in photos if p.loaded]
