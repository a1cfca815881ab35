"""Our own temporary files: their names, and removing the ones a killed run left behind.

Every file is written to a hidden temporary sibling and renamed over its target once complete
(imaging/io.py for photos, models/checkpoint.py for models). A process killed outright (kill -9,
a power cut) cannot remove its temporary file, so the next run in that folder does: only files
whose names match the writer's own pattern, and only when the process that wrote them is gone
(its id is in the name) or, where that cannot be told, when they are older than any save takes.
Standard library only: the imaging and models layers both use it. Small text files (reports,
palettes, the colour-hint store) go through `write_text_atomic`.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import time
from pathlib import Path

STALE_AFTER_S = 3600.0  # no single save takes an hour; a file this old is left over


def pid_tag() -> str:
    """The part of a temporary name that says which process writes it: "12345-"."""
    return f"{os.getpid()}-"


def _text_temp_names(path: Path) -> re.Pattern:
    """The temporary names write_text_atomic gives `path` in any process: ".NAME.PID-8HEX.tmp"."""
    return re.compile(re.escape(f".{path.name}.") + r"(?P<pid>\d+)-[0-9a-f]{8}\.tmp")


def write_text_atomic(path: Path, text: str, newline: str | None = None) -> None:
    """Write `text` to `path` through a hidden temporary sibling, flushed to disk and renamed over
    it once complete, so a crash, a power cut or a full disk leaves the old file (or none), never
    half of one. `newline` as open(). Leftovers of earlier writes of the same file by killed
    processes are removed first."""
    path = Path(path)
    remove_stale(path.parent, _text_temp_names(path))
    tmp = path.with_name(f".{path.name}.{pid_tag()}{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline=newline) as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # also Ctrl-C: never leave the temporary file behind
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise


def _process_gone(pid: int) -> bool:
    """True when no process `pid` runs on this machine (POSIX); False when unknown (Windows,
    where os.kill would end the process)."""
    if sys.platform == "win32" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it runs, as another user
        return False
    return False


def is_stale(path: Path, pid: int | None, now: float | None = None) -> bool:
    """A temporary file no running process of ours will finish: its writer is gone, or it is old."""
    if pid == os.getpid():
        return False
    if pid is not None and _process_gone(pid):
        return True
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False
    return age > STALE_AFTER_S


def remove_stale(folder: Path, pattern: re.Pattern) -> list[Path]:
    """Delete the stale temporary files in `folder` (not below) whose names match `pattern`, a
    regular expression with an optional group "pid"; return what was removed. Never raises: a
    file that cannot be removed stays, and the run goes on."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = pattern.fullmatch(name)
        if m is None:
            continue
        path = Path(folder) / name
        pid = int(m.group("pid")) if m.groupdict().get("pid") else None
        if not path.is_file() or path.is_symlink() or not is_stale(path, pid):
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed
