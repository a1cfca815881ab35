"""The main window's actions, menus and toolbar: one registry of actions (actions.py), each
with its shortcut and enabling rule, placed in the menus, the toolbar and the panels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QToolBar

from .views import PhotoViewer

if TYPE_CHECKING:
    from .main_window import MainWindow

MODE_TITLES = {"split": "&Split View", "side_by_side": "Side &by Side", "compare": "&Compare Models"}


def add_actions(w: "MainWindow") -> None:
    """Every action of the window, with its shortcut and the rule that enables it."""
    r = w.registry
    S = QKeySequence.StandardKey
    has_photos = lambda s: s["photos"] > 0  # noqa: E731
    can_run = lambda s: s["model"] and not s["batch"]  # noqa: E731
    viewable = lambda s: s["current_loaded"]  # noqa: E731
    r.add("open", "&Open…", w.open_files, shortcut=S.Open, tip="Open photos")
    r.add("open_folder", "Open &Folder…", w.open_folder, shortcut="Ctrl+Shift+O",
          tip="Open every photo in a folder")
    r.add("export", "&Export…", lambda: w.export(), shortcut=S.Save,
          enabled=lambda s: has_photos(s) and can_run(s), tip="Export colourised photos")
    r.add("export_all", "Export &All…", lambda: w.export(scope="all"), shortcut=S.SaveAs,
          enabled=lambda s: has_photos(s) and can_run(s))
    r.add("remove", "&Remove from List", w.remove_selected, shortcut=S.Delete,
          enabled=lambda s: s["selected"] > 0 or s["current"], tip="Remove the selected photos from the list")
    r.add("clear", "C&lear List", w.clear_list, enabled=has_photos)
    r.add("quit", "&Quit", w.close, shortcut=[S.Quit, "Ctrl+Q"])
    r.add("copy", "&Copy", w.copy_result, shortcut=S.Copy, enabled=lambda s: s["result"],
          tip="Copy the coloured picture to the clipboard")
    r.add("export_current", "Export &This Photo…", lambda: w.export(scope="current"),
          enabled=lambda s: s["current_loaded"] and can_run(s), tip="Export the photo shown")
    r.add("open_original_folder", "Open Original &Folder", w.open_original_folder,
          enabled=lambda s: s["current"], tip="Show the folder of the photo shown in the file manager")
    r.add("undo_hint", "&Undo Hint", w.undo_edit, shortcut=[S.Undo, "Ctrl+Z"], enabled=lambda s: s["can_undo"],
          tip="Undo the last change to this photo's colour hints")
    r.add("redo_hint", "&Redo Hint", w.redo_edit, shortcut=[S.Redo, "Ctrl+Shift+Z"], enabled=lambda s: s["can_redo"],
          tip="Redo the change to this photo's colour hints just undone")
    r.add("hints", "Colour &Hints", w.hints.toggle, shortcut="H", checkable=True,
          enabled=lambda s: s["current_loaded"],
          tip="Click the colour result to say which colour a spot should be")
    r.add("clear_hints", "Clear &Hints", w.hints.clear, enabled=lambda s: s["hints"] > 0,
          tip="Remove every colour hint of this photo")
    r.add("preferences", "&Preferences…", w.show_preferences, shortcut=[S.Preferences, "Ctrl+,"])
    group = QActionGroup(w)
    for i, mode in enumerate(PhotoViewer.MODES, 1):
        a = r.add(f"mode_{mode}", MODE_TITLES[mode], lambda m=mode: w.set_view_mode(m),
                  shortcut=str(i), checkable=True)
        group.addAction(a)
    r.add("zoom_in", "Zoom &In", w.viewer.zoom_in, shortcut=[S.ZoomIn, "Ctrl+="], enabled=viewable)
    r.add("zoom_out", "Zoom &Out", w.viewer.zoom_out, shortcut=S.ZoomOut, enabled=viewable)
    r.add("fit", "&Fit to Window", w.viewer.fit_to_window, shortcut="Ctrl+0", enabled=viewable)
    r.add("actual_size", "&Actual Size (100%)", w.viewer.actual_size, shortcut="Ctrl+1", enabled=viewable)
    r.add("next", "&Next Photo", lambda: w.list_view.step(1), shortcut=["PgDown", "Ctrl+Right"],
          enabled=lambda s: s["photos"] > 1)
    r.add("previous", "&Previous Photo", lambda: w.list_view.step(-1), shortcut=["PgUp", "Ctrl+Left"],
          enabled=lambda s: s["photos"] > 1)
    r.add("colorize_selected", "Colourise &Selected", w.colorize_selected, shortcut="Ctrl+R",
          enabled=lambda s: can_run(s) and (s["selected"] > 0 or s["current"]),
          tip="Colourise the selected photos with the current settings")
    r.add("colorize_all", "Colourise &All", w.colorize_all, shortcut="Ctrl+Shift+R",
          enabled=lambda s: can_run(s) and has_photos(s), tip="Colourise every photo in the list")
    r.add("cancel", "&Cancel", w.cancel_batch, shortcut="Esc", enabled=lambda s: s["batch"],
          tip="Stop the batch after the current photo")
    r.add("rescan_models", "Rescan &Models", w.reload_models,
          tip="Look again for bundled and user models")
    r.add("finetune", "&Fine-tune on My Photos…", w.show_finetune,
          tip="Adapt a model to a folder of your own colour photos")
    r.add("manage_models", "&Manage Models…", w.show_manage_models,
          tip="See each model's card; rename or delete your own models")
    r.add("shortcuts", "&Keyboard Shortcuts", w.show_shortcuts, shortcut=S.HelpContents,
          tip="Every keyboard shortcut of the window")
    r.add("samples", "Open &Sample Photos", w.open_samples, tip="Open the black-and-white sample photos")
    r.add("about", "&About Colorizer…", w.show_about)
    r.add("about_qt", "About &Qt…", lambda: QMessageBox.aboutQt(w))
    for a in r.actions.values():
        w.addAction(a)  # shortcuts work whatever has focus, toolbar hidden or not

def add_menus_and_toolbar(w: "MainWindow") -> None:
    """The menu bar, the toolbar, the list's context menu and the side panel's buttons."""
    r = w.registry
    mb = w.menuBar()
    m = mb.addMenu("&File")
    m.addActions([r["open"], r["open_folder"]])
    w.recent_menu = QMenu("Open &Recent", w)
    w.recent_menu.aboutToShow.connect(w._fill_recent_menu)
    m.addMenu(w.recent_menu)
    m.addSeparator()
    m.addActions([r["export"], r["export_all"]])
    m.addSeparator()
    m.addActions([r["remove"], r["clear"]])
    m.addSeparator()
    m.addAction(r["quit"])
    m = mb.addMenu("&Edit")
    m.addActions([r["undo_hint"], r["redo_hint"]])
    m.addSeparator()
    m.addAction(r["copy"])
    m.addSeparator()
    m.addActions([r["hints"], r["clear_hints"]])
    m.addSeparator()
    m.addAction(r["preferences"])
    m = mb.addMenu("&View")
    m.addActions([r[f"mode_{mode}"] for mode in PhotoViewer.MODES])
    m.addSeparator()
    m.addActions([r["zoom_in"], r["zoom_out"], r["fit"], r["actual_size"]])
    m.addSeparator()
    m.addActions([r["next"], r["previous"]])
    m.addSeparator()
    m.addActions([w.list_dock.toggleViewAction(), w.controls_dock.toggleViewAction()])
    m = mb.addMenu("&Colourise")
    m.addActions([r["colorize_selected"], r["colorize_all"], r["cancel"]])
    m.addSeparator()
    m.addAction(r["rescan_models"])
    m = mb.addMenu("&Tools")
    m.addActions([r["finetune"], r["manage_models"]])
    m = mb.addMenu("&Help")
    m.addActions([r["shortcuts"], r["samples"]])
    m.addSeparator()
    m.addActions([r["about"], r["about_qt"]])

    tb = QToolBar("Main", w)
    tb.setObjectName("toolbar_main")
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    tb.setMovable(False)
    tb.addActions([r["open"], r["open_folder"], r["export"]])
    tb.addSeparator()
    tb.addActions([r[f"mode_{mode}"] for mode in PhotoViewer.MODES])
    tb.addSeparator()
    tb.addAction(r["hints"])
    tb.addSeparator()
    tb.addActions([r["zoom_out"], r["zoom_in"], r["fit"], r["actual_size"]])
    w.addToolBar(tb)
    w.toolbar = tb

    w.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    w.list_view.addActions([r["colorize_selected"], r["export"], r["open_original_folder"], r["remove"]])

    w.controls.add_action_button(r["colorize_selected"])
    w.controls.add_action_button(r["colorize_all"])
    w.controls.add_action_button(r["export_all"])
