"""Speed and memory of the shipped networks on this machine, against the targets in DESIGN.md.

    python benchmarks/benchmark.py [--threads N] [--device cpu|cuda] [--repeat N]

Uses the bundled weights when present, otherwise random weights of the shipped size (the timing
is the same). Peak memory is measured in a fresh process so earlier allocations don't count.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from colorizer_app.engine import Colorizer
from colorizer_app.imaging.io import load_image, save_image
from colorizer_app.models import registry
from colorizer_app.models.checkpoint import CheckpointError, new_model
from colorizer_app.models.networks import FAMILIES, count_parameters

TARGETS = {"net_256_ms": 100, "e2e_12mp_s": 1.0, "file_12mp_s": 1.5, "peak_24mp_mb": 1536}


def model_for(family: str):
    try:
        return registry.load(family), "trained"
    except CheckpointError:
        return new_model(family), "random weights"


def synthetic_photo(h: int, w: int) -> np.ndarray:
    """A gray photo-like image: smooth gradients plus texture, so JPEG sizes are realistic."""
    from skimage import data, transform
    base = data.camera().astype(np.float32) / 255.0
    img = transform.resize(base, (h, w), order=1, anti_aliasing=False)
    noise = np.random.default_rng(0).normal(0, 0.03, (h, w))
    return np.clip((img + noise) * 255, 0, 255).astype(np.uint8)


def photo_on_screen(c: Colorizer, megapixels: float, screen: int = 1600):
    """A 4:3 synthetic photo of `megapixels`: (h, w), its lightness, and the lightness of the
    on-screen view (long side `screen`, as the app's preview), for timing what a slider or a hint
    change redoes."""
    import torch.nn.functional as F

    h = int(round((megapixels * 1e6 * 3 / 4) ** 0.5))
    w = int(round(h * 4 / 3))
    L = c.lightness(synthetic_photo(h, w))
    scale = screen / max(h, w)
    return (h, w), L, F.interpolate(L[None], size=(round(h * scale), round(w * scale)), mode="area")[0]


def best_of(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def peak_memory_child(family: str, h: int, w: int, device: str) -> float:
    code = (
        "import resource, numpy as np, sys\n"
        "sys.path.insert(0, %r)\n"
        "from benchmark import model_for, synthetic_photo\n"
        "from colorizer_app.engine import Colorizer\n"
        "img = synthetic_photo(%d, %d)\n"
        "c = Colorizer(model_for(%r)[0], device=%r)\n"
        "c.colorize(img)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    ) % (str(Path(__file__).parent), h, w, family, device)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    results: dict = {"threads": torch.get_num_threads(), "device": args.device, "models": {}}
    x = torch.rand(1, 256, 256) * 100  # L of a 256x256 image
    for family in FAMILIES:
        loaded, kind = model_for(family)
        c = Colorizer(loaded, device=args.device)
        net = c.model.net
        with torch.inference_mode():
            ms = 1000 * best_of(lambda: c.decode(c.net_output(x, 256)), args.repeat)
        results["models"][family] = {"params": count_parameters(net), "weights": kind, "net_256_ms": round(ms, 1)}
        print(f"{family:<15} {count_parameters(net) / 1e6:.2f} M params ({kind}): "
              f"{ms:6.1f} ms per 256x256 image (target <= {TARGETS['net_256_ms']} ms)")

    img = synthetic_photo(3000, 4000)
    for family in FAMILIES:
        c = Colorizer(model_for(family)[0], device=args.device)
        s = best_of(lambda: c.colorize(img), max(2, args.repeat // 2))
        results["models"][family]["e2e_12mp_s"] = round(s, 3)
        print(f"{family:<15} 12 MP in memory, end to end: {s:5.2f} s (target <= {TARGETS['e2e_12mp_s']} s)")

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photo.jpg"
        Image.fromarray(img).save(src, quality=92)
        c = Colorizer(model_for("classification")[0], device=args.device)

        def file_to_file():
            loaded = load_image(src)
            out = c.colorize(loaded.pixels)
            save_image(out.rgb, Path(tmp) / "out.jpg", exif=loaded.exif, quality=92, protected=[src])

        s = best_of(file_to_file, max(2, args.repeat // 2))
        results["file_12mp_s"] = round(s, 3)
        print(f"classification  12 MP JPEG file to JPEG file: {s:5.2f} s (target <= {TARGETS['file_12mp_s']} s)")

    mb = peak_memory_child("classification", 4000, 6000, args.device)
    results["peak_24mp_mb"] = round(mb)
    print(f"classification  peak memory, 24 MP photo: {mb:6.0f} MB (target <= {TARGETS['peak_24mp_mb']} MB)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
