"""Colour hints: "this point is blue", from the GUI, from a JSON file, or sampled from the truth.

A hint is a position, as a fraction of the photo's width and height (0 to 1 from the top left,
after EXIF orientation), and a colour of which only the chroma (a, b) counts: the lightness is
the photo's own. A hint-taking network sees hints as three planes on its input grid: a and b
where a hint is, 0 elsewhere, and a mask that is 1 there (Zhang et al. 2017, "Real-Time
User-Guided Image Colorization with Learned Deep Priors").

The JSON format (`colorizer-cli colorize --hints FILE`, docs/cli.md):
    {"hints": [{"x": 0.25, "y": 0.6, "color": "#2a4fc0"}, ...]}
A hint may also carry its exact "a" and "b" (the app's own store keeps them): then they are its
chroma, and reading it needs no colour conversion.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where colours are converted or planes made, not before:
    import numpy as np  # the window reads saved hints (with their a and b) before torch has loaded
    import torch

HINT_PATCH = 3  # side, in working-image pixels, of the square a network sees a hint cover (trained
# with 1 to 7; 5 lets the network alone follow hints better, +2.49 dB at 10 hints on val against
# +1.96, but it spills the colour onto neighbours more, and after the spread along edges the two
# are level: +3.13 and +3.14 dB; docs/training-history.md)
TRUTH_PATCH = 7  # `eval --hints`: a sampled hint's colour is the true mean over this square
MAX_HINTS = 1000  # more than anyone places by hand; a file with more is refused
HEX = re.compile(r"#?([0-9a-fA-F]{6})")


class HintsError(ValueError):
    """Hints that cannot be used; the message names the file (or source) and the problem."""


@dataclass(frozen=True)
class Hint:
    x: float  # 0..1 of the width, from the left
    y: float  # 0..1 of the height, from the top
    a: float  # Lab a* of the hinted colour
    b: float  # Lab b* of the hinted colour
    color: str = ""  # the sRGB hex the user chose (kept for display and for saving)

    @classmethod
    def from_hex(cls, x: float, y: float, color: str) -> "Hint":
        a, b = ab_of_hex(color)
        return cls(float(x), float(y), a, b, "#" + HEX.fullmatch(color.strip()).group(1).lower())

    def moved(self, x: float, y: float) -> "Hint":
        return Hint(min(1.0, max(0.0, x)), min(1.0, max(0.0, y)), self.a, self.b, self.color)

    def hex(self) -> str:
        """The chosen colour, or one of this chroma at a middle lightness for hints without one."""
        return self.color or hex_of_ab(self.a, self.b)

    def to_json(self, exact: bool = False) -> dict:
        """The JSON format's entry; `exact` adds the chroma itself (a and b), as the app stores it."""
        d = {"x": round(self.x, 6), "y": round(self.y, 6), "color": self.hex()}
        if exact:
            d.update(a=self.a, b=self.b)
        return d


def ab_of_hex(color: str) -> tuple[float, float]:
    import torch

    from ..imaging.lab import rgb_to_lab

    m = HEX.fullmatch(color.strip()) if isinstance(color, str) else None
    if m is None:
        raise ValueError(f"{color!r} is not an sRGB hex colour like #2a4fc0")
    rgb = torch.tensor([int(m.group(1)[i:i + 2], 16) / 255 for i in (0, 2, 4)], dtype=torch.float64)
    lab = rgb_to_lab(rgb[:, None, None])[:, 0, 0]
    return float(lab[1]), float(lab[2])


def hex_of_ab(a: float, b: float, lightness: float = 60.0) -> str:
    """An sRGB colour of this chroma (gamut-mapped, keeping the lightness) as #rrggbb."""
    import torch

    from ..imaging.lab import lab_to_rgb

    lab = torch.tensor([lightness, a, b], dtype=torch.float64)[:, None, None]
    rgb = lab_to_rgb(lab, keep_lightness=True)[:, 0, 0].clamp(0, 1)
    return "#" + "".join(f"{round(float(c) * 255):02x}" for c in rgb)


def hint_planes(hints, shape: tuple[int, int], patch: int = HINT_PATCH) -> "torch.Tensor":
    """(1, 3, h, w) float32 planes for an input grid of `shape`: a, b and the mask. A later hint
    overwrites an earlier one where their squares overlap."""
    import torch

    h, w = shape
    planes = torch.zeros((1, 3, h, w))
    r = patch // 2
    for hint in hints:
        row, col = min(h - 1, int(hint.y * h)), min(w - 1, int(hint.x * w))
        sl = (slice(max(0, row - r), row + r + 1), slice(max(0, col - r), col + r + 1))
        planes[0, 0][sl] = hint.a
        planes[0, 1][sl] = hint.b
        planes[0, 2][sl] = 1.0
    return planes


def parse_hints(data, source: str) -> tuple[Hint, ...]:
    """Hints from the JSON format above; HintsError names `source` and the first problem."""
    if not isinstance(data, dict) or "hints" not in data:
        raise HintsError(f'{source}: expected an object with a "hints" list, like '
                         '{"hints": [{"x": 0.25, "y": 0.6, "color": "#2a4fc0"}]}')
    items = data["hints"]
    if not isinstance(items, list):
        raise HintsError(f'{source}: "hints" must be a list')
    if len(items) > MAX_HINTS:
        raise HintsError(f"{source}: {len(items)} hints (at most {MAX_HINTS})")
    hints = []
    for i, item in enumerate(items, 1):
        where = f"{source}: hint {i}"
        if not isinstance(item, dict):
            raise HintsError(f'{where}: must be an object with "x", "y" and "color"')
        missing = [k for k in ("x", "y", "color") if k not in item]
        if missing:
            raise HintsError(f"{where}: missing {', '.join(repr(k) for k in missing)}")
        for k in ("x", "y"):
            v = item[k]
            if not _is_number(v):
                raise HintsError(f"{where}: {k} is {v!r}, not a number")
            if not 0.0 <= v <= 1.0:
                raise HintsError(f"{where}: {k} is {v}, outside 0 to 1 (a fraction of the photo's "
                                 f"{'width' if k == 'x' else 'height'})")
        m = HEX.fullmatch(item["color"].strip()) if isinstance(item["color"], str) else None
        if m is None:
            raise HintsError(f"{where}: color {item['color']!r} is not an sRGB hex colour like #2a4fc0")
        if all(_is_number(item.get(k)) for k in ("a", "b")):
            hints.append(Hint(float(item["x"]), float(item["y"]), float(item["a"]), float(item["b"]),
                              "#" + m.group(1).lower()))
        else:
            hints.append(Hint.from_hex(item["x"], item["y"], item["color"]))
    return tuple(hints)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load_hints(path: str | Path) -> tuple[Hint, ...]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HintsError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise HintsError(f"{path}: cannot be read ({e})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise HintsError(f"{path}: not valid JSON ({e})") from None
    return parse_hints(data, str(path))


def sample_from_truth(ab: "torch.Tensor", n: int, rng: "np.random.Generator",
                      patch: int = TRUTH_PATCH) -> tuple[Hint, ...]:
    """`n` hints at random points of a photo whose true ab (2, H, W) is known, each the mean true
    colour of the `patch` square around it: how `eval --hints` stands in for a user."""
    import torch.nn.functional as F

    H, W = ab.shape[-2:]
    r = patch // 2
    mean = F.avg_pool2d(ab[None].float(), patch, stride=1, padding=r, count_include_pad=False)[0]
    hints = []
    for _ in range(n):
        row, col = int(rng.integers(H)), int(rng.integers(W))
        hints.append(Hint((col + 0.5) / W, (row + 0.5) / H, float(mean[0, row, col]), float(mean[1, row, col])))
    return tuple(hints)
