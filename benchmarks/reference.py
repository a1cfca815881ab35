"""How much a reference photo adds to colouring a photo on screen (target: at most 150 ms more
for a 12 MP photo, once the reference is chosen).

    python benchmarks/reference.py [--model NAME] [--megapixels 12] [--repeat 5] [--threads 0]

Each repetition runs the network on the photo again (a new photo, as far as the reference knows),
so the match by meaning is made anew: the encoder on the photo's working lightness, the
similarities to every cell of the reference, the steering. Preparing the reference itself (once,
when it is chosen) is timed apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import best_of, photo_on_screen  # noqa: E402

from colorizer_app import cpu_threads  # noqa: E402
from colorizer_app.defaults import DEFAULT_MODEL  # noqa: E402
from colorizer_app.engine import Colorizer  # noqa: E402
from colorizer_app.models.header import shown_name  # noqa: E402
from colorizer_app.models import matching  # noqa: E402
from colorizer_app.models.reference import Reference  # noqa: E402

SCREEN = 1600


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL, help=f"model name or file (default: {shown_name(DEFAULT_MODEL)})")
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=cpu_threads.AUTO, help="0: the app's automatic threads")
    args = ap.parse_args()
    c = Colorizer(args.model, device="cpu", threads=args.threads)
    (h, w), L, L_screen = photo_on_screen(c, args.megapixels, SCREEN)
    matching.encoder()  # its weights are read once per run of the app, before the first reference
    t = time.perf_counter()
    reference = Reference(None, 1.0, matching.reference_photo(data.astronaut()))
    prepared = time.perf_counter() - t
    with_ref = replace(c.settings, reference=reference)

    def screen(settings):
        out = c.net_output(L, settings.size)
        return c.render(L_screen, c.decode(out, settings), out, settings)

    plain = best_of(lambda: screen(c.settings), args.repeat)
    steered = best_of(lambda: screen(with_ref), args.repeat)
    print(f"model {c.model.name}, {h}x{w} photo ({h * w / 1e6:.1f} MP), on-screen view "
          f"{L_screen.shape[-1]}x{L_screen.shape[-2]}, threads "
          f"{'automatic' if args.threads == cpu_threads.AUTO else args.threads}")
    print(f"reference photo made ready to match, once (512x512): {prepared * 1000:.0f} ms")
    print(f"on screen without a reference: {plain * 1000:.0f} ms; with a reference photo: {steered * 1000:.0f} ms; "
          f"added {1000 * (steered - plain):.0f} ms (target: at most 150 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
