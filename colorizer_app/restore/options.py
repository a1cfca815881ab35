"""`Restore`: what restoration does to one photo, brush edits included. Importable without torch:
it travels in the app's `Params` and the pipeline's `Settings`, and equal options give equal
pixels, so it is frozen and hashable."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Stroke:
    """A brush stroke on the damage mask, in the photo's own proportions, so that it lands on the
    same place at screen size and at full resolution."""

    points: tuple[tuple[float, float], ...]  # (x, y) as shares of the photo's width and height
    radius: float  # the brush's radius as a share of the photo's long side
    erase: bool = False  # take these pixels out of the mask instead of adding them

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", tuple((float(x), float(y)) for x, y in self.points))
        if not self.points:
            raise ValueError("a brush stroke needs at least one point")
        if not 0 < self.radius <= 0.5:
            raise ValueError(f"brush radius {self.radius} is not a share of the photo's side in (0, 0.5]")


@dataclass(frozen=True)
class Restore:
    repair: bool = True  # find scratches, cracks, dust and spots and fill them from around them
    denoise: bool = False  # reduce film grain
    contrast: bool = False  # lift faded contrast
    strokes: tuple[Stroke, ...] = ()  # the user's edits of the damage mask, oldest first

    def __post_init__(self) -> None:
        object.__setattr__(self, "strokes", tuple(self.strokes))

    @property
    def active(self) -> bool:
        return self.repair or self.denoise or self.contrast

    def with_stroke(self, stroke: Stroke) -> "Restore":
        return replace(self, strokes=self.strokes + (stroke,))

    def undone(self) -> "Restore":
        """The options without the last brush stroke."""
        return replace(self, strokes=self.strokes[:-1])
