"""The desktop app under awkward conditions: signals from its terminal or the session, a bad file
in the user models folder, and the CPU threads preference."""

from __future__ import annotations

import os
import signal
import sys

import pytest
import torch
from PySide6.QtWidgets import QApplication
from safetensors.torch import save_file

from colorizer_app import cpu_threads
from colorizer_app.gui.main_window import MainWindow
from colorizer_app.gui.settings import Settings
from colorizer_app.models import registry
from colorizer_app.models.checkpoint import META_KEY

from gui_helpers import settings_path, tiny_models, tiny_models_dir, window  # noqa: F401  (fixtures)

SIGNALS = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_closes_the_window_and_saves_its_settings(qtbot, window, settings_path, name):  # noqa: F811
    from colorizer_app.gui.quit_on_signals import QuitOnSignals

    sig = getattr(signal, name)
    before = signal.getsignal(sig)
    got = []
    guard = QuitOnSignals(lambda signum: (got.append(signum), window.close()))
    try:
        window.set_view_mode("compare")  # not saved yet: the close must save it
        os.kill(os.getpid(), sig)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    finally:
        guard.uninstall()
    assert got == [sig]
    assert Settings(settings_path).get("window/view_mode") == "compare"
    assert signal.getsignal(sig) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_app_quits_on_sigterm_with_its_settings_saved(qtbot, tiny_models, settings_path, monkeypatch):  # noqa: F811
    from colorizer_app.gui import app as app_mod

    seen = []

    def exec_until_closed(self):
        (w,) = [x for x in QApplication.topLevelWidgets() if isinstance(x, MainWindow) and x.isVisible()]
        w.set_view_mode("side_by_side")
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=10000)
        seen.append(w.settings.get("window/view_mode"))
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_until_closed)
    assert app_mod.main([]) == 128 + signal.SIGTERM
    assert seen == ["side_by_side"]
    assert Settings().get("window/view_mode") == "side_by_side"  # the native store, redirected here


def test_a_bad_model_file_is_listed_as_unusable_and_the_app_starts(qtbot, tiny_models, settings_path):  # noqa: F811
    bad = registry.user_models_dir() / "broken.safetensors"
    save_file({"w": torch.zeros(1)}, str(bad), metadata={META_KEY: "[1]"})
    try:
        w = MainWindow(Settings(settings_path))
        qtbot.addWidget(w)
        w.show()
        assert [e.name for e in w.controls.entries()] == ["tiny-class", "tiny-const"]
        d = w.show_manage_models()
        assert [b.path.name for b in d.unusable] == ["broken.safetensors"]
        d.list.setCurrentRow(len(d.entries))
        assert d.selected() is None and d.selected_unusable().path == bad
        assert "Unusable:" in d.card_text() and "metadata is a list" in d.card_text()
        assert not d.rename_button.isEnabled() and d.delete_button.isEnabled()
        d.confirm_delete = lambda entry: True
        with qtbot.waitSignal(d.modelsChanged, timeout=10000):
            d.delete_selected()
        assert not bad.exists() and d.unusable == []
        d.close()
        w.close()
    finally:
        bad.unlink(missing_ok=True)


def test_the_threads_preference_is_saved_and_applied(qtbot, window):  # noqa: F811
    from colorizer_app.gui.preferences import PreferencesDialog

    d = PreferencesDialog(window.settings, window.controls.entries(), window)
    qtbot.addWidget(d)
    assert d.threads.value() == 0 and d.threads.text() == "Automatic"
    d.threads.setValue(1)
    try:
        d.accept()
        assert window.settings.get("prefs/threads") == 1
        assert cpu_threads.process_default() == 1
    finally:
        cpu_threads.set_process_default(cpu_threads.AUTO)
