"""Build hook: map the top-level weights/ and resources/ into the package as colorizer_app/data/.

They stay at the top of the repository (one copy in git); a built wheel carries them inside the
package, where colorizer_app/resources.py finds them. An editable install reads them from the
checkout instead, so the copy is skipped there.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("weights", "resources")
ROOT = Path(__file__).resolve().parent


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "colorizer_app" / "data"
        for name in DATA_FOLDERS:
            shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithData})
