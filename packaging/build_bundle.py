#!/usr/bin/env python
"""Build the standalone desktop bundle with PyInstaller, then check that it works.

    python packaging/build_bundle.py [--skip-check]

Needs the `bundle` extra (pip install -e '.[bundle]'). Writes dist/colorizer/ (dist/Colorizer.app
on macOS), prints its size, then starts the built app three times on a sample photo with the
hidden --self-check option: it must paint its window, colourise the photo and exit with status 0.
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-check", action="store_true", help="build only")
    args = p.parse_args()
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
