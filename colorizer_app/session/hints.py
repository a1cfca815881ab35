"""Each photo's colour hints: kept with undo and redo while the app runs, and across restarts in
the app's own data folder (never beside the photo).

The store is one JSON file (`hints.json` in the user data folder; `COLORIZER_HINTS` names another
file), keyed by the photo's resolved path, with the file's size and modification time: a photo
that was edited or replaced since its hints were placed is not given them. It is written whole,
to a temporary sibling renamed over it, so a crash never leaves half a file. A store that cannot
be read is set aside (renamed `.corrupt`) with a warning when it is next written, never a crash.

Importable and readable without torch: each hint is stored with its exact chroma (a and b), so
reading it needs no colour conversion, and the window can show saved hints before torch loads.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..imaging.files import path_key
from ..temp_files import write_text_atomic

if TYPE_CHECKING:
    from ..models.hints import Hint

log = logging.getLogger(__name__)

STORE_VERSION = 1
MAX_UNDO = 100  # steps kept per photo


def store_path() -> Path:
    import platformdirs

    from ..models.registry import APP_NAME

    env = os.environ.get("COLORIZER_HINTS")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME)) / "hints.json"


def file_identity(path: str | Path) -> tuple[int, int] | None:
    """(size, mtime in ns) of the photo's file, or None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class HintStore:
    """The hints of every photo that has some, by photo; the JSON file behind it."""

    def __init__(self, path: str | Path | None = None, on_warning: Callable[[str], None] | None = None):
        self.path = Path(path) if path is not None else store_path()
        self.on_warning = on_warning or (lambda msg: None)
        self.problem: str | None = None  # why the file on disk could not be read (it is set aside)
        self._entries: dict[str, dict] = self._read()

    def _warn(self, msg: str) -> None:
        log.warning(msg)
        self.on_warning(msg)

    def _read(self) -> dict[str, dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as e:
            self.problem = f"The saved colour hints ({self.path}) could not be read ({e}); they are ignored."
            self._warn(self.problem)
            return {}
        try:
            data = json.loads(text)
            photos = data["photos"]
            if not isinstance(photos, dict):
                raise TypeError("'photos' is not an object")
        except (ValueError, KeyError, TypeError, RecursionError) as e:
            self.problem = f"The saved colour hints ({self.path}) are damaged ({e}); they are ignored."
            self._warn(self.problem)
            return {}
        good = {}
        for key, entry in photos.items():
            if (isinstance(entry, dict) and isinstance(entry.get("size"), int)
                    and isinstance(entry.get("mtime_ns"), int) and isinstance(entry.get("hints"), list)):
                good[key] = entry
            else:
                log.warning("%s: the entry for %s is damaged and is ignored", self.path, key)
        return good

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, path: str | Path) -> "tuple[Hint, ...]":
        """The hints saved for this photo, or () when it has none, its file changed since (size
        or time), or the entry cannot be used."""
        entry = self._entries.get(path_key(path))
        if entry is None:
            return ()
        if file_identity(path) != (entry["size"], entry["mtime_ns"]):
            return ()
        from ..models.hints import HintsError, parse_hints  # stored with a and b: no torch needed

        try:
            return parse_hints({"hints": entry["hints"]}, f"{self.path} ({Path(path).name})")
        except HintsError as e:
            self._warn(f"Saved colour hints ignored: {e}")
            return ()

    def set(self, path: str | Path, hints) -> bool:
        """Keep these hints for the photo (none: forget it) and write the file; False (with a
        warning) when the file cannot be written."""
        key = path_key(path)
        ident = file_identity(path)
        if hints and ident is not None:
            self._entries[key] = {"size": ident[0], "mtime_ns": ident[1], "name": Path(path).name,
                                  "hints": [h.to_json(exact=True) for h in hints]}
        elif self._entries.pop(key, None) is None and not hints:
            return True  # nothing was saved, nothing is: the file need not change
        return self.write()

    def write(self) -> bool:
        data = {"version": STORE_VERSION, "photos": self._entries}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.problem is not None and self.path.exists():  # keep the damaged file for a look
                os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
            write_text_atomic(self.path, json.dumps(data, indent=1))
            self.problem = None
            return True
        except OSError as e:
            self._warn(f"Colour hints could not be saved to {self.path} ({e}).")
            return False


@dataclass
class _History:
    undo: list = field(default_factory=list)  # earlier hint sets, the latest last
    redo: list = field(default_factory=list)


class HintBook:
    """Each photo's hints (by its key), with undo and redo per photo, saved through a store."""

    def __init__(self, store: HintStore | None = None):
        self.store = store if store is not None else HintStore()
        self._hints: dict[str, tuple] = {}
        self._history: dict[str, _History] = {}

    def get(self, photo) -> "tuple[Hint, ...]":
        if photo.key not in self._hints:
            self._hints[photo.key] = self.store.get(photo.path)
        return self._hints[photo.key]

    def count(self, photo) -> int:
        return len(self.get(photo))

    def set(self, photo, hints) -> bool:
        """A new set of hints for the photo (an undoable step); False when it is the same."""
        hints = tuple(hints)
        old = self.get(photo)
        if hints == old:
            return False
        h = self._history.setdefault(photo.key, _History())
        h.undo.append(old)
        del h.undo[:-MAX_UNDO]
        h.redo.clear()
        self._keep(photo, hints)
        return True

    def _keep(self, photo, hints: tuple) -> None:
        self._hints[photo.key] = hints
        self.store.set(photo.path, hints)

    def can_undo(self, photo) -> bool:
        h = self._history.get(photo.key)
        return bool(h and h.undo)

    def can_redo(self, photo) -> bool:
        h = self._history.get(photo.key)
        return bool(h and h.redo)

    def undo(self, photo) -> bool:
        h = self._history.get(photo.key)
        if not h or not h.undo:
            return False
        h.redo.append(self.get(photo))
        self._keep(photo, h.undo.pop())
        return True

    def redo(self, photo) -> bool:
        h = self._history.get(photo.key)
        if not h or not h.redo:
            return False
        h.undo.append(self.get(photo))
        self._keep(photo, h.redo.pop())
        return True

    def forget(self, photo) -> None:
        """The photo left the list: its history goes (its hints stay saved)."""
        self._hints.pop(photo.key, None)
        self._history.pop(photo.key, None)
