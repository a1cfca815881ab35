"""Export plans: which photos go where, what stands in the way, and the report of what happened.

Planning is pure: the GUI asks about files that already exist (`existing`) and then runs the
plan's items with `jobs.export`. Photos that could not be opened are skipped with their reason,
originals are never written over, and two photos never write the same file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..imaging.files import output_path, path_key
from .params import Params
from .photos import Photo
from .render import PhotoRef

SCOPES = ("current", "selected", "all")


@dataclass(frozen=True)
class ExportOptions:
    scope: str  # "current", "selected" or "all"
    folder: Path
    fmt: str  # a key of imaging.io.OUTPUT_FORMATS
    quality: int
    pattern: str

    def path_for(self, source: Path) -> Path:
        return output_path(source, self.folder, self.fmt, self.pattern)


@dataclass(frozen=True)
class ExportItem:
    ref: PhotoRef
    out: Path
    params: Params
    colourise: bool  # it has no result with `params` yet: the job reports the new one
    exif: bytes | None = None
    icc_profile: bytes | None = None


@dataclass
class ExportReport:
    folder: Path
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (photo name, reason)
    skipped: list[Path] = field(default_factory=list)  # existing files the user chose to keep
    cancelled: bool = False

    def summary(self) -> str:
        n = len(self.written)
        msg = f"Exported {n} photo{'s' if n != 1 else ''} to {self.folder}"
        if self.cancelled:
            msg = "Export cancelled; " + msg[0].lower() + msg[1:]
        if self.skipped:
            msg += f"; skipped {len(self.skipped)} existing"
        if self.failed:
            msg += f"; {len(self.failed)} failed"
        return msg


def _as_is(_ref: PhotoRef, params: Params) -> Params:
    return params


def _settings_key(params: Params) -> Params:
    """What makes two photos' results "coloured the same way": not the device (it does not change
    the colours) and not each photo's own colour hints or restoration."""
    return replace(params, device="auto", hints=(), restore=None)


@dataclass
class ExportPlan:
    items: list[ExportItem]
    report: ExportReport
    protected: tuple[Path, ...]  # every photo of the session: never written over
    quality: int = 95
    overwrite: bool = False  # the user agreed to replace existing files
    params_of: Callable[[PhotoRef, Params], Params] = _as_is  # params for one photo (its hints)

    def existing(self) -> list[Path]:
        return [i.out for i in self.items if i.out.exists()]

    def settings_used(self) -> dict[Params, int]:
        """How many photos each model and settings would be written with (the device and each
        photo's own hints aside); more than one entry means a mixed export."""
        counts: dict[Params, int] = {}
        for item in self.items:
            key = _settings_key(item.params)
            counts[key] = counts.get(key, 0) + 1
        return counts

    def recolour(self, params: Params) -> None:
        """Write every photo with `params` and its own hints (those with a result made otherwise
        are colourised again)."""
        same = _settings_key(params)
        self.items = [i if _settings_key(i.params) == same
                      else replace(i, params=self.params_of(i.ref, params), colourise=True)
                      for i in self.items]

    def skip(self, paths: list[Path]) -> None:
        """Keep these existing files: their photos are not exported."""
        keep = set(paths)
        self.report.skipped = [p for p in paths]
        self.items = [i for i in self.items if i.out not in keep]


def plan_export(photos: list[Photo], session_photos: list[Photo], options: ExportOptions,
                params: Params | None, params_of: Callable[[PhotoRef, Params], Params] = _as_is) -> ExportPlan:
    """What exporting `photos` with `options` will write; photos with a result keep its params,
    the others are colourised with `params` (the current controls) on the way. `params_of` gives
    one photo's params (its colour hints, Session.params_for): a result made with other hints
    than the photo has now is made again."""
    report = ExportReport(options.folder)
    inputs = {p.key for p in session_photos}
    items: list[ExportItem] = []
    used: dict[str, str] = {}
    for photo in photos:
        if not photo.loaded:
            report.failed.append((photo.name, f"could not be opened ({photo.error or 'not loaded yet'}); skipped"))
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
        use = photo.params if photo.params is not None else params
        if use is None:
            report.failed.append((photo.name, "no model to colourise it with"))
            continue
        use = params_of(photo.ref, use)
        used[key] = photo.name
        items.append(ExportItem(photo.ref, out, use, use != photo.params, photo.exif, photo.icc_profile))
    return ExportPlan(items, report, tuple(p.path for p in session_photos), quality=options.quality,
                      params_of=params_of)
