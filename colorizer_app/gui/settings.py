"""The typed settings schema over QSettings: every key, its type and its default, in one list.

`Settings()` uses the platform's native store under the application's organisation and name;
`Settings(path)` uses an INI file (tests point it at a temporary folder). Reading always gives
the declared type: a missing, corrupt or foreign value falls back to the default rather than
leaking a string "0.38" or "true" into the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QByteArray, QSettings

from .. import cpu_threads
from ..defaults import DEFAULT_MODEL, DEFAULT_SIZE, DEFAULT_TEMPERATURE
from ..imaging.files import OUTPUT_FORMATS
from ..session.cache import DEFAULT_BUDGET

ORGANIZATION = "Colorizer"
APPLICATION = "Colorizer"

VIEW_MODES = ("split", "side_by_side", "compare")
EXPORT_FORMATS = tuple(OUTPUT_FORMATS)
SIZE_RANGE = (128, 1024)
TEMPERATURE_RANGE = (0.01, 1.0)
VIBRANCE_RANGE = (0.0, 2.0)
CACHE_MB = DEFAULT_BUDGET // 2**20
CACHE_MB_RANGE = (256, 65536)


@dataclass(frozen=True)
class Key:
    name: str
    type: type
    default: Any
    check: Callable[[Any], bool] | None = None  # a value failing this reads as the default
    doc: str = ""


def _between(lo, hi):
    return lambda v: lo <= v <= hi


def _one_of(options):
    return lambda v: v in options


CONTROL_FIELDS = ("model", "temperature", "vibrance", "size", "device")  # the side panel's controls


def _control_keys(prefix: str, model: str, model_doc: str) -> tuple[Key, ...]:
    """One key per control under `prefix`: the controls as last used, and the user's defaults.
    The defaults have no temperature: each model brings its own (as on the command line)."""
    temperature = (Key(f"{prefix}/temperature", float, DEFAULT_TEMPERATURE, _between(*TEMPERATURE_RANGE)),)
    return (Key(f"{prefix}/model", str, model, doc=model_doc),
            *(temperature if prefix == "controls" else ()),
            Key(f"{prefix}/vibrance", float, 1.0, _between(*VIBRANCE_RANGE)),
            Key(f"{prefix}/size", int, DEFAULT_SIZE, _between(*SIZE_RANGE)),
            Key(f"{prefix}/device", str, "auto"))


SCHEMA: tuple[Key, ...] = (
    # window
    Key("window/geometry", QByteArray, QByteArray(), doc="main window geometry"),
    Key("window/state", QByteArray, QByteArray(), doc="docks and toolbars"),
    Key("window/view_mode", str, "split", _one_of(VIEW_MODES)),
    Key("window/divider", float, 0.5, _between(0.0, 1.0)),
    # folders and history
    Key("paths/last_open_dir", str, ""),
    Key("paths/last_export_dir", str, ""),
    Key("paths/last_finetune_dir", str, "", doc="folder of colour photos last fine-tuned on"),
    Key("paths/recent", list, []),
    Key("app/samples_offered", bool, False, doc="the first start's offer of the sample photos was taken up or passed"),
    # the controls as last used
    *_control_keys("controls", "", "model name (registry) last chosen"),
    # export dialog as last used
    Key("export/format", str, "png", _one_of(EXPORT_FORMATS)),
    Key("export/quality", int, 95, _between(1, 100)),
    Key("export/pattern", str, "{stem}_color", lambda v: bool(v.strip())),
    # preferences (defaults)
    *_control_keys("defaults", DEFAULT_MODEL, "the CLI's default too; unknown: the first model"),
    Key("defaults/view_mode", str, "split", _one_of(VIEW_MODES)),
    Key("defaults/restore", bool, False, doc="repair scratches and spots of photos new to the session"),
    Key("defaults/restore_denoise", bool, False, doc="with the repair: reduce grain"),
    Key("defaults/restore_contrast", bool, False, doc="with the repair: lift faded contrast"),
    Key("prefs/restore_controls", bool, True, doc="start with the last used controls, not the defaults"),
    Key("prefs/recent_max", int, 10, _between(0, 50)),
    Key("prefs/auto_colorize", bool, True, doc="colourise the photo on view when it has no result"),
    Key("prefs/cache_mb", int, CACHE_MB, _between(*CACHE_MB_RANGE),
        doc="memory for decoded photos and results; what does not fit is made again when needed"),
    Key("prefs/threads", int, cpu_threads.AUTO, _between(0, cpu_threads.MAX_THREADS),
        doc="CPU threads for colourising (cpu_threads.py); 0 = automatic, which holds up under load"),
)
KEYS: dict[str, Key] = {k.name: k for k in SCHEMA}


def _convert(key: Key, raw: Any) -> Any:
    """A raw QSettings value (native type, or a string from an INI file) -> key.type, or raise."""
    t = key.type
    if t is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, (int, float)):
            return bool(raw)
        s = str(raw).strip().lower()
        if s in ("true", "1", "yes", "on"):
            return True
        if s in ("false", "0", "no", "off"):
            return False
        raise ValueError(raw)
    if t is int:
        if isinstance(raw, bool):
            raise ValueError(raw)
        return int(float(raw)) if isinstance(raw, str) else int(raw)
    if t is float:
        v = float(raw)
        if v != v:  # NaN
            raise ValueError(raw)
        return v
    if t is str:
        if isinstance(raw, (list, tuple)):  # INI splits "a, b" into a list
            return ", ".join(str(x) for x in raw)
        return str(raw)
    if t is list:
        if raw in (None, ""):
            return []
        if isinstance(raw, str):
            return [raw]
        return [str(x) for x in raw]
    if t is QByteArray:
        if isinstance(raw, QByteArray):
            return raw
        if isinstance(raw, (bytes, bytearray)):
            return QByteArray(bytes(raw))
        raise ValueError(raw)
    return t(raw)


class Settings:
    """Typed access: `s.get("controls/vibrance") -> float`, `s.set(name, value)`; unknown names raise."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            self.qsettings = QSettings(ORGANIZATION, APPLICATION)
        else:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)

    def get(self, name: str) -> Any:
        key = KEYS[name]
        raw = self.qsettings.value(name)
        if raw is None:
            return _copy(key.default)
        try:
            value = _convert(key, raw)
        except (TypeError, ValueError):
            return _copy(key.default)
        if key.check is not None and not key.check(value):
            return _copy(key.default)
        return value

    def set(self, name: str, value: Any) -> None:
        key = KEYS[name]
        value = _convert(key, value)
        if key.type is list:
            # An empty list would read back as None from some backends: store it explicitly.
            self.qsettings.setValue(name, value if value else "")
        else:
            self.qsettings.setValue(name, value)

    def sync(self) -> None:
        self.qsettings.sync()

    def add_recent(self, path: str | Path) -> list[str]:
        """Put a file or folder at the top of the recent list (deduplicated, trimmed)."""
        path = str(Path(path).resolve())
        recent = [p for p in self.get("paths/recent") if p != path]
        recent.insert(0, path)
        recent = recent[: self.get("prefs/recent_max")]
        self.set("paths/recent", recent)
        return recent

    def remove_recent(self, path: str | Path) -> None:
        """Take a file or folder off the recent list (one that no longer opens)."""
        path = str(Path(path).resolve())
        self.set("paths/recent", [p for p in self.get("paths/recent") if p != path])


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, QByteArray):
        return QByteArray(value)
    return value
