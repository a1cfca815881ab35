"""How much colour each model paints into photos with nothing in them: flat gray, a gradient, grain,
a vignette. A blank backdrop has no colour to find, so what comes out is the model's prior for
featureless areas; the blue-gray casts on the plain backgrounds of old portraits are this prior.

    python scripts/cast_probe.py [--model natural --model lively ...]

Prints the mean a, b and chroma (CIE Lab) of each coloured probe; b below 0 is blue.
"""

from __future__ import annotations

import argparse

import numpy as np
from skimage.color import rgb2lab

from colorizer_app.engine import Colorizer

SIZE = 384


def probes() -> dict[str, np.ndarray]:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    radius = np.hypot(yy - 0.5, xx - 0.5)
    gray = {
        "flat gray": np.full((SIZE, SIZE), 128.0),
        "gradient": 90 + 80 * xx,
        "grain": 128 + np.random.default_rng(0).normal(0, 12, (SIZE, SIZE)),
        "vignette": 140 - 120 * np.clip(radius - 0.2, 0, 1),
    }
    return {k: np.repeat(np.clip(v, 0, 255).astype(np.uint8)[..., None], 3, axis=2) for k, v in gray.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", help="model name or file (repeat; default: the three bundled)")
    args = ap.parse_args()
    blanks = probes()
    for model in args.model or ["natural", "vivid", "lively"]:
        c = Colorizer(model, device="cpu")
        for name, rgb in blanks.items():
            lab = rgb2lab(c.colorize(rgb).rgb)
            chroma = np.hypot(lab[..., 1], lab[..., 2]).mean()
            print(f"{model:<12} {name:<10} a {lab[..., 1].mean():+5.1f}  b {lab[..., 2].mean():+6.1f}  "
                  f"chroma {chroma:5.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
