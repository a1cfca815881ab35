"""The About box (version, licence, where models and settings live) and, one click further, the
model card (weights/MODEL_CARD.md) with each model's metadata."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QTextBrowser, QVBoxLayout

from .. import __version__
from ..models import registry
from ..models.registry import ModelEntry
from .controls import device_items
from .wording import model_title

_SHOWN_META = ("family", "name", "steps", "version", "app_version", "training_data", "data",
               "command", "val_metrics", "default_temperature", "spec", "created")


def model_card_markdown() -> str | None:
    card = registry.bundled_dir() / "MODEL_CARD.md"
    try:
        return card.read_text(encoding="utf-8")
    except OSError:
        return None


def metadata_html(entry: ModelEntry) -> str:
    rows = [("file", str(entry.path)), ("origin", "bundled" if entry.bundled else "user model")]
    meta = entry.meta
    keys = [k for k in _SHOWN_META if k in meta] + sorted(k for k in meta if k not in _SHOWN_META
                                                            and k not in ("format_version", "normalisation"))
    for k in keys:
        v = meta[k]
        text = json.dumps(v, indent=1, sort_keys=True) if isinstance(v, (dict, list)) else str(v)
        if len(text) > 1500:
            text = text[:1500] + " …"
        rows.append((k, text))
    body = "".join(f"<tr><td valign='top'><b>{html.escape(k)}</b></td>"
                   f"<td><pre style='margin:0; white-space:pre-wrap'>{html.escape(v)}</pre></td></tr>"
                   for k, v in rows)
    title = model_title(entry)
    heading = title if title == entry.name else f"{title} ({entry.name})"
    return f"<h3>{html.escape(heading)}</h3><table cellspacing='4'>{body}</table>"


class AboutDialog(QDialog):
    """Short: what it is, version, licence, where models and settings live; the model card and
    each model's details are one click further (`show_model_card`)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("About Colorizer")
        settings = getattr(parent, "settings", None)
        settings_at = settings.qsettings.fileName() if settings is not None else "the system's settings store"
        self.header = QLabel(
            f"<h2>Colorizer {html.escape(__version__)}</h2>"
            "<p>Colours black-and-white photos on your own computer, offline, keeping their full size "
            "and detail.</p>"
            "<p>Free software under the MIT licence.</p>"
            f"<p><b>Models:</b> {html.escape(str(registry.bundled_dir()))} (bundled)<br>"
            f"<b>Your models:</b> {html.escape(str(registry.user_models_dir()))}<br>"
            f"<b>Settings:</b> {html.escape(str(settings_at))}</p>")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.card_button = buttons.addButton("Model Card…", QDialogButtonBox.ButtonRole.ActionRole)
        self.card_button.setToolTip("How each model was trained, on what, how well it does and its limits")
        self.card_button.clicked.connect(self.show_model_card)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.header)
        lay.addWidget(buttons)
        self.card_dialog: ModelCardDialog | None = None

    def show_model_card(self) -> "ModelCardDialog":
        if self.card_dialog is None:
            self.card_dialog = ModelCardDialog(self)
        self.card_dialog.show()
        self.card_dialog.raise_()
        return self.card_dialog


class ModelCardDialog(QDialog):
    """The model card (weights/MODEL_CARD.md), each model's metadata, the PyTorch build and devices."""

    def __init__(self, parent=None):
        import torch  # loaded by now as a rule (engine_loader), as are the devices below

        from ..engine.device import choose_device

        super().__init__(parent)
        self.setWindowTitle("Model Card")
        items = device_items()  # probed once, by engine_loader off the GUI thread as a rule
        devices = ", ".join(request for _, request in items[1:])
        header = QLabel(f"PyTorch {torch.__version__} &middot; devices: {devices} "
                        f"(auto uses {choose_device('auto').label})")
        header.setTextFormat(Qt.TextFormat.RichText)

        self.tabs = QTabWidget()
        card = model_card_markdown()
        if card is not None:
            view = QTextBrowser()
            view.setOpenExternalLinks(True)
            view.setMarkdown(card)
            self.tabs.addTab(view, "Model card")
        entries = registry.list_models()
        for e in entries:
            view = QTextBrowser()
            view.setHtml(metadata_html(e))
            self.tabs.addTab(view, model_title(e))  # the picker's name; the file's is in the tab
        if not entries:
            view = QTextBrowser()
            view.setPlainText(f"No models found.\n\nBundled models: {registry.bundled_dir()}\n"
                              f"User models: {registry.user_models_dir()}")
            self.tabs.addTab(view, "Models")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(header)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(buttons)
        self.resize(640, 560)
