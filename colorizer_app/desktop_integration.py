"""Put Colorizer into a Linux desktop's application menu and "Open with" lists, for one user.

`colorizer --install-desktop` copies the .desktop entry (Exec pointed at this installation's
launcher, so a virtual environment or an unpacked bundle works without being on PATH), the
AppStream metainfo and the icons into the XDG data folder (~/.local/share unless XDG_DATA_HOME
says otherwise), then refreshes the desktop and icon caches where those tools exist. No root, and
`--uninstall-desktop` removes exactly what was installed. No Qt here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .resources import APP_ID, ICON_NAME, ICON_SIZES, icons_dir, is_frozen, linux_dir

DESKTOP_FILE = f"{APP_ID}.desktop"
METAINFO_FILE = f"{APP_ID}.metainfo.xml"


def data_home() -> Path:
    env = os.environ.get("XDG_DATA_HOME")
    return Path(env) if env else Path.home() / ".local" / "share"


def launcher() -> Path | None:
    """The `colorizer` command of this installation: the bundle's executable, or the script pip wrote."""
    if is_frozen():
        return Path(sys.executable).resolve()
    name = "colorizer.exe" if os.name == "nt" else "colorizer"
    beside = Path(sys.executable).parent / name  # a virtual environment's bin/
    if beside.is_file():
        return beside
    found = shutil.which("colorizer")
    return Path(found).resolve() if found else None


def quote_exec(path: Path) -> str:
    """A path as one argument of a desktop entry's Exec key.

    The spec's quoting: reserved characters need double quotes, inside which `"`, `` ` ``, `$` and
    a backslash are backslash-escaped; the file's string escaping then doubles every backslash,
    and a literal `%` is written `%%`.
    """
    s = str(path).replace("%", "%%")
    if not any(c in s for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return s
    escaped = {"\\": "\\" * 4, '"': '\\\\"', "`": "\\\\`", "$": "\\\\$"}
    return '"' + "".join(escaped.get(c, c) for c in s) + '"'


def desktop_entry(command: Path | None) -> str:
    """The shipped entry with Exec and TryExec naming `command` (left as `colorizer` if unknown)."""
    lines = []
    for line in (linux_dir() / DESKTOP_FILE).read_text(encoding="utf-8").splitlines():
        if command is not None and line.startswith("Exec="):
            line = f"Exec={quote_exec(command)} %F"
        elif command is not None and line.startswith("TryExec="):
            line = "TryExec=" + str(command).replace("\\", "\\\\")
        lines.append(line)
    return "\n".join(lines) + "\n"


def planned_files(home: Path) -> dict[Path, Path | None]:
    """Installed file -> its source (None for the generated desktop entry)."""
    files: dict[Path, Path | None] = {
        home / "applications" / DESKTOP_FILE: None,
        home / "metainfo" / METAINFO_FILE: linux_dir() / METAINFO_FILE,
        home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg": icons_dir() / f"{ICON_NAME}.svg",
    }
    for size in ICON_SIZES:
        files[home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = (
            icons_dir() / f"{ICON_NAME}-{size}.png")
    return files


def _refresh_caches(home: Path) -> None:
    """Tell the desktop about the change; both tools are optional and their failure harmless."""
    for cmd in (["update-desktop-database", "-q", str(home / "applications")],
                ["gtk-update-icon-cache", "-q", "-t", "-f", str(home / "icons" / "hicolor")]):
        if shutil.which(cmd[0]):
            subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def install(home: Path | None = None, command: Path | None = None) -> list[Path]:
    """Install the entry, metainfo and icons under `home` (the XDG data folder); returns the files."""
    home = home or data_home()
    command = command or launcher()
    written = []
    for target, source in planned_files(home).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            target.write_text(desktop_entry(command), encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    _refresh_caches(home)
    return written


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what install() put under `home`; returns the files removed."""
    home = home or data_home()
    removed = []
    for target in planned_files(home):
        if target.is_file():
            target.unlink()
            removed.append(target)
    _refresh_caches(home)
    return removed
