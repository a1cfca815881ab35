"""The main window: work list, viewer, controls and the actions that drive them.

The window observes a Qt-free `Session` (colorizer_app/session): the photos, their states and
the results cache. Work runs on three runners, each with its own thread: `io` opens photos
(here), `preview` makes what the viewer shows (preview.py), `batch` colourises and exports many
photos (batch.py). No photo's pixels are kept here: the viewer holds the current photo's images.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QRect, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QFrame,
    QScrollArea,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStyle,
)

from ..imaging.files import SUPPORTED_EXTENSIONS, path_key
from ..models import registry
from ..session import jobs
from ..session.export import ExportOptions
from ..session.params import Params
from ..resources import samples_dir
from ..session.photos import Opened, Photo, Session
from . import engine_loader, menus
from .about import AboutDialog
from .actions import ActionRegistry
from .batch import BatchController
from .controls import ControlPanel
from .hints import HintController
from .photo_list import PhotoListModel, PhotoListView
from .preferences import PreferencesDialog
from .preview import PreviewController
from .restore_panel import RestoreController
from .settings import CONTROL_FIELDS, KEYS, Settings
from .views import PhotoViewer
from .wording import model_title, params_words
from .workers import Job, JobRunner

if TYPE_CHECKING:
    from .finetune_dialog import FineTuneDialog  # imported on first use: it brings in the training code
    from .manage_models import ManageModelsDialog  # and this one the checkpoint code (torch)

MAX_COMPARE = 4  # models shown side by side in compare mode
DEBOUNCE_MS = 200  # controls must rest this long before the photo is re-colourised (a released slider: at once)
COMPACT_WIDTH = 1100  # narrower than this, the side panels shrink so that the photo keeps most of the room
IMAGE_FILTER = "Images ({});;All files (*)".format(" ".join(f"*{e}" for e in sorted(SUPPORTED_EXTENSIONS)))


class MainWindow(QMainWindow):
    photosLoaded = Signal(object, object)  # photos opened, (path, reason) that failed (one load job)
    photoColorized = Signal(object)  # a Photo whose result has just arrived
    batchFinished = Signal(bool)  # cancelled?
    exportFinished = Signal(object)  # ExportReport
    warning = Signal(str)  # from the models, on any thread

    def __init__(self, settings: Settings | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self.setWindowTitle("Colorizer")
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.session = Session(cache_budget=self.settings.get("prefs/cache_mb") * 2**20)
        self.session.models.on_warning = self.warning.emit
        self.session.hints.store.on_warning = self.warning.emit  # saved colour hints that cannot be used
        self.io_runner = JobRunner("io", self)
        self._loads: dict[int, tuple[list, list]] = {}  # load job -> (photos opened, failures)
        self._new_rows: dict[int, bool] = {}  # load job -> has it selected its first new photo yet?
        self._found: dict[int, int] = {}  # load job -> photos found: "Opening 37 of 120…" as they arrive
        self._remember: dict[int, list[Path]] = {}  # load job -> paths for the recent list, if they open
        self._photo_note = ""  # the status bar's word on the current photo, cleared when another is shown
        self.closing = False
        self.finetune_dialog: FineTuneDialog | None = None  # made on first use, then kept
        self.manage_dialog: ManageModelsDialog | None = None

        self.photos = PhotoListModel(self.session, self)
        self.list_view = PhotoListView(self.photos)
        self.viewer = PhotoViewer()
        self.controls = ControlPanel()
        self.preview = PreviewController(self)
        self.batch = BatchController(self)
        self.hints = HintController(self)  # colour hints on the viewer (hints.py)
        self.restoration = RestoreController(self, self.controls.restore)  # repair (restore_panel.py)
        self.apply_restore_defaults()
        self.setCentralWidget(self.viewer)
        self._make_docks()
        self._make_status_bar()
        self._make_drop_highlight()
        self._make_samples_button()

        self.registry = ActionRegistry(self)
        menus.add_actions(self)
        menus.add_menus_and_toolbar(self)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._controls_settled)

        self.list_view.currentPhotoChanged.connect(self._current_changed)
        self.list_view.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.photos.rowsRemoved.connect(lambda *_: self.update_actions())
        self.controls.paramsChanged.connect(self._params_changed)
        self.controls.released.connect(self._controls_released)
        self.controls.resetRequested.connect(self.reset_controls)
        # the reference's check boxes: where its colours went, the colour with and without it
        self.controls.reference.viewChanged.connect(self.preview.request)
        self.controls.reference.problem.connect(lambda title, why: self.show_problems(title, [why]))
        self.warning.connect(lambda text: self.status(text, 10000))
        self.viewer.modeChanged.connect(self._mode_changed)
        self.viewer.zoomChanged.connect(self._zoom_changed)
        self.viewer.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.viewer.customContextMenuRequested.connect(self._viewer_menu)

        self.reload_models()
        self._restore_settings()
        self.update_actions()
        self._update_samples_button()
        engine_loader.call_when_loaded(self._show_device)  # torch may still be loading
        if self.session.hints.store.problem:
            self.status(self.session.hints.store.problem, 15000)

    # ============================================================================ construction

    def _make_docks(self) -> None:
        self.list_dock = QDockWidget("Photos", self)
        self.list_dock.setObjectName("dock_photos")
        self.list_dock.setWidget(self.list_view)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.list_dock)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("dock_controls")
        # in a scroll area: on a small screen the panel scrolls rather than squeezing the photo
        self.controls_scroll = QScrollArea()
        self.controls_scroll.setWidget(self.controls)
        self.controls_scroll.setWidgetResizable(True)
        self.controls_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.controls_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.controls_dock.setWidget(self.controls_scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.controls_dock)
        self.resizeDocks([self.list_dock, self.controls_dock], [240, 300], Qt.Orientation.Horizontal)

    def _make_drop_highlight(self) -> None:
        """A frame over the photo area while photos are dragged over the window."""
        self.drop_highlight = QLabel("Drop photos or folders to open them", self)
        self.drop_highlight.setObjectName("drop_highlight")
        self.drop_highlight.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_highlight.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.drop_highlight.setStyleSheet(
            "QLabel#drop_highlight { border: 3px dashed palette(highlight); border-radius: 8px;"
            " background: rgba(47, 127, 216, 40); color: palette(highlighted-text); font-size: 16px; }")
        self.drop_highlight.hide()

    def _set_drop_highlight(self, on: bool) -> None:
        if on:
            top_left = self.viewer.mapTo(self, self.viewer.rect().topLeft())
            self.drop_highlight.setGeometry(QRect(top_left, self.viewer.size()).adjusted(4, 4, -4, -4))
            self.drop_highlight.raise_()
        self.drop_highlight.setVisible(on)

    def _make_samples_button(self) -> None:
        """On a first start, one click opens the sample photos."""
        self.samples_button = QPushButton("Try the Sample Photos", self.viewer)
        self.samples_button.setObjectName("samples_button")
        self.samples_button.setToolTip(f"Open the black-and-white sample photos ({samples_dir()})")
        self.samples_button.clicked.connect(self.open_samples)
        self.samples_button.hide()

    def sample_photos(self) -> list[Path]:
        folder = samples_dir()
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_EXTENSIONS) \
            if folder.is_dir() else []

    def open_samples(self) -> Job | None:
        photos = self.sample_photos()
        if not photos:
            self.status(f"No sample photos found in {samples_dir()}.", 8000)
            return None
        return self.add_paths(photos, remember=False)

    def _update_samples_button(self) -> None:
        show = (not self.settings.get("app/samples_offered") and self.photos.rowCount() == 0
                and bool(self.sample_photos()))
        if show:
            b = self.samples_button
            b.adjustSize()
            b.move((self.viewer.width() - b.width()) // 2, self.viewer.height() // 2 + 40)
            b.raise_()
        self.samples_button.setVisible(show)

    def _make_status_bar(self) -> None:
        sb = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setMinimumWidth(160)
        self.progress.setMaximumWidth(300)  # room for "12 / 300 · about 4 min left"
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_batch)
        self.cancel_button.hide()
        self.export_folder_button = QPushButton("Open Folder")
        self.export_folder_button.setToolTip("Open the folder the photos were exported to")
        self.export_folder_button.clicked.connect(self._open_export_folder)
        self.export_folder_button.hide()
        self._export_folder: Path | None = None
        self._export_offer = QTimer(self)
        self._export_offer.setSingleShot(True)
        self._export_offer.setInterval(20000)
        self._export_offer.timeout.connect(self.export_folder_button.hide)
        self.zoom_label = QLabel()
        self.device_label = QLabel()
        self.time_label = QLabel("Last run: –")
        for w in (self.progress, self.cancel_button, self.export_folder_button, self.zoom_label, self.device_label, self.time_label):
            sb.addPermanentWidget(w)

    # ============================================================================ state

    def ui_state(self) -> dict:
        cur = self.current_photo()
        return {
            "photos": self.photos.rowCount(),
            "current": cur is not None,
            "current_loaded": cur is not None and cur.loaded,
            "selected": len(self.list_view.selectionModel().selectedIndexes()),
            "model": self.controls.entry() is not None,
            "batch": self.batch.job is not None,
            "result": self.viewer.result_image() is not None,
            **self.hints.state(),
            **self.restoration.state(),
        }

    def update_actions(self) -> None:
        self.restoration.sync()  # a photo that has just opened can now be repaired
        state = self.ui_state()
        self.registry.update(state)
        brush = state["brushing"]
        self.registry["undo_hint"].setText("&Undo Brush Stroke" if brush else "&Undo Hint")
        self.registry["redo_hint"].setText("&Redo Brush Stroke" if brush else "&Redo Hint")
        self.registry[f"mode_{self.viewer.mode()}"].setChecked(True)

    def current_photo(self) -> Photo | None:
        return self.list_view.current_photo()

    def is_busy(self) -> bool:
        return any(r.is_busy() for r in (self.io_runner, self.preview.runner, self.batch.runner,
                                         self.restoration.runner))

    def status(self, text: str, timeout_ms: int = 0) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # ============================================================================ settings

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.get("window/geometry")
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        self.fit_to_screen()
        state = s.get("window/state")
        if not state.isEmpty():
            self.restoreState(state)
        prefix = "controls" if s.get("prefs/restore_controls") else "defaults"
        self._apply_controls(prefix)
        mode = s.get("window/view_mode") if s.get("prefs/restore_controls") else s.get("defaults/view_mode")
        self.viewer.set_mode(mode)
        self.viewer.set_divider(s.get("window/divider"))
        self.update_actions()

    def fit_to_screen(self, available: QRect | None = None) -> None:
        """Keep the window inside the screen's available area (a window saved on a larger or
        a removed screen would otherwise open partly off screen)."""
        if available is None:
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is None:
                return
            available = screen.availableGeometry()
        if self.isMaximized() or self.isFullScreen():
            return
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        rect = fit_rect(frame, available)
        self.resize(rect.width() - extra_w, rect.height() - extra_h)
        self.move(rect.topLeft())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        compact = self.width() < COMPACT_WIDTH
        if compact != getattr(self, "_compact", None):
            self._compact = compact
            # the photo keeps most of the room: narrower panels (the list shows thumbnails, names elide)
            self.list_view.setMinimumWidth(120 if compact else 200)
            policy = QFormLayout.RowWrapPolicy.WrapAllRows if compact else QFormLayout.RowWrapPolicy.DontWrapRows
            for form in self.controls.findChildren(QFormLayout):  # labels above their fields
                form.setRowWrapPolicy(policy)
                form.activate()  # so that the panel is measured with its rows as they are now
            self.controls.layout().invalidate()
            # the panel is as wide as its widest row and the scroll bar: it never scrolls sideways
            bar = self.controls_scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
            narrow = self.controls.minimumSizeHint().width() + bar + 2
            widths = [120, max(230, narrow)] if compact else [240, max(300, narrow)]
            self.resizeDocks([self.list_dock, self.controls_dock], widths, Qt.Orientation.Horizontal)
        if self.samples_button.isVisible():
            self._update_samples_button()

    def _apply_controls(self, prefix: str) -> None:
        values = {f: self.settings.get(f"{prefix}/{f}") for f in CONTROL_FIELDS if f"{prefix}/{f}" in KEYS}
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
        self.photos.set_model_titles({str(e.path): model_title(e) for e in entries})
        if select:
            self.controls.set_model(select)
        for d in (self.finetune_dialog, self.manage_dialog):
            if d is not None:
                d.refresh_models(entries=entries)
        if not entries:
            self.status(
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
        recent = [p for p in self.settings.get("paths/recent") if p and Path(p).exists()]
        for p in recent:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda checked=False, path=p: self.add_paths([path]))
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Recent", lambda: self.settings.set("paths/recent", []))

    def _update_recent(self, paths: list[Path]) -> None:
        """Once opening is over, the files that opened, and the folders any photo opened from, go
        to the top of the recent list; a file that no longer opens leaves it, so the list offers
        only what works."""
        for p in reversed(paths):
            if p.is_dir():
                inside = os.path.join(path_key(p), "")
                if any(photo.loaded and photo.key.startswith(inside) for photo in self.session.photos):
                    self.settings.add_recent(p)
                continue
            photo = self.session.find_path(p)
            if photo is not None and photo.loaded:
                self.settings.add_recent(p)
            elif photo is not None and photo.unreadable:
                self.settings.remove_recent(p)

    def add_paths(self, paths, remember: bool = True) -> Job:
        """Open files and folders (folders are searched) on the io thread; returns the job."""
        paths = [Path(p) for p in paths]
        job = Job(jobs.load_photos, self.session.renderer, paths, kind="load")
        self._remember[job.id] = paths[:10] if remember else []
        self._loads[job.id] = ([], [])
        self._new_rows[job.id] = False
        self._found[job.id] = 0
        job.yielded.connect(lambda item, j=job: self._load_event(j, item))
        job.errored.connect(lambda why: self.status(f"Opening failed: {why}"))
        job.finished.connect(lambda j=job: self._load_finished(j))
        self.status("Opening…")
        self.io_runner.submit(job)
        return job

    def _load_event(self, job: Job, item) -> None:
        opened, failures = self._loads[job.id]
        if isinstance(item, jobs.Found):
            new = self.session.add_paths(item.files)
            if not item.files:
                self.status("No photos found there (JPEG, PNG, TIFF, WebP or BMP).", 8000)
            self._found[job.id] = self._found.get(job.id, 0) + len(new)
            if new:
                self._select_new(job, new)
                self.settings.set("app/samples_offered", True)
                self._update_samples_button()
        elif isinstance(item, Opened):
            photo = self.session.opened(item)
            if photo is None:
                return
            opened.append(photo)
            found = self._found.get(job.id, 0)
            if found > 1:
                self.status(f"Opening photos: {len(opened) + len(failures)} of {found}…")
            if photo is self.current_photo():
                self.preview.show_current()
                self.preview.request()
        elif isinstance(item, jobs.OpenFailed):
            photo = self.session.open_failed(item.path, item.reason)
            failures.append((Path(item.path), item.reason))
            if photo is self.current_photo():
                self.preview.show_current()
        self.update_actions()

    def take_paths_from_another_launch(self, paths: list[str]) -> None:
        """A second `colorizer PHOTO...` handed its photos over: open them here and come forward."""
        if paths:
            self.add_paths(paths)
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    def _select_new(self, job: Job, new: list[Photo]) -> None:
        """Newly opened photos are selected and the first is scrolled into view and shown, also
        when the list already had photos; later finds of the same job join the selection."""
        view, model = self.list_view, self.photos
        first, last = model.row_of(new[0]), model.row_of(new[-1])
        if first < 0 or last < 0:
            return
        sm = view.selectionModel()
        selection = QItemSelection(model.index(first), model.index(last))
        if not self._new_rows.get(job.id):
            self._new_rows[job.id] = True
            sm.setCurrentIndex(model.index(first), QItemSelectionModel.SelectionFlag.ClearAndSelect)
            sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            view.scrollTo(model.index(first), QAbstractItemView.ScrollHint.PositionAtTop)
        else:
            sm.select(selection, QItemSelectionModel.SelectionFlag.Select)

    def _load_finished(self, job: Job) -> None:
        self._new_rows.pop(job.id, None)
        self._found.pop(job.id, None)
        opened, failures = self._loads.pop(job.id)
        self._update_recent(self._remember.pop(job.id, []))
        msg = f"Opened {len(opened)} photo{'s' if len(opened) != 1 else ''}"
        if failures:
            msg += f"; {len(failures)} could not be opened (see the list)"
            self.show_problems("Some files could not be opened", [f"{p.name}: {why}" for p, why in failures])
        self.status(msg, 8000)
        self.photosLoaded.emit(opened, failures)
        self.update_actions()

    # ============================================================================ list

    def remove_selected(self) -> None:
        if self.hints.active and self.hints.selected is not None and not self.list_view.hasFocus():
            self.hints.delete()  # Delete on a selected hint removes the hint, not the photo
            return
        photos = self.list_view.selected_photos() or ([self.current_photo()] if self.current_photo() else [])
        self.remove_photos(photos)

    def remove_photos(self, photos: list[Photo]) -> None:
        self.session.remove(photos)
        if self.current_photo() is None and self.session.photos:
            self.list_view.set_current_photo(self.session.photos[0])
        self.preview.show_current()
        self.update_actions()
        self._update_samples_button()

    def clear_list(self) -> None:
        self.remove_photos(list(self.session.photos))

    def undo_edit(self) -> bool:
        """Ctrl+Z: the last damage brush stroke while the brush is in hand, else the last hint change."""
        return self.restoration.undo() if self.restoration.brush() else self.hints.undo()

    def redo_edit(self) -> bool:
        return self.restoration.redo() if self.restoration.brush() else self.hints.redo()

    def apply_restore_defaults(self) -> None:
        """Photos new to the session start with the repair Preferences set."""
        book, get = self.session.restoration, self.settings.get
        book.set_defaults(get("defaults/restore"), get("defaults/restore_denoise"), get("defaults/restore_contrast"))

    def _current_changed(self, photo: Photo | None) -> None:
        self.preview.show_current()
        self.preview.request()
        self.hints.photo_changed()
        self.restoration.photo_changed()
        self.update_actions()
        note = ""
        if photo is not None and photo.is_colour:
            note = f"{photo.name} is a colour photo: its lightness is used and its colours will be replaced."
        elif photo is not None and photo.error:
            note = f"{photo.name}: {photo.error}"
        if note:
            self.status(note, 8000)
        elif self._photo_note and self.statusBar().currentMessage() == self._photo_note:
            self.statusBar().clearMessage()  # it was about the photo no longer shown
        self._photo_note = note

    # ============================================================================ view

    def set_view_mode(self, mode: str) -> None:
        self.viewer.set_mode(mode)

    def _mode_changed(self, mode: str) -> None:
        self.registry[f"mode_{mode}"].setChecked(True)
        self.preview.show_current()
        self.preview.request()
        self.hints.refresh()

    def _zoom_changed(self, zoom: float) -> None:
        self.zoom_changed_text(zoom)
        photo = self.current_photo()
        if photo is not None and photo.loaded and self.preview.wants_full(photo) != self.preview.full:
            self.preview.request()  # zoomed past the screen-resolution preview, or back

    def zoom_changed_text(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")

    def compare_entries(self):
        return self.controls.entries()[:MAX_COMPARE]

    def show_run(self, seconds: float, device: str) -> None:
        if seconds:
            self.time_label.setText(f"Last run: {seconds:.2f} s")
        if device:
            self.device_label.setText(f"Device: {device}")

    def _show_device(self) -> None:
        if not engine_loader.ready():
            return  # shown once torch has loaded (see __init__)
        from ..engine.device import choose_device

        choice = choose_device(self.controls.device_request())
        self.device_label.setText(f"Device: {choice.label}")
        self.device_label.setToolTip(choice.message or "")

    # ============================================================================ colourising

    def current_params(self) -> Params | None:
        """The controls' params (no photo's hints: `photo_params` adds them)."""
        return self.controls.params()

    def photo_params(self, photo: Photo) -> Params | None:
        """What `photo` is coloured with now: the controls, with its colour hints when the model
        follows them."""
        return self.session.params_for(photo, self.controls.params())

    def _params_changed(self) -> None:
        self._debounce.start()
        self._show_device()
        self.update_actions()

    def _controls_released(self) -> None:
        """A slider let go: its value is final, so the preview need not wait for the debounce."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._controls_settled()

    def _controls_settled(self) -> None:
        self._save_controls()
        self.preview.request()
        self.hints.refresh()

    def colorize_selected(self) -> Job | None:
        photos = self.list_view.selected_photos() or ([self.current_photo()] if self.current_photo() else [])
        return self.batch.colourise(photos)

    def colorize_all(self) -> Job | None:
        return self.batch.colourise(list(self.session.photos))

    def colorize_photos(self, photos: list[Photo], force: bool = False) -> Job | None:
        """Colourise these photos with the current settings on the batch thread."""
        return self.batch.colourise(photos, force)

    def cancel_batch(self) -> None:
        self.batch.cancel()

    # ============================================================================ clipboard and context menu

    def copy_result(self) -> bool:
        """Put the colourised picture now shown on the clipboard."""
        image = self.viewer.result_image()
        if image is None:
            self.status("Nothing to copy yet: the photo is not coloured.", 5000)
            return False
        QGuiApplication.clipboard().setImage(image)
        photo = self.current_photo()
        self.status(f"Copied {photo.name if photo else 'the picture'} ({image.width()} × {image.height()}).", 5000)
        return True

    def offer_export_folder(self, folder: Path) -> None:
        """After an export: a button beside the message opens the folder (for a while)."""
        self._export_folder = Path(folder)
        self.export_folder_button.show()
        self._export_offer.start()

    def _open_export_folder(self) -> bool:
        self.export_folder_button.hide()
        folder = self._export_folder
        if folder is None:
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.status(f"No file manager could be opened; the photos are in {folder}", 15000)
            return False
        return True

    def open_original_folder(self) -> bool:
        """Show the current photo's folder in the file manager, or say on screen that it cannot."""
        photo = self.current_photo()
        if photo is None:
            return False
        folder = photo.path.parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.status(f"No file manager could be opened; the photo is in {folder}", 15000)
            return False
        return True

    def viewer_menu(self, marker: int | None = None) -> QMenu:
        r = self.registry
        menu = QMenu(self)
        if marker is not None:  # a right-click on a colour hint
            menu.addAction("Change Hint Colour…", lambda i=marker: self.hints.edit(i))
            menu.addAction("Delete Hint", lambda i=marker: self.hints.delete(i))
            menu.addSeparator()
        menu.addActions([r["copy"], r["export_current"], r["open_original_folder"]])
        if self.hints.active or self.hints.state()["hints"]:
            menu.addSeparator()
            menu.addActions([r["undo_hint"], r["redo_hint"], r["clear_hints"]])
        return menu

    def _viewer_menu(self, pos) -> None:
        self.update_actions()
        marker = self.viewer.marker_at(pos) if self.hints.active else None
        if marker is not None:
            self.hints.select(marker)
        menu = self.viewer_menu(marker)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewer.mapToGlobal(pos))

    def show_shortcuts(self) -> None:
        from .shortcuts import ShortcutsDialog

        ShortcutsDialog(self.registry, self).exec()

    # ============================================================================ export

    def export(self, scope: str | None = None) -> None:
        self.batch.export(scope)

    def export_photos(self, photos: list[Photo], options: ExportOptions) -> Job | None:
        return self.batch.export_photos(photos, options)

    def confirm_mixed_export(self, used: dict[Params, int], current: Params | None, uncoloured: int = 0) -> str:
        """The photos to export would be written with different models or settings: `used` counts
        the photos coloured with each, `uncoloured` those not coloured yet (they are coloured with
        the current settings on the way). 'recolour' them all with the current ones, export them
        'as_is', or 'cancel' (tests replace this)."""
        title = self.photos.model_title
        lines = [f"• {n} coloured with {params_words(p, title)}"
                 for p, n in sorted(used.items(), key=lambda kv: -kv[1])[:8]]
        if uncoloured:
            lines.append(f"• {uncoloured} not coloured yet: "
                         f"{'it' if uncoloured == 1 else 'they'} will be coloured with the current settings")
        box = QMessageBox(QMessageBox.Icon.Question, "Photos coloured differently",
                          "The photos to export would not all be coloured the same way:\n\n"
                          + "\n".join(lines) + "\n\nRecolour them all with the current settings"
                          + (f" ({params_words(current, title)})" if current else "")
                          + ", or export each as it is?", parent=self)
        recolour_b = box.addButton("Recolour All", QMessageBox.ButtonRole.AcceptRole)
        as_is_b = box.addButton("Export As They Are", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        if current is None:
            recolour_b.setEnabled(False)
        box.exec()
        clicked = box.clickedButton()
        return "recolour" if clicked is recolour_b else "as_is" if clicked is as_is_b else "cancel"

    def confirm_overwrite(self, existing: list[Path]) -> str:
        """'overwrite', 'skip' or 'cancel' (tests replace this)."""
        names = "\n".join(p.name for p in existing[:12]) + ("\n…" if len(existing) > 12 else "")
        one = len(existing) == 1
        what = "1 file already exists" if one else f"{len(existing)} files already exist"
        box = QMessageBox(QMessageBox.Icon.Question, "Replace the existing file?" if one else "Replace existing files?",
                          f"{what} in {existing[0].parent}:\n\n{names}", parent=self)
        replace_b = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        skip_b = box.addButton("Skip It" if one else "Skip Those", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "overwrite" if clicked is replace_b else "skip" if clicked is skip_b else "cancel"

    # ============================================================================ dialogs

    def show_problems(self, title: str, lines: list[str]) -> None:
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
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            self.session.cache.set_budget(self.settings.get("prefs/cache_mb") * 2**20)
            self.apply_restore_defaults()

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
        self.status(f"New model “{name}” is in the model picker.", 10000)

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
            self._set_drop_highlight(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._set_drop_highlight(False)

    def dragMoveEvent(self, event) -> None:
        if self._local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self._set_drop_highlight(False)
        paths = self._local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # ============================================================================ closing

    def shutdown(self) -> bool:
        """Cancel all work and wait for the threads; safe to call twice."""
        self.closing = True
        self._debounce.stop()
        ok = True
        runners = (self.batch.runner, self.preview.runner, self.io_runner, self.controls.reference.runner,
                   self.hints.runner, self.restoration.runner)
        for r in runners:
            r.cancel()
        for r in runners:
            ok = r.shutdown() and ok
        for d in (self.finetune_dialog, self.manage_dialog):
            if d is not None:
                ok = d.shutdown() and ok
        return ok

    def closeEvent(self, event) -> None:
        if self.batch.job is not None:
            self.status("Cancelling…")
        self.save_settings()
        self.shutdown()
        event.accept()


def fit_rect(rect: QRect, available: QRect) -> QRect:
    """`rect` shrunk to fit in `available` and moved inside it."""
    w, h = min(rect.width(), available.width()), min(rect.height(), available.height())
    x = min(max(rect.x(), available.left()), available.left() + available.width() - w)
    y = min(max(rect.y(), available.top()), available.top() + available.height() - h)
    return QRect(x, y, w, h)
