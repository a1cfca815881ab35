"""The Fine-tune and Manage Models dialogs driven through real widgets, real threads and a tiny
model: the folder's problems are shown and block Start, a short run reports progress, loss and
previews and its model appears in the main window's picker at once, pause holds, cancel and close
leave no file, and user models can be renamed and deleted while bundled ones cannot.

Hermetic: photos are made from skimage.data in tmp_path, the base is a tiny user model, a tiny
"bundled" model lives in a temporary weights folder, and user folders are redirected (conftest)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QLabel  # noqa: E402

from colorizer_app.gui import finetune_worker, workers  # noqa: E402
from colorizer_app.gui.finetune_dialog import FineTuneDialog, eta_text  # noqa: E402
from colorizer_app.gui.loss_chart import MAX_POINTS, LossChart, nice_ticks  # noqa: E402
from colorizer_app.gui.main_window import MainWindow  # noqa: E402
from colorizer_app.gui.settings import Settings  # noqa: E402
from colorizer_app.models import registry  # noqa: E402

from gui_helpers import settings_path  # noqa: E402,F401  (fixture)
from test_finetune import colour_folder, tiny_base  # noqa: E402

RUN_TIMEOUT = 60000


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A tiny base as the user's model and a tiny read-only 'bundled' one; returns the base's name."""
    user = registry.user_models_dir()
    bundled = tmp_path / "bundled"
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(bundled))
    tiny_base(name="bundled-tiny")
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(bundled))
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(user))
    return tiny_base()


@pytest.fixture
def window(qtbot, models, settings_path):  # noqa: F811
    w = MainWindow(Settings(settings_path))
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    yield w
    w.close()


@pytest.fixture
def dialog(qtbot, models, settings_path):  # noqa: F811
    d = FineTuneDialog(Settings(settings_path), base=models, device="cpu")
    qtbot.addWidget(d)
    d.show()
    yield d
    d.shutdown()


def choose_folder(qtbot, dialog, folder, crop=56):
    """Type a folder (as a user would) and wait for its scan."""
    dialog.crop_spin.setValue(crop)
    with qtbot.waitSignal(dialog.scanFinished, timeout=20000) as blocker:
        dialog.folder_edit.setText(str(folder))
    return blocker.args[0]


def short_run(dialog, steps=12, batch=4):
    dialog.steps_spin.setValue(steps)
    dialog.batch_spin.setValue(batch)


def user_files():
    return sorted(p.name for p in registry.user_models_dir().iterdir())


# --------------------------------------------------------------------------- the folder


def test_folder_problems_are_shown_and_block_start(qtbot, dialog, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert choose_folder(qtbot, dialog, empty).usable == 0
    assert "no photos found" in dialog.scan_label.text() and str(empty) in dialog.scan_label.text()
    assert not dialog.start_button.isEnabled()

    gray = colour_folder(tmp_path / "gray", n=0, gray=3)
    choose_folder(qtbot, dialog, gray)
    assert "all 3 readable photos are grayscale" in dialog.scan_label.text()
    assert not dialog.start_button.isEnabled()

    few = colour_folder(tmp_path / "few", n=4, broken=1)
    choose_folder(qtbot, dialog, few)
    assert "only 4 usable colour photos (1 unreadable skipped)" in dialog.scan_label.text()
    assert "at least 10" in dialog.scan_label.text() and not dialog.start_button.isEnabled()

    choose_folder(qtbot, dialog, tmp_path / "missing")
    assert "no such folder" in dialog.scan_label.text() and not dialog.start_button.isEnabled()

    ok = colour_folder(tmp_path / "garden", n=12, gray=1, broken=1)
    scan = choose_folder(qtbot, dialog, ok)
    assert (scan.usable, scan.unreadable, scan.grayscale) == (12, 1, 1)
    assert dialog.scan_label.text().startswith("12 usable colour photos (1 unreadable, 1 grayscale skipped)")
    assert dialog.name_edit.text() == "garden" and dialog.start_button.isEnabled()
    assert dialog.settings.get("paths/last_finetune_dir") == str(ok)

    # the name is checked as it is typed
    dialog.name_edit.setText(dialog.base_combo.currentData())
    assert "already exists" in dialog.name_label.text() and not dialog.start_button.isEnabled()
    dialog.name_edit.setText("")
    assert "name" in dialog.name_label.text() and not dialog.start_button.isEnabled()
    dialog.name_edit.setText("garden flowers")
    assert "garden-flowers.safetensors" in dialog.name_label.text() and dialog.start_button.isEnabled()

    # steps and epochs are two views of one length: 10 training photos (2 held out)
    short_run(dialog, steps=50, batch=4)
    assert dialog.epochs_spin.value() == pytest.approx(20.0)
    dialog.epochs_spin.setValue(2.0)
    assert dialog.steps_spin.value() == 5
    dialog.close()


def test_a_changed_crop_size_rescans(qtbot, dialog, tmp_path):
    folder = colour_folder(tmp_path / "photos", n=12)
    choose_folder(qtbot, dialog, folder, crop=56)
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(dialog.scanFinished, timeout=20000):
        dialog.crop_spin.setValue(64)
        assert not dialog.start_button.isEnabled()  # the photos were read for another crop size
    assert dialog.start_button.isEnabled() and dialog._scan.photos.size >= 64


def test_closing_during_a_scan_does_not_wait_and_reopening_scans_again(qtbot, dialog, tmp_path):
    folder = colour_folder(tmp_path / "photos", n=12)
    dialog.folder_edit.setText(str(folder))
    dialog.scan()
    assert dialog._scan_job is not None
    dialog.close()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog._runner.started, timeout=20000)  # stopped once the scan wound down
    assert workers.running_threads() == []
    with qtbot.waitSignal(dialog.scanFinished, timeout=20000) as blocker:
        dialog.show()
    assert blocker.args[0].usable == 12 and dialog.start_button.isEnabled()
    dialog.close()


# --------------------------------------------------------------------------- a run


def test_short_finetune_from_the_main_window(qtbot, window, models, tmp_path):
    window.controls.set_model(models)
    window.registry["finetune"].trigger()
    dialog = window.finetune_dialog
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.base_combo.currentData() == models  # the model in use is the default base
    choose_folder(qtbot, dialog, colour_folder(tmp_path / "holiday", n=14, broken=1))
    short_run(dialog, steps=12, batch=4)
    steps, evals, previews = [], [], []
    dialog.start_button.click()
    job = dialog._job
    kinds = {finetune_worker.Stepped: lambda e: steps.append((e.step, e.total, e.loss, e.eta)),
             finetune_worker.Evaluated: lambda e: evals.append(e.step),
             finetune_worker.Previewed: lambda e: previews.append((e.step, e.rgb))}
    job.yielded.connect(lambda e: kinds.get(type(e), lambda e: None)(e))
    assert dialog.running and not dialog.folder_edit.isEnabled() and dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.runFinished, timeout=RUN_TIMEOUT) as blocker:
        pass
    result = blocker.args[0]
    qtbot.waitUntil(lambda: not dialog.running)

    assert result.path == registry.user_models_dir() / "holiday.safetensors" and result.path.is_file()
    assert steps[-1][:2] == (12, 12) and all(1 <= s <= 12 for s, *_ in steps)
    assert evals[0] == 0 and evals[-1] == 12 and previews[0][0] == 0 and previews[-1][0] == 12
    assert previews[-1][1].shape[1] == 72  # the held-out photo at its own size
    assert dialog.chart.train and dialog.chart.eval
    for pane in (dialog.preview_input, dialog.preview_base, dialog.preview_now, dialog.preview_truth):
        assert pane.qimage is not None and not pane.image.pixmap().isNull()
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() == 12
    # the result in words; the figures under Details
    assert "Saved “holiday”" in dialog.result_label.text() and "PSNR" not in dialog.result_label.text()
    assert "true colours" in dialog.result_label.text()
    assert dialog.details_button.isVisible() and not dialog.result_details.isVisible()
    dialog.details_button.setChecked(True)
    assert dialog.result_details.isVisible() and "PSNR" in dialog.result_details.text()

    # the new model is in the picker at once, loads, and carries its provenance
    assert "holiday" in [e.name for e in window.controls.entries()]
    loaded = registry.load("holiday")
    assert loaded.meta["base_model"] == models and loaded.meta["finetune"]["photos"] == 14
    assert loaded.meta["steps"] == 12 and "val_before" in loaded.meta["finetune"]
    assert dialog.use_button.isVisible()
    dialog.use_button.click()
    assert window.controls.model_name() == "holiday"
    # the name moved on to a free one, ready for another run
    assert dialog.name_edit.text() == "holiday 2" and dialog.start_button.isEnabled()

    dialog.close()
    # closing never waits on the GUI thread: when the run's `finished` has not yet reached every
    # slot (the dialog's job bookkeeping is a later queued call), the runner stops when it does
    qtbot.waitUntil(lambda: not dialog._runner.started, timeout=20000)
    assert workers.running_threads() == []


def test_pause_holds_and_cancel_leaves_no_file(qtbot, dialog, models, tmp_path):
    choose_folder(qtbot, dialog, colour_folder(tmp_path / "long", n=12))
    short_run(dialog, steps=100_000, batch=2)
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: dialog.progress_bar.value() >= 3, timeout=RUN_TIMEOUT)
    assert "ETA" in dialog.progress_bar.text()
    dialog.pause_button.click()
    assert dialog._control.paused and dialog.pause_button.text() == "Resume"
    qtbot.wait(400)  # the step under way finishes, its signal arrives
    held_at = dialog.progress_bar.value()
    qtbot.wait(600)
    assert dialog.progress_bar.value() == held_at  # nothing trains while paused
    assert "Paused" in dialog.progress_bar.text()
    dialog.pause_button.click()
    assert not dialog._control.paused
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > held_at, timeout=RUN_TIMEOUT)

    with qtbot.waitSignal(dialog.runFinished, timeout=RUN_TIMEOUT) as blocker:
        dialog.cancel_button.click()
    assert blocker.args[0].path is None and blocker.args[0].steps < 100_000
    assert dialog.result_label.text() == "Cancelled; nothing was saved."
    said = [label for label in dialog.findChildren(QLabel) if "nothing was saved" in label.text()]
    assert said == [dialog.result_label]  # said once
    qtbot.waitUntil(lambda: not dialog.running)
    assert user_files() == [f"{models}.safetensors"]  # no model, no temporary file
    assert dialog.start_button.isEnabled()  # ready to try again


def test_closing_asks_and_then_cancels(qtbot, window, models, tmp_path):
    dialog = window.show_finetune()
    choose_folder(qtbot, dialog, colour_folder(tmp_path / "photos", n=12))
    short_run(dialog, steps=100_000, batch=2)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() >= 2, timeout=RUN_TIMEOUT)
    dialog.confirm_stop = lambda: False  # "Keep Training"
    dialog.close()
    assert dialog.isVisible() and dialog.running
    dialog.confirm_stop = lambda: True  # "Stop Fine-tuning"
    dialog.close()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.running, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: workers.running_threads() == [] or window.is_busy(), timeout=10000)
    assert not dialog._runner.started  # the dialog's thread stopped with it
    assert user_files() == [f"{models}.safetensors"]


def test_closing_the_window_stops_a_run(qtbot, window, models, tmp_path):
    dialog = window.show_finetune()
    choose_folder(qtbot, dialog, colour_folder(tmp_path / "photos", n=12))
    short_run(dialog, steps=100_000, batch=2)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() >= 2, timeout=RUN_TIMEOUT)
    window.close()
    assert workers.running_threads() == []
    assert user_files() == [f"{models}.safetensors"]


def test_a_run_that_cannot_start_says_why(qtbot, dialog, models, tmp_path):
    choose_folder(qtbot, dialog, colour_folder(tmp_path / "photos", n=12))
    short_run(dialog)
    registry.resolve(models).unlink()  # the base vanished after the dialog listed it
    with qtbot.waitSignal(dialog.runFinished, timeout=RUN_TIMEOUT) as blocker:
        dialog.start()
    assert blocker.args[0] is None
    assert "Fine-tuning failed" in dialog.result_label.text() and models in dialog.result_label.text()
    qtbot.waitUntil(lambda: not dialog.running)


# --------------------------------------------------------------------------- pieces


def test_chart_thins_training_points_and_rescales(qtbot):
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.clear(10_000)
    for s in range(1, 5001):
        chart.add_train(s, 1.0 / s)
    chart.add_eval(0, 2.0)
    chart.add_train(5001, float("nan"))  # a step without a loss is skipped
    assert len(chart.train) <= MAX_POINTS + 1 and chart.train[-1] == (5000.0, 1 / 5000)
    lo, hi = chart.y_range()
    assert lo <= 1 / 5000 and hi >= 2.0
    chart.resize(400, 200)
    assert not chart.grab().isNull()
    assert nice_ticks(0, 600, 7) == [0, 100, 200, 300, 400, 500, 600]
    assert nice_ticks(0.013, 0.05) == [0.02, 0.03, 0.04, 0.05]
    assert eta_text(-1) == "ETA –" and eta_text(125) == "ETA 2:05" and eta_text(3725) == "ETA 1:02:05"


# --------------------------------------------------------------------------- managing models


def test_manage_models_renames_and_deletes_user_models_only(qtbot, window, models):
    window.controls.set_model(models)
    window.registry["manage_models"].trigger()
    d = window.manage_dialog
    assert d.isVisible()
    assert [e.name for e in d.entries] == ["bundled-tiny", models]
    assert d.selected().name == models  # opens on the model in use
    assert "Kind: user model" in d.card_text() and "Family: regression" in d.card_text()
    assert d.rename_button.isEnabled() and d.delete_button.isEnabled()

    # a name in use is refused with a message; nothing changes
    assert d.rename_selected("bundled-tiny") is None
    assert "already exists" in d.note.text()
    # rename: metadata and file, and the main window's picker follows
    with qtbot.waitSignal(d.modelsChanged, timeout=10000):
        d.rename_selected("my base")
    assert user_files() == ["my-base.safetensors"]
    assert registry.load("my base").meta["name"] == "my base"
    assert window.controls.model_name() == "my base"
    assert d.selected().name == "my base"

    # bundled models are read-only
    d.select("bundled-tiny")
    assert not d.rename_button.isEnabled() and not d.delete_button.isEnabled()
    assert "Kind: bundled (read-only)" in d.card_text()
    assert d.delete_selected() is None and d.rename_selected("mine") is None
    assert (registry.bundled_dir() / "bundled-tiny.safetensors").is_file()

    # delete asks first
    d.select("my base")
    d.confirm_delete = lambda entry: False
    assert d.delete_selected() is None and user_files() == ["my-base.safetensors"]
    d.confirm_delete = lambda entry: True
    with qtbot.waitSignal(d.modelsChanged, timeout=10000):
        d.delete_selected()
    assert user_files() == []
    assert [e.name for e in window.controls.entries()] == ["bundled-tiny"]
    assert [e.name for e in d.entries] == ["bundled-tiny"]

    # Show File opens the model's folder (a url handler stands in for the desktop's file manager)
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    class Opener(QObject):
        def __init__(self):
            super().__init__()
            self.urls = []

        @Slot(QUrl)
        def open(self, url):
            self.urls.append(url.toLocalFile())

    opener = Opener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        d.reveal_selected()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opener.urls == [str(registry.bundled_dir())]
    d.close()
    assert workers.running_threads() == []
