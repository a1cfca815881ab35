"""The main window: work list, viewer, controls, and the glue that keeps all work off the GUI thread.

Three job runners, each with its own thread: `io` decodes photos and makes their views and
thumbnails; `preview` colourises what is on screen (the current photo, or every model's result in
compare mode), where a newer request supersedes an older one; `batch` colourises and exports many
photos with a progress bar and Cancel. A photo's `pending_job` names the one job whose result is
still wanted for it, so late results of superseded or cancelled work are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolBar,
)

from ..imaging.io import SUPPORTED_EXTENSIONS
from ..models import registry
from . import engine_loader
from .about import AboutDialog
from .actions import ActionRegistry
from .controls import ControlPanel
from .export_dialog import ExportDialog, ExportOptions
from .photo_list import Photo, PhotoListModel, PhotoListView, State, path_key
from .preferences import PreferencesDialog
from .settings import CONTROL_FIELDS, Settings
from .views import PhotoViewer
from .workers import (
    ColorizeJob,
    ExportPlan,
    ImageCache,
    JobRunner,
    LoadedPhoto,
    LoadJob,
    Outcome,
    Params,
    Task,
    TaskKey,
)

if TYPE_CHECKING:
    from .finetune_dialog import FineTuneDialog  # imported on first use: it brings in the training code
    from .manage_models import ManageModelsDialog  # and this one the checkpoint code (torch)

MAX_COMPARE = 4  # models shown side by side in compare mode
DEBOUNCE_MS = 200  # controls must rest this long before the photo is re-colourised
MODE_TITLES = {"split": "&Split View", "side_by_side": "Side &by Side", "compare": "&Compare Models"}
IMAGE_FILTER = "Images ({});;All files (*)".format(" ".join(f"*{e}" for e in sorted(SUPPORTED_EXTENSIONS)))


@dataclass
class ExportReport:
    folder: Path
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (photo name, reason)
    skipped: list[Path] = field(default_factory=list)
    cancelled: bool = False




class MainWindow(QMainWindow):
    photosLoaded = Signal(object, object)  # photos loaded, photos that failed (one load job)
    photoColorized = Signal(object)  # a Photo whose result has just arrived
    batchFinished = Signal(bool)  # cancelled?
    exportFinished = Signal(object)  # ExportReport

    def __init__(self, settings: Settings | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self.setWindowTitle("Colorizer")
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.images = ImageCache()
        self.io_runner = JobRunner("io", self.images, self)
        self.preview_runner = JobRunner("preview", self.images, self)
        self.batch_runner = JobRunner("batch", self.images, self)
        self._batch_job: ColorizeJob | None = None
        self._export_report: ExportReport | None = None
        self._load_failures: list[tuple[Path, str]] = []
        self._closing = False
        self.finetune_dialog: FineTuneDialog | None = None  # made on first use, then kept
        self.manage_dialog: ManageModelsDialog | None = None

        self.photos = PhotoListModel(self)
        self.list_view = PhotoListView(self.photos)
        self.viewer = PhotoViewer()
        self.controls = ControlPanel()
        self.setCentralWidget(self.viewer)
        self._make_docks()
        self._make_status_bar()

        self.registry = ActionRegistry(self)
        self._make_actions()
        self._make_menus_and_toolbar()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._controls_settled)

        self.list_view.currentPhotoChanged.connect(self._current_changed)
        self.list_view.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.photos.rowsRemoved.connect(lambda *_: self.update_actions())
        self.controls.paramsChanged.connect(self._params_changed)
        self.controls.resetRequested.connect(self.reset_controls)
        self.viewer.modeChanged.connect(self._mode_changed)
        self.viewer.zoomChanged.connect(self._zoom_changed)

        self.reload_models()
        self._restore_settings()
        self.update_actions()
        engine_loader.call_when_loaded(self._show_device)  # torch may still be loading

    # ============================================================================ construction

    def _make_docks(self) -> None:
        self.list_dock = QDockWidget("Photos", self)
        self.list_dock.setObjectName("dock_photos")
        self.list_dock.setWidget(self.list_view)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.list_dock)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("dock_controls")
        self.controls_dock.setWidget(self.controls)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.controls_dock)
        self.resizeDocks([self.list_dock, self.controls_dock], [240, 280], Qt.Orientation.Horizontal)

    def _make_status_bar(self) -> None:
        sb = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_batch)
        self.cancel_button.hide()
        self.zoom_label = QLabel()
        self.device_label = QLabel()
        self.time_label = QLabel("Last run: –")
        for w in (self.progress, self.cancel_button, self.zoom_label, self.device_label, self.time_label):
            sb.addPermanentWidget(w)

    def _make_actions(self) -> None:
        r = self.registry
        S = QKeySequence.StandardKey
        has_photos = lambda s: s["photos"] > 0  # noqa: E731
        can_run = lambda s: s["model"] and not s["batch"]  # noqa: E731
        viewable = lambda s: s["current_loaded"]  # noqa: E731
        r.add("open", "&Open…", self.open_files, shortcut=S.Open, tip="Open photos")
        r.add("open_folder", "Open &Folder…", self.open_folder, shortcut="Ctrl+Shift+O",
              tip="Open every photo in a folder")
        r.add("export", "&Export…", self.export, shortcut=S.Save,
              enabled=lambda s: has_photos(s) and can_run(s), tip="Export colourised photos")
        r.add("export_all", "Export &All…", lambda: self.export(scope="all"), shortcut=S.SaveAs,
              enabled=lambda s: has_photos(s) and can_run(s))
        r.add("remove", "&Remove from List", self.remove_selected, shortcut=S.Delete,
              enabled=lambda s: s["selected"] > 0 or s["current"], tip="Remove the selected photos from the list")
        r.add("clear", "C&lear List", self.clear_list, enabled=has_photos)
        r.add("quit", "&Quit", self.close, shortcut=[S.Quit, "Ctrl+Q"])
        r.add("preferences", "&Preferences…", self.show_preferences, shortcut=[S.Preferences, "Ctrl+,"])
        group = QActionGroup(self)
        for i, mode in enumerate(PhotoViewer.MODES, 1):
            a = r.add(f"mode_{mode}", MODE_TITLES[mode], lambda m=mode: self.set_view_mode(m),
                      shortcut=str(i), checkable=True)
            group.addAction(a)
        r.add("zoom_in", "Zoom &In", self.viewer.zoom_in, shortcut=[S.ZoomIn, "Ctrl+="], enabled=viewable)
        r.add("zoom_out", "Zoom &Out", self.viewer.zoom_out, shortcut=S.ZoomOut, enabled=viewable)
        r.add("fit", "&Fit to Window", self.viewer.fit_to_window, shortcut="Ctrl+0", enabled=viewable)
        r.add("actual_size", "&Actual Size (100%)", self.viewer.actual_size, shortcut="Ctrl+1", enabled=viewable)
        r.add("next", "&Next Photo", lambda: self.list_view.step(1), shortcut=["PgDown", "Ctrl+Right"],
              enabled=lambda s: s["photos"] > 1)
        r.add("previous", "&Previous Photo", lambda: self.list_view.step(-1), shortcut=["PgUp", "Ctrl+Left"],
              enabled=lambda s: s["photos"] > 1)
        r.add("colorize_selected", "Colourise &Selected", self.colorize_selected, shortcut="Ctrl+R",
              enabled=lambda s: can_run(s) and (s["selected"] > 0 or s["current"]),
              tip="Colourise the selected photos with the current settings")
        r.add("colorize_all", "Colourise &All", self.colorize_all, shortcut="Ctrl+Shift+R",
              enabled=lambda s: can_run(s) and has_photos(s), tip="Colourise every photo in the list")
        r.add("cancel", "&Cancel", self.cancel_batch, shortcut="Esc", enabled=lambda s: s["batch"],
              tip="Stop the batch after the current photo")
        r.add("rescan_models", "Rescan &Models", self.reload_models,
              tip="Look again for bundled and user models")
        r.add("finetune", "&Fine-tune on My Photos…", self.show_finetune,
              tip="Adapt a model to a folder of your own colour photos")
        r.add("manage_models", "&Manage Models…", self.show_manage_models,
              tip="See each model's card; rename or delete your own models")
        r.add("about", "&About Colorizer…", self.show_about)
        r.add("about_qt", "About &Qt…", lambda: QMessageBox.aboutQt(self))
        for a in r.actions.values():
            self.addAction(a)  # shortcuts work whatever has focus, toolbar hidden or not

    def _make_menus_and_toolbar(self) -> None:
        r = self.registry
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([r["open"], r["open_folder"]])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        m.addMenu(self.recent_menu)
        m.addSeparator()
        m.addActions([r["export"], r["export_all"]])
        m.addSeparator()
        m.addActions([r["remove"], r["clear"]])
        m.addSeparator()
        m.addAction(r["quit"])
        m = mb.addMenu("&Edit")
        m.addAction(r["preferences"])
        m = mb.addMenu("&View")
        m.addActions([r[f"mode_{mode}"] for mode in PhotoViewer.MODES])
        m.addSeparator()
        m.addActions([r["zoom_in"], r["zoom_out"], r["fit"], r["actual_size"]])
        m.addSeparator()
        m.addActions([r["next"], r["previous"]])
        m.addSeparator()
        m.addActions([self.list_dock.toggleViewAction(), self.controls_dock.toggleViewAction()])
        m = mb.addMenu("&Colourise")
        m.addActions([r["colorize_selected"], r["colorize_all"], r["cancel"]])
        m.addSeparator()
        m.addAction(r["rescan_models"])
        m = mb.addMenu("&Tools")
        m.addActions([r["finetune"], r["manage_models"]])
        m = mb.addMenu("&Help")
        m.addActions([r["about"], r["about_qt"]])

        tb = QToolBar("Main", self)
        tb.setObjectName("toolbar_main")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tb.setMovable(False)
        tb.addActions([r["open"], r["open_folder"], r["export"]])
        tb.addSeparator()
        tb.addActions([r[f"mode_{mode}"] for mode in PhotoViewer.MODES])
        tb.addSeparator()
        tb.addActions([r["zoom_out"], r["zoom_in"], r["fit"], r["actual_size"]])
        self.addToolBar(tb)
        self.toolbar = tb

        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.list_view.addActions([r["colorize_selected"], r["export"], r["remove"]])

        self.controls.add_action_button(r["colorize_selected"])
        self.controls.add_action_button(r["colorize_all"])
        self.controls.add_action_button(r["export_all"])

    # ============================================================================ state

    def ui_state(self) -> dict:
        cur = self.current_photo()
        return {
            "photos": self.photos.rowCount(),
            "current": cur is not None,
            "current_loaded": cur is not None and cur.loaded,
            "selected": len(self.list_view.selected_photos()),
            "model": self.controls.entry() is not None,
            "batch": self._batch_job is not None,
        }

    def update_actions(self) -> None:
        self.registry.update(self.ui_state())
        self.registry[f"mode_{self.viewer.mode()}"].setChecked(True)

    def current_photo(self) -> Photo | None:
        return self.list_view.current_photo()

    def is_busy(self) -> bool:
        return any(r.is_busy() for r in (self.io_runner, self.preview_runner, self.batch_runner))

    def _track(self, job):
        job.message.connect(self._job_message)  # the runner keeps the job alive until it finished
        return job

    # ============================================================================ settings

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.get("window/geometry")
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = s.get("window/state")
        if not state.isEmpty():
            self.restoreState(state)
        prefix = "controls" if s.get("prefs/restore_controls") else "defaults"
        self._apply_controls(prefix)
        mode = s.get("window/view_mode") if s.get("prefs/restore_controls") else s.get("defaults/view_mode")
        self.viewer.set_mode(mode)
        self.viewer.set_divider(s.get("window/divider"))
        self.update_actions()

    def _apply_controls(self, prefix: str) -> None:
        values = {f: self.settings.get(f"{prefix}/{f}") for f in CONTROL_FIELDS}
        values["model"] = values["model"] or self.settings.get("defaults/model")
        self.controls.set_values(**values)

    def reset_controls(self) -> None:
        self._apply_controls("defaults")

    def save_settings(self) -> None:
        s = self.settings
        s.set("window/geometry", self.saveGeometry())
        s.set("window/state", self.saveState())
        s.set("window/view_mode", self.viewer.mode())
        s.set("window/divider", self.viewer.divider())
        self._save_controls()
        s.sync()

    def _save_controls(self) -> None:
        for name, value in self.controls.values().items():
            if value or name != "model":  # no model (none found) keeps the last one chosen
                self.settings.set(f"controls/{name}", value)

    def reload_models(self, select: str | None = None) -> None:
        """List the models again (the picker keeps its choice, or moves to `select`)."""
        entries = registry.list_models()
        self.controls.set_models(entries)
        if select:
            self.controls.set_model(select)
        for d in (self.finetune_dialog, self.manage_dialog):
            if d is not None:
                d.refresh_models(entries=entries)
        if not entries:
            self.statusBar().showMessage(
                f"No models found: put .safetensors models in {registry.bundled_dir()} "
                f"or {registry.user_models_dir()}, then use Colourise > Rescan Models.")
        self.update_actions()
        self._params_changed()

    # ============================================================================ loading

    def open_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open photos", self.settings.get("paths/last_open_dir"),
                                                IMAGE_FILTER)
        if files:
            self.settings.set("paths/last_open_dir", str(Path(files[0]).parent))
            self.add_paths(files)

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos",
                                                  self.settings.get("paths/last_open_dir"))
        if folder:
            self.settings.set("paths/last_open_dir", folder)
            self.add_paths([folder])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in self.settings.get("paths/recent") if p]
        for p in recent:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda checked=False, path=p: self.add_paths([path]))
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Recent", lambda: self.settings.set("paths/recent", []))

    def add_paths(self, paths, remember: bool = True) -> LoadJob:
        """Load files and folders (folders are searched) on the io thread; returns the job."""
        paths = [Path(p) for p in paths]
        if remember:
            for p in reversed(paths[:10]):
                self.settings.add_recent(p)
        job = self._track(LoadJob(paths))
        job.found.connect(self._load_found)
        job.result.connect(lambda loaded, j=job: self._load_result(j, loaded))
        job.error.connect(self._load_error)
        job.finished.connect(lambda j=job: self._load_finished(j))
        self.statusBar().showMessage("Opening…")
        self.io_runner.submit(job)
        return job

    def _load_found(self, files) -> None:
        new = self.photos.add_paths(files)
        if not files:
            self.statusBar().showMessage("No photos found there (JPEG, PNG, TIFF, WebP or BMP).", 8000)
        if new and self.current_photo() is None:
            self.list_view.set_current_photo(new[0])
        self.update_actions()

    def _load_result(self, job: LoadJob, loaded: LoadedPhoto) -> None:
        photo = self.photos.find_path(loaded.path)
        if photo is None or photo.loaded:
            return  # removed meanwhile, or loaded already
        photo.before, photo.thumbnail = loaded.before, loaded.thumbnail
        photo.size, photo.is_colour = loaded.size, loaded.is_colour
        photo.exif, photo.icc_profile = loaded.exif, loaded.icc_profile
        photo.state, photo.error = State.WAITING, ""
        self.photos.changed(photo, thumbnail=True)
        job.loaded_photos = getattr(job, "loaded_photos", []) + [photo]
        if photo is self.current_photo():
            self._show_current()
            self._request_preview()
        self.update_actions()

    def _load_error(self, path, reason: str) -> None:
        if path is None:
            self.statusBar().showMessage(f"Opening failed: {reason}")
            return
        photo = self.photos.find_path(path)
        if photo is None:
            (photo,) = self.photos.add_paths([path]) or (None,)
        if photo is not None:
            photo.state, photo.error = State.FAILED, reason
            self.photos.changed(photo)
        self._load_failures.append((Path(path), reason))

    def _load_finished(self, job: LoadJob) -> None:
        failures, self._load_failures = self._load_failures, []
        loaded = getattr(job, "loaded_photos", [])
        msg = f"Opened {len(loaded)} photo{'s' if len(loaded) != 1 else ''}"
        if failures:
            msg += f"; {len(failures)} could not be opened (see the list)"
            self._show_problems("Some files could not be opened",
                                [f"{p.name}: {why}" for p, why in failures])
        self.statusBar().showMessage(msg, 8000)
        self.photosLoaded.emit(loaded, failures)
        self.update_actions()

    # ============================================================================ list

    def remove_selected(self) -> None:
        photos = self.list_view.selected_photos() or ([self.current_photo()] if self.current_photo() else [])
        self.remove_photos(photos)

    def remove_photos(self, photos: list[Photo]) -> None:
        for p in photos:
            self.images.discard(p.path)
        self.photos.remove(photos)
        if self.current_photo() is None and self.photos.photos:
            self.list_view.set_current_photo(self.photos.photos[0])
        self._show_current()
        self.update_actions()

    def clear_list(self) -> None:
        self.remove_photos(list(self.photos.photos))

    def _current_changed(self, photo: Photo | None) -> None:
        self._show_current()
        self._request_preview()
        self.update_actions()
        if photo is not None and photo.is_colour:
            self.statusBar().showMessage(
                f"{photo.name} is a colour photo: its lightness is used and its colours will be replaced.", 8000)
        elif photo is not None and photo.state is State.FAILED:
            self.statusBar().showMessage(f"{photo.name}: {photo.error}", 8000)

    # ============================================================================ view

    def set_view_mode(self, mode: str) -> None:
        self.viewer.set_mode(mode)

    def _mode_changed(self, mode: str) -> None:
        self.registry[f"mode_{mode}"].setChecked(True)
        self._show_current()
        self._request_preview()

    def _zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")

    def _show_current(self) -> None:
        photo = self.current_photo()
        if photo is None or not photo.loaded:
            self.viewer.set_images(None, None)
            self.viewer.set_compare_images({})
            return
        self.viewer.set_images(photo.before, photo.after)
        if photo.after is None:
            if photo.state is State.FAILED:
                self.viewer.set_busy_text(f"Failed: {photo.error}")
            elif self.controls.entry() is None:
                self.viewer.set_busy_text("No model: see Help > About")
            elif photo.pending_job is None:
                self.viewer.set_busy_text("Not colourised yet")
        if self.viewer.mode() == "compare":
            self.viewer.set_compare_images(self._compare_images(photo))
        else:
            self.viewer.set_compare_images({})
        self._zoom_changed(self.viewer.zoom())

    def _compare_entries(self):
        return self.controls.entries()[:MAX_COMPARE]

    def _compare_images(self, photo: Photo) -> dict:
        return {e.name: photo.compare.get(e.name) for e in self._compare_entries()}

    # ============================================================================ colourising

    def current_params(self) -> Params | None:
        return self.controls.params()

    def _params_changed(self) -> None:
        self._debounce.start()
        self._show_device()
        self.update_actions()

    def _controls_settled(self) -> None:
        self._save_controls()
        self._request_preview()

    def _request_preview(self) -> None:
        """Colourise what the view shows, if it is not already shown with the current settings."""
        photo, params = self.current_photo(), self.current_params()
        if photo is None or not photo.loaded or params is None or self._closing:
            return
        if self.viewer.mode() == "compare":
            self._request_compare(photo, params)
            return
        if photo.params == params and photo.after is not None:
            if photo.pending_job is not None and self._batch_job is not None \
                    and photo.pending_job == self._batch_job.id:
                return  # the batch will deliver it
            self._settle(photo)  # back to the result on screen: a job still running for it is stale
            self._show_current()
            return
        if photo.after is None and not self.settings.get("prefs/auto_colorize") and photo.pending_job is None:
            self._show_current()
            return
        job = self._track(ColorizeJob([Task(TaskKey(photo.id), photo.path, params)], kind="preview"))
        self._connect_colorize(job)
        photo.pending_job = job.id
        photo.state = State.RUNNING
        self.photos.changed(photo)
        self.preview_runner.submit(job, supersede=True)
        self._show_current()

    def _request_compare(self, photo: Photo, params: Params) -> None:
        temperature = self.controls.temperature.value()  # for the classification models
        key = (params.device, params.size, params.vibrance, temperature)
        if photo.compare_params != key:
            photo.compare, photo.compare_expect = {}, {}
            photo.compare_params = key
        tasks = []
        for e in self._compare_entries():
            # Missing, or still None because the job computing it was superseded: (re)request it.
            if photo.compare.get(e.name) is None:
                p = params.with_model(str(e.path), e.family, temperature)
                tasks.append(Task(TaskKey(photo.id, e.name), photo.path, p))
                photo.compare[e.name] = None
                photo.compare_expect[e.name] = p
        self.viewer.set_compare_images(self._compare_images(photo))
        if tasks:
            job = self._track(ColorizeJob(tasks, kind="preview"))
            self._connect_colorize(job)
            self.preview_runner.submit(job, supersede=True)

    def _connect_colorize(self, job: ColorizeJob) -> None:
        job.taskStarted.connect(lambda key, j=job: self._task_started(j, key))
        job.result.connect(lambda outcome, j=job: self._outcome(j, outcome))
        job.error.connect(lambda key, why, j=job: self._task_failed(j, key, why))
        job.finished.connect(lambda j=job: self._colorize_finished(j))

    def _task_started(self, job: ColorizeJob, key: TaskKey) -> None:
        photo = self.photos.find(key.photo_id)
        if photo is not None and not key.label and photo.pending_job == job.id and photo.state is not State.RUNNING:
            photo.state = State.RUNNING
            self.photos.changed(photo)

    def _outcome(self, job: ColorizeJob, outcome: Outcome) -> None:
        photo = self.photos.find(outcome.key.photo_id)
        if photo is None:
            return  # removed from the list meanwhile
        if outcome.key.label:  # one model's result in compare mode
            if photo.compare_expect.get(outcome.key.label) == outcome.params:
                photo.compare[outcome.key.label] = outcome.image
                if photo is self.current_photo() and self.viewer.mode() == "compare":
                    self.viewer.set_compare_images(self._compare_images(photo))
                self._show_run(outcome)
            return
        if photo.pending_job != job.id:
            return  # stale: a newer request for this photo is on its way
        photo.after, photo.params = outcome.image, outcome.params
        photo.result_thumbnail = outcome.thumbnail
        photo.seconds, photo.device = outcome.seconds, outcome.device
        photo.state, photo.error, photo.pending_job = State.DONE, "", None
        self.photos.changed(photo, thumbnail=True)
        if photo is self.current_photo():
            self._show_current()
        self._show_run(outcome)
        self.photoColorized.emit(photo)

    def _task_failed(self, job: ColorizeJob, key: TaskKey | None, why: str) -> None:
        if key is None:
            self.statusBar().showMessage(f"Colourising failed: {why}")
            return
        photo = self.photos.find(key.photo_id)
        if photo is None:
            return
        if key.label:
            photo.compare.pop(key.label, None)
            self.statusBar().showMessage(f"{key.label} failed on {photo.name}: {why}", 10000)
            if photo is self.current_photo():
                self.viewer.set_compare_images(self._compare_images(photo))
            return
        if self._export_report is not None and job is self._batch_job:
            self._export_report.failed.append((photo.name, why))
        if photo.pending_job == job.id:
            photo.state, photo.error, photo.pending_job = State.FAILED, why, None
            self.photos.changed(photo)
            if photo is self.current_photo():
                self._show_current()
        self.statusBar().showMessage(f"{photo.name}: {why}", 10000)

    def _colorize_finished(self, job: ColorizeJob) -> None:
        # Photos this job was still meant to deliver but never did (cancelled): back to rest.
        for photo in self.photos.photos:
            if photo.pending_job == job.id:
                self._settle(photo)
                if photo is self.current_photo():
                    self._show_current()
        if job is self._batch_job:
            self._batch_done(job)
        self.update_actions()

    def _settle(self, photo: Photo) -> None:
        """Nothing is on its way for `photo` any more: its state follows from its result."""
        photo.pending_job = None
        photo.state = State.DONE if photo.after is not None else State.WAITING
        self.photos.changed(photo)

    def _show_run(self, outcome: Outcome) -> None:
        if outcome.computed:
            self.time_label.setText(f"Last run: {outcome.seconds:.2f} s")
            self.device_label.setText(f"Device: {outcome.device}")

    def _show_device(self) -> None:
        if not engine_loader.ready():
            return  # shown once torch has loaded (see __init__)
        from ..engine.device import choose_device

        choice = choose_device(self.controls.device_request())
        self.device_label.setText(f"Device: {choice.label}")
        self.device_label.setToolTip(choice.message or "")

    def _job_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    # ============================================================================ batch

    def colorize_selected(self) -> ColorizeJob | None:
        photos = self.list_view.selected_photos() or ([self.current_photo()] if self.current_photo() else [])
        return self.colorize_photos(photos)

    def colorize_all(self) -> ColorizeJob | None:
        return self.colorize_photos(list(self.photos.photos))

    def colorize_photos(self, photos: list[Photo], force: bool = False) -> ColorizeJob | None:
        """Colourise these photos with the current settings on the batch thread."""
        params = self.current_params()
        if params is None or self._batch_job is not None:
            return None
        todo = [p for p in photos if p.loaded and (force or p.params != params or p.after is None)]
        if not todo:
            self.statusBar().showMessage("Nothing to do: those photos are already colourised with these settings.",
                                         6000)
            return None
        tasks = [Task(TaskKey(p.id), p.path, params) for p in todo]
        return self._start_batch(ColorizeJob(tasks, kind="batch"), todo, f"Colourising {len(todo)} photos")

    def _start_batch(self, job: ColorizeJob, photos: list[Photo], text: str) -> ColorizeJob:
        self._track(job)
        self._connect_colorize(job)
        job.progress.connect(self._batch_progress)
        for p in photos:
            p.pending_job = job.id
            p.state = State.WAITING
            self.photos.changed(p)
        self._batch_job = job
        self.progress.setRange(0, len(job.tasks))
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m")
        self.progress.show()
        self.cancel_button.show()
        self.statusBar().showMessage(text + "…")
        self.batch_runner.submit(job)
        self.update_actions()
        return job

    def _batch_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def cancel_batch(self) -> None:
        if self._batch_job is not None:
            self._batch_job.cancel()
            self.statusBar().showMessage("Cancelling after the current photo…")

    def _batch_done(self, job: ColorizeJob) -> None:
        self._batch_job = None
        self.progress.hide()
        self.cancel_button.hide()
        cancelled = job.cancelled
        report, self._export_report = self._export_report, None
        if report is not None:
            report.cancelled = cancelled
            self._export_done(report)
        else:
            done = sum(1 for t in job.tasks if (p := self.photos.find(t.key.photo_id)) and p.params == t.params
                       and p.state is State.DONE)
            self.statusBar().showMessage(
                f"{'Cancelled: c' if cancelled else 'C'}olourised {done} of {len(job.tasks)} photos", 8000)
        self.batchFinished.emit(cancelled)
        self.update_actions()

    # ============================================================================ export

    def export(self, scope: str | None = None) -> None:
        cur = self.current_photo()
        counts = {"current": 1 if cur is not None and cur.loaded else 0,
                  "selected": len([p for p in self.list_view.selected_photos() if p.loaded]),
                  "all": len([p for p in self.photos.photos if p.loaded])}
        if scope is None:
            scope = "selected" if counts["selected"] > 1 else "current"
        s = self.settings
        folder = s.get("paths/last_export_dir") or (str(cur.path.parent) if cur else "")
        dialog = ExportDialog(self, folder=folder, fmt=s.get("export/format"), quality=s.get("export/quality"),
                              pattern=s.get("export/pattern"), scope=scope, counts=counts,
                              example=cur.path if cur else None)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        options = dialog.options()
        s.set("paths/last_export_dir", str(options.folder))
        s.set("export/format", options.fmt)
        s.set("export/quality", options.quality)
        s.set("export/pattern", options.pattern)
        self.export_photos(self._scope_photos(options.scope), options)

    def _scope_photos(self, scope: str) -> list[Photo]:
        if scope == "current":
            return [self.current_photo()] if self.current_photo() else []
        if scope == "selected":
            return self.list_view.selected_photos()
        return list(self.photos.photos)

    def confirm_overwrite(self, existing: list[Path]) -> str:
        """'overwrite', 'skip' or 'cancel' (tests replace this)."""
        names = "\n".join(p.name for p in existing[:12]) + ("\n…" if len(existing) > 12 else "")
        box = QMessageBox(QMessageBox.Icon.Question, "Replace existing files?",
                          f"{len(existing)} file{'s' if len(existing) != 1 else ''} already exist in "
                          f"{existing[0].parent}:\n\n{names}", parent=self)
        replace_b = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        skip_b = box.addButton("Skip Those", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "overwrite" if clicked is replace_b else "skip" if clicked is skip_b else "cancel"

    def export_photos(self, photos: list[Photo], options: ExportOptions) -> ColorizeJob | None:
        """Write these photos' results (colourising any that have none) on the batch thread."""
        params = self.current_params()
        if self._batch_job is not None:
            return None
        report = ExportReport(options.folder)
        inputs = {p.key for p in self.photos.photos}  # resolved when each photo was added
        planned: list[tuple[Photo, Path]] = []
        used: dict[str, str] = {}
        for photo in photos:
            if not photo.loaded:
                report.failed.append((photo.name, photo.error or "not loaded"))
                continue
            try:
                out = options.path_for(photo.path)
            except ValueError as e:
                report.failed.append((photo.name, str(e)))
                continue
            key = path_key(out)
            if key in inputs:
                report.failed.append((photo.name, f"{out.name} is an original photo; refusing to overwrite it"))
                continue
            if key in used:
                report.failed.append((photo.name, f"{out.name} would also be written by {used[key]}"))
                continue
            if photo.after is None and params is None:
                report.failed.append((photo.name, "no model to colourise it with"))
                continue
            used[key] = photo.name
            planned.append((photo, out))
        existing = [out for _, out in planned if out.exists()]
        overwrite = False
        if existing:
            answer = self.confirm_overwrite(existing)
            if answer == "cancel":
                return None
            if answer == "skip":
                report.skipped = existing
                planned = [(p, out) for p, out in planned if out not in existing]
            overwrite = answer == "overwrite"
        tasks, computing = [], []
        for photo, out in planned:
            if photo.after is not None and photo.params is not None:
                tasks.append(Task(TaskKey(photo.id), photo.path, photo.params, existing=photo.after,
                                  out_path=out, exif=photo.exif, icc_profile=photo.icc_profile))
            else:
                tasks.append(Task(TaskKey(photo.id), photo.path, params, out_path=out,
                                  exif=photo.exif, icc_profile=photo.icc_profile))
                computing.append(photo)
        if not tasks:
            self._export_done(report)
            return None
        plan = ExportPlan(quality=options.quality, overwrite=overwrite,
                          protected=tuple(p.path for p in self.photos.photos))
        job = ColorizeJob(tasks, kind="export", export=plan)
        job.saved.connect(lambda key, path: report.written.append(Path(path)))
        job.saveFailed.connect(lambda key, why: report.failed.append(
            ((p.name if (p := self.photos.find(key.photo_id)) else "?"), why)))
        self._export_report = report
        return self._start_batch(job, computing, f"Exporting {len(tasks)} photos to {options.folder}")

    def _export_done(self, report: ExportReport) -> None:
        msg = f"Exported {len(report.written)} photo{'s' if len(report.written) != 1 else ''} to {report.folder}"
        if report.cancelled:
            msg = "Export cancelled; " + msg[0].lower() + msg[1:]
        if report.skipped:
            msg += f"; skipped {len(report.skipped)} existing"
        if report.failed:
            msg += f"; {len(report.failed)} failed"
            self._show_problems("Some photos were not exported", [f"{n}: {why}" for n, why in report.failed])
        self.statusBar().showMessage(msg, 10000)
        self.exportFinished.emit(report)

    # ============================================================================ dialogs

    def _show_problems(self, title: str, lines: list[str]) -> None:
        """A non-modal report: work goes on while it is open."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, "\n".join(lines[:15])
                          + (f"\n… and {len(lines) - 15} more" if len(lines) > 15 else ""), parent=self)
        box.setDetailedText("\n".join(lines)) if len(lines) > 15 else None
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setModal(False)
        box.show()
        self.problem_box = box

    def show_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self.controls.entries(), self)
        dialog.exec()

    def show_about(self) -> None:
        AboutDialog(self).exec()

    def show_finetune(self) -> FineTuneDialog:
        """The (non-modal) fine-tune dialog, starting from the model now in use."""
        if self.finetune_dialog is None:
            from .finetune_dialog import FineTuneDialog

            d = FineTuneDialog(self.settings, self, base=self.controls.model_name(),
                               device=self.controls.device_request())
            d.modelSaved.connect(self._model_saved)
            d.useModel.connect(self.use_model)
            self.finetune_dialog = d
        elif not self.finetune_dialog.running:
            self.finetune_dialog.set_base(self.controls.model_name())
            self.finetune_dialog.set_device(self.controls.device_request())
        self.finetune_dialog.show()
        self.finetune_dialog.raise_()
        self.finetune_dialog.activateWindow()
        return self.finetune_dialog

    def show_manage_models(self) -> ManageModelsDialog:
        if self.manage_dialog is None:
            from .manage_models import ManageModelsDialog

            d = ManageModelsDialog(self)
            d.modelsChanged.connect(self.reload_models)
            d.modelRenamed.connect(self._model_renamed)
            self.manage_dialog = d
        self.manage_dialog.refresh_models(self.controls.model_name(), entries=self.controls.entries())
        self.manage_dialog.show()
        self.manage_dialog.raise_()
        self.manage_dialog.activateWindow()
        return self.manage_dialog

    def _model_saved(self, name: str) -> None:
        self.reload_models()
        self.statusBar().showMessage(f"New model “{name}” is in the model picker.", 10000)

    def _model_renamed(self, old: str, new: str) -> None:
        if self.controls.model_name() == old:
            self.reload_models(select=new)

    def use_model(self, name: str) -> None:
        """Pick a model in the side panel (the current photo is colourised with it)."""
        self.controls.set_values(model=name)

    # ============================================================================ drag and drop

    @staticmethod
    def _local_paths(mime) -> list[Path]:
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []

    def dragEnterEvent(self, event) -> None:
        if self._local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = self._local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # ============================================================================ closing

    def shutdown(self) -> bool:
        """Cancel all work and wait for the threads; safe to call twice."""
        self._closing = True
        self._debounce.stop()
        ok = True
        for r in (self.batch_runner, self.preview_runner, self.io_runner):
            r.cancel()
        for r in (self.batch_runner, self.preview_runner, self.io_runner):
            ok = r.shutdown() and ok
        for d in (self.finetune_dialog, self.manage_dialog):
            if d is not None:
                ok = d.shutdown() and ok
        return ok

    def closeEvent(self, event) -> None:
        if self._batch_job is not None:
            self.statusBar().showMessage("Cancelling…")
        self.save_settings()
        self.shutdown()
        event.accept()
