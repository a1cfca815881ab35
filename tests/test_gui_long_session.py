"""A long session of real GUI work, as a person with a box of photos has it.

PySide6 6.12.0 on Python < 3.12 drops a reference to `None` on every Qt call that returns nothing;
a session of a few hundred photos used the count up and the interpreter aborted with "Fatal
Python error: none_dealloc". pyproject.toml excludes that release; the first test fails on it
(and on any later release with the same fault). From Python 3.12 None is immortal: nothing to count.
The second test colourises and exports a few hundred small photos in one session.
"""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from colorizer_app.session.export import ExportOptions  # noqa: E402
from colorizer_app.session.photos import State  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    load,
    settings_path,
    tiny_models,
    tiny_models_dir,
    wait_idle,
    window,
)

MANY = 300  # photos in the long session


def small_photos(folder, n: int, w: int = 48, h: int = 32):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    base = np.linspace(20, 230, w, dtype=np.float32)[None, :].repeat(h, 0)
    paths = []
    for i in range(n):
        arr = (base + rng.normal(0, 8, (h, w))).clip(0, 255).astype(np.uint8)
        paths.append(folder / f"p{i:03d}.png")
        Image.fromarray(arr, "L").save(paths[-1])
    return paths


def a_round_of_work(qtbot, window, paths):
    """Open, select (each photo is shown and colourised), colourise all, clear."""
    load(qtbot, window, paths, timeout=60000)
    for photo in list(window.photos.photos):
        window.list_view.set_current_photo(photo)
        window.update_actions()
    with qtbot.waitSignal(window.batchFinished, timeout=60000):
        window.registry["colorize_all"].trigger()
    wait_idle(qtbot, window, timeout=60000)
    window.registry["clear"].trigger()
    qtbot.wait(10)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12: no count to lose")
def test_real_gui_work_leaves_the_count_of_none_where_it_was(qtbot, window, tmp_path):
    window.controls.set_model("tiny-const")
    paths = small_photos(tmp_path / "photos", 20)
    a_round_of_work(qtbot, window, paths)  # warm-up: caches, lazily made objects
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(3):
        a_round_of_work(qtbot, window, paths)
    gc.collect()
    after = sys.getrefcount(None)
    print(f"\nreferences to None: {before} -> {after}")
    # a broken PySide6 loses thousands here (one per void Qt call); objects that come and go
    # account for a few dozen either way
    assert after > before - 200, f"the count of None fell by {before - after}: a broken PySide6?"


def test_hundreds_of_photos_colourised_and_exported_in_one_session(qtbot, window, tmp_path):
    window.settings.set("prefs/auto_colorize", False)
    window.controls.set_model("tiny-const")
    paths = small_photos(tmp_path / "box", MANY)
    loaded, failures = load(qtbot, window, paths, timeout=120000)
    assert len(loaded) == MANY and not failures
    with qtbot.waitSignal(window.batchFinished, timeout=120000) as done:
        window.colorize_all()
    assert done.args == [False]
    assert all(p.state is State.DONE for p in window.photos.photos)
    out = tmp_path / "out"
    options = ExportOptions(scope="all", folder=out, fmt="jpg", quality=85, pattern="{stem}_c")
    with qtbot.waitSignal(window.exportFinished, timeout=120000) as exported:
        window.export_photos(list(window.photos.photos), options)
    report = exported.args[0]
    assert len(report.written) == MANY and not report.failed
    with Image.open(out / "p123_c.jpg") as im:
        assert im.size == (48, 32) and im.mode == "RGB"
    budget = window.session.cache.budget
    assert window.session.cache.total <= budget
    window.clear_list()
    assert window.photos.rowCount() == 0 and len(window.session.cache) == 0
    wait_idle(qtbot, window)
