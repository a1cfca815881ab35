"""How long a photo takes to recolour after a hint is placed or moved (target: "within about a
second on the 2-core CPU").

    python benchmarks/hints.py [--model NAME] [--megapixels 12] [--hints 5] [--repeat 5] [--threads 0]

A hint changes the network's input (for a network with hint inputs), so each change runs the
network again at the working size, then decodes (carrying the hints along edges) and renders the on-screen view (long side 1600 px, as the app's preview) from the
photo's lightness already in memory; the full-resolution result (for export) is timed too.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import best_of, photo_on_screen  # noqa: E402

from colorizer_app import cpu_threads  # noqa: E402
from colorizer_app.engine import Colorizer  # noqa: E402
from colorizer_app.defaults import DEFAULT_MODEL  # noqa: E402
from colorizer_app.models.hints import Hint  # noqa: E402

SCREEN = 1600


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL, help=f"model name or file (default: {DEFAULT_MODEL})")
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--hints", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=cpu_threads.AUTO, help="0: the app's automatic threads")
    args = ap.parse_args()
    c = Colorizer(args.model, device="cpu", threads=args.threads)
    (h, w), L, L_screen = photo_on_screen(c, args.megapixels, SCREEN)
    rng = np.random.default_rng(0)
    hints = tuple(Hint(float(rng.random()), float(rng.random()), 40.0, -30.0) for _ in range(args.hints))
    s = replace(c.settings, hints=hints)
    moved = [0]

    def recolour_screen():
        moved[0] += 1  # a different hint position each time, as when dragging
        hs = hints[:-1] + (hints[-1].moved((moved[0] % 97) / 97, 0.5),)
        out = c.net_output(L, s.size, hs)
        return c.render(L_screen, c.decode(out, s), out, s)

    def recolour_full():
        out = c.net_output(L, s.size, hints)
        return c.render(L, c.decode(out, s), out, s)

    screen = best_of(recolour_screen, args.repeat)
    full = best_of(recolour_full, max(1, args.repeat // 2))
    print(f"model {c.model.name}, {h}x{w} photo ({h * w / 1e6:.1f} MP), {args.hints} hints, "
          f"threads {'automatic' if args.threads == cpu_threads.AUTO else args.threads}")
    print(f"recolour after a hint changes, on-screen view ({L_screen.shape[-1]}x{L_screen.shape[-2]}): "
          f"{screen * 1000:.0f} ms (target: about 1 s)")
    print(f"recolour at full resolution (export): {full:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
