"""Test configuration: headless Qt, one torch thread (tiny models run faster without thread
hand-offs, and CI shares its cores), and settings/models/caches redirected to temporary folders."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Every test starts on one torch thread, whatever an earlier one set (`--threads`, say)."""
    torch.set_num_threads(1)
    yield


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's models, caches or settings."""
    root = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(root / "models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    # the single-instance socket: never the real user's running Colorizer
    monkeypatch.setenv("COLORIZER_INSTANCE", f"colorizer-test-{os.getpid()}-{root.name}")


@pytest.fixture(autouse=True)
def _no_dangling_gui_threads():
    """Fail a test that leaves one of the GUI's worker threads running (torn down last)."""
    yield
    import sys

    workers = sys.modules.get("colorizer_app.gui.workers")
    if workers is None:  # the test never touched the GUI
        return
    running = workers.running_threads()
    for t in running:  # stop them so the next test starts clean, then fail this one
        t.runner.shutdown(5000)
    assert not running, f"worker threads still running after the test: {[t.objectName() for t in running]}"
