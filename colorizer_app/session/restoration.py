"""Each photo's restoration: on or off, grain and contrast options, and the brush's edits of the
damage mask with undo and redo. Kept while the app runs (brush strokes are cheap to redo, and a
photo's damage is found again in a moment); a photo new to the session starts from the default
in Preferences."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..restore.options import Restore, Stroke

if TYPE_CHECKING:
    from .photos import Photo

MAX_UNDO = 100


@dataclass
class _PhotoRestore:
    on: bool
    options: Restore  # its denoise and contrast choices and its strokes (repair: `on`)
    redo: list[Stroke] = field(default_factory=list)


class RestoreBook:
    def __init__(self, default_on: bool = False, denoise: bool = False, contrast: bool = False):
        self._photos: dict[int, _PhotoRestore] = {}
        self.set_defaults(default_on, denoise, contrast)

    def set_defaults(self, on: bool, denoise: bool = False, contrast: bool = False) -> None:
        """What a photo not yet seen starts with (Preferences); photos already seen keep theirs."""
        self.default_on = bool(on)
        self.default_options = Restore(repair=True, denoise=bool(denoise), contrast=bool(contrast))

    def _entry(self, photo: "Photo") -> _PhotoRestore:
        e = self._photos.get(photo.id)
        if e is None:
            e = self._photos[photo.id] = _PhotoRestore(self.default_on, self.default_options)
        return e

    def get(self, photo: "Photo") -> Restore | None:
        """What the photo's colourisation restores first (None: the photo as it is)."""
        e = self._entry(photo)
        return e.options if e.on else None

    def is_on(self, photo: "Photo") -> bool:
        return self._entry(photo).on

    def options(self, photo: "Photo") -> Restore:
        """Its options whether restoration is on or not (the controls show them)."""
        return self._entry(photo).options

    def switch(self, photo: "Photo", on: bool, denoise: bool | None = None, contrast: bool | None = None) -> bool:
        """Restoration on or off, and its options; True when anything changed."""
        e = self._entry(photo)
        options = replace(e.options,
                          denoise=e.options.denoise if denoise is None else denoise,
                          contrast=e.options.contrast if contrast is None else contrast)
        changed = (on, options) != (e.on, e.options)
        e.on, e.options = on, options
        return changed

    def add_stroke(self, photo: "Photo", stroke: Stroke) -> None:
        e = self._entry(photo)
        strokes = (e.options.strokes + (stroke,))[-MAX_UNDO:]
        e.options = replace(e.options, strokes=strokes)
        e.redo.clear()

    def can_undo(self, photo: "Photo") -> bool:
        return bool(self._entry(photo).options.strokes)

    def can_redo(self, photo: "Photo") -> bool:
        return bool(self._entry(photo).redo)

    def undo(self, photo: "Photo") -> bool:
        e = self._entry(photo)
        if not e.options.strokes:
            return False
        e.redo.append(e.options.strokes[-1])
        e.options = e.options.undone()
        return True

    def redo(self, photo: "Photo") -> bool:
        e = self._entry(photo)
        if not e.redo:
            return False
        e.options = e.options.with_stroke(e.redo.pop())
        return True

    def clear_strokes(self, photo: "Photo") -> bool:
        e = self._entry(photo)
        if not e.options.strokes:
            return False
        e.options = replace(e.options, strokes=())
        e.redo.clear()
        return True

    def forget(self, photo: "Photo") -> None:
        self._photos.pop(photo.id, None)
