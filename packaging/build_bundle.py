#!/usr/bin/env python
"""Build the standalone desktop bundle with PyInstaller, then check that it works.

    python packaging/build_bundle.py [--skip-check]

Needs the `bundle` extra (pip install -e '.[bundle]'). Writes dist/colorizer/ (dist/Colorizer.app
on macOS), prints its size, then starts the built app three times on a sample photo with the
hidden --self-check option: it must paint its window, colourise the photo and exit with status 0
(the self-check also fails a PySide6 that loses references to None). Before building, the
installed PySide6 is checked against pyproject.toml's requirement for this Python.
The times printed are from launching the bundle to its first paint and to the result shown.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def executable() -> Path:
    if sys.platform == "darwin":
        return DIST / "Colorizer.app" / "Contents" / "MacOS" / "colorizer"
    return DIST / "colorizer" / ("colorizer.exe" if os.name == "nt" else "colorizer")


def pyside_problem() -> str | None:
    """The PySide6 the bundle would carry, against pyproject.toml's requirement for this Python
    (its markers leave out releases that are broken here); None when it is one of those allowed."""
    try:
        import tomllib
        from importlib.metadata import version

        from packaging.requirements import Requirement
    except ImportError:  # Python 3.10 has no tomllib: the bundle's self-check still probes it
        return None
    installed = version("PySide6-Essentials")
    for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        req = Requirement(line)
        if req.name.lower() == "pyside6-essentials" and (req.marker is None or req.marker.evaluate()):
            if not req.specifier.contains(installed, prereleases=True):
                return (f"PySide6-Essentials {installed} is installed, but this Python needs {req.specifier} "
                        "(see pyproject.toml): pip install -e '.[bundle]' again")
    return None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-check", action="store_true", help="build only")
    args = p.parse_args()
    problem = pyside_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
                    str(ROOT / "packaging" / "colorizer.spec")], check=True, cwd=ROOT)
    bundle = DIST / "colorizer"
    print(f"bundle: {bundle} ({folder_size(bundle) / 2**20:.0f} MiB)")
    if args.skip_check:
        return 0
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    sample = ROOT / "resources" / "samples" / "chelsea.jpg"
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--runs", "3",
                           "--photo", str(sample), "--command", str(executable())], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
