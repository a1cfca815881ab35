"""The session's jobs: plain generator functions the GUI runs on worker threads.

Each takes `should_stop` (checked between photos) and, where it has a length, `on_progress(done,
total)`, and yields small event objects that the GUI applies to the session on its own thread.
One bad photo never stops the rest: its failure is an event like any other. Nothing here knows Qt,
so every job is tested by iterating it.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import numpy as np

from ..imaging.files import iter_image_files, path_key
from ..imaging.io import ImageError, load_image, save_image
from ..models.header import CheckpointError
from .export import ExportPlan
from .params import Params
from .photos import Opened
from .render import PhotoRef, Renderer, lightness, thumbnail_of

if TYPE_CHECKING:
    from ..restore.options import Restore

Progress = Callable[[int, int], None]
Stop = Callable[[], bool]


def _never() -> bool:
    return False


def _ignore(*_args) -> None:
    pass


@dataclass(frozen=True)
class Found:
    files: list[Path]  # every file about to be opened, in order


@dataclass(frozen=True)
class OpenFailed:
    path: Path
    reason: str


@dataclass(frozen=True)
class Started:
    photo_id: int


@dataclass(frozen=True)
class Coloured:
    """A photo's result is made (its network output is in the cache) with `params`."""

    photo_id: int
    params: Params
    thumbnail: np.ndarray
    seconds: float
    device: str


@dataclass(frozen=True)
class Failed:
    photo_id: int
    reason: str
    label: str = ""  # compare mode: the model that failed


@dataclass(frozen=True)
class Shown:
    """An image of the photo on screen: 'before' (gray) or 'after' (colour), at screen or full size."""

    photo_id: int
    kind: str
    image: np.ndarray
    full: bool
    params: Params | None = None
    restore: "Restore | None" = None  # 'before': the restoration it shows (None: the photo as it is)


@dataclass(frozen=True)
class Compared:
    photo_id: int
    label: str
    params: Params
    image: np.ndarray
    seconds: float
    device: str


@dataclass(frozen=True)
class Suggested:
    """Colours a model finds likely at a point of a photo, most likely first: (hex, probability)."""

    photo_id: int
    x: float
    y: float
    colours: list


@dataclass(frozen=True)
class Saved:
    photo_id: int
    path: Path


@dataclass(frozen=True)
class SaveFailed:
    photo_id: int
    reason: str


def reason(e: BaseException) -> str:
    """What a user is told when a photo fails."""
    if isinstance(e, ImageError):
        return e.problem
    if isinstance(e, MemoryError):
        return "not enough memory"
    if isinstance(e, CheckpointError):
        return str(e)
    traceback.print_exception(type(e), e, e.__traceback__)  # a bug: keep its trace
    return f"{type(e).__name__}: {e}"


# --- jobs ----------------------------------------------------------------------------------------


def load_photos(renderer: Renderer, paths: Iterable[str | Path], on_progress: Progress = _ignore,
                should_stop: Stop = _never) -> Iterator[Found | Opened | OpenFailed]:
    """Expand folders, open each photo (its pixels go to the cache) and make its thumbnail."""
    files = iter_image_files([Path(p) for p in paths])
    yield Found(files)
    for i, path in enumerate(files):
        if should_stop():
            return
        try:
            image = renderer.cache.put(("pixels", path_key(path)), load_image(path))
            yield Opened(path, image.size, image.is_colour, image.exif, image.icc_profile,
                         thumbnail_of(image.pixels))
        except Exception as e:  # never let one odd file stop the rest
            yield OpenFailed(path, reason(e))
        on_progress(i + 1, len(files))


def colourise(renderer: Renderer, refs: list[PhotoRef], params: Params, on_progress: Progress = _ignore,
              should_stop: Stop = _never, per_photo: dict[int, Params] | None = None
              ) -> Iterator[Started | Coloured | Failed]:
    """Run the network on each photo (the output is cached) and make its result thumbnail.
    `per_photo`: photo id -> its own params (the photo's colour hints), else `params`."""
    for i, ref in enumerate(refs):
        if should_stop():
            return
        yield Started(ref.id)
        params_i = (per_photo or {}).get(ref.id, params)
        try:
            L = lightness(renderer.image(ref).pixels)
            t0 = time.perf_counter()
            renderer.network(ref, params_i, L)  # the full lightness is at hand: the network needs no other
            r = renderer.render(ref, params_i, _thumb_L(L))
            r.seconds = time.perf_counter() - t0  # the network and the thumbnail
            yield Coloured(ref.id, params_i, r.rgb, r.seconds, r.device)
        except Exception as e:
            yield Failed(ref.id, reason(e))
        on_progress(i + 1, len(refs))


def _thumb_L(L):
    from .render import THUMBNAIL_SIZE, reduced

    return reduced(L, THUMBNAIL_SIZE)


def show(renderer: Renderer, ref: PhotoRef, params: Params | None, long_side: int, full: bool = False,
         should_stop: Stop = _never, restore: "Restore | None" = None) -> Iterator[Shown | Coloured | Failed]:
    """The photo on screen: its gray view first, then (with `params`) its colour result, at screen
    resolution or, with `full`, at its own size. A new result also gives the work list its icon.
    The gray view is restored as `params` (or, for a photo not coloured, `restore`) says."""
    try:
        restore = params.restore if params is not None else restore
        gray = renderer.full_gray(ref, restore) if full else renderer.before(ref, restore, long_side)
        yield Shown(ref.id, "before", gray, full, restore=restore if restore is not None and restore.active else None)
        if params is None or should_stop():
            return
        r = renderer.full(ref, params) if full else renderer.preview(ref, params, long_side)
        if should_stop():
            return
        yield Shown(ref.id, "after", r.rgb, full, params)
        L = renderer.screen(ref, long_side).L
        yield Coloured(ref.id, params, renderer.render(ref, params, _thumb_L(L)).rgb, r.seconds, r.device)
    except Exception as e:
        yield Failed(ref.id, reason(e))


def suggest(renderer: Renderer, ref: PhotoRef, params: Params, x: float, y: float,
            long_side: int) -> Suggested:
    """The colours `params`' model (best a classification one) finds likely at (x, y), shown at
    about the photo's own lightness there, so a swatch looks like the colour it would give. Its
    network output is cached like any other: the next point of the same photo is quick."""
    from ..models.hints import hex_of_ab
    from ..models.suggest import likely_colours

    out, c, _ = renderer.network(ref, params)
    L = renderer.screen(ref, long_side).L
    h, w = L.shape[-2:]
    lightness = float(L[0, min(h - 1, int(y * h)), min(w - 1, int(x * w))])
    shown = min(80.0, max(40.0, lightness))  # a very dark or bright spot would hide the colour
    return Suggested(ref.id, x, y, [(hex_of_ab(s.a, s.b, shown), s.probability)
                                    for s in likely_colours(c.model, out, x, y)])


def compare(renderer: Renderer, ref: PhotoRef, wanted: list[tuple[str, Params]], long_side: int,
            should_stop: Stop = _never) -> Iterator[Compared | Failed]:
    """Each (label, params) result of one photo at screen resolution: the compare view."""
    for label, params in wanted:
        if should_stop():
            return
        try:
            r = renderer.preview(ref, params, long_side)
            yield Compared(ref.id, label, params, r.rgb, r.seconds, r.device)
        except Exception as e:
            yield Failed(ref.id, reason(e), label)


def export(renderer: Renderer, plan: ExportPlan, on_progress: Progress = _ignore, should_stop: Stop = _never
           ) -> Iterator[Started | Coloured | Failed | Saved | SaveFailed]:
    """Render each item at full resolution and write it; the cancel flag is checked before saving."""
    for i, item in enumerate(plan.items):
        if should_stop():
            return
        if item.colourise:
            yield Started(item.ref.id)
        try:
            r = renderer.full(item.ref, item.params, keep=False)
        except Exception as e:
            yield Failed(item.ref.id, reason(e))
            on_progress(i + 1, len(plan.items))
            continue
        if item.colourise:
            thumb = renderer.result_thumbnail(item.ref, item.params)
            yield Coloured(item.ref.id, item.params, thumb, r.seconds, r.device)
        if should_stop():
            return
        try:
            if not plan.overwrite and item.out.exists():
                raise ImageError(item.out, "already exists; not overwritten")
            path = save_image(r.rgb, item.out, exif=item.exif, icc_profile=item.icc_profile,
                              quality=plan.quality, protected=(item.ref.path, *plan.protected))
            yield Saved(item.ref.id, path)
        except Exception as e:
            yield SaveFailed(item.ref.id, reason(e))
        del r
        on_progress(i + 1, len(plan.items))
