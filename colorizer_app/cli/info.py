"""`colorizer-cli info`: the models this installation can load and the devices present."""

from __future__ import annotations

import torch

from .. import __version__
from ..engine import available_devices, choose_device
from ..models import registry
from ..models.user_models import metrics_text
from ..models.validation import visible


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="list models and devices")
    p.set_defaults(func=run)


def run(args) -> int:
    print(f"colorizer {__version__}, torch {torch.__version__}")
    auto = choose_device("auto")
    print(f"devices: {', '.join(available_devices())} (auto picks {auto.label})")
    if torch.version.cuda is None:
        print("  this PyTorch build is CPU-only; install a CUDA build of torch to use an NVIDIA GPU")
    print(f"bundled models: {registry.bundled_dir()}")
    print(f"user models:    {registry.user_models_dir()}")
    scan = registry.scan_models()
    if not scan.entries:
        print("no usable models found")
    for e in scan.entries:
        m = e.meta.get("val_metrics") or {}
        figures = metrics_text(m) + (f", wrong colour {100 * m['wrong_colour']:.2f}%" if "wrong_colour" in m else "")
        where = "bundled" if e.bundled else "user"
        print(f"  {e.shown_name:<16} {e.family:<15} {where:<8} steps {e.meta.get('steps', '?'):>6}  "
              f"{'val ' + figures if figures else 'no validation figures'}")
        print(f"  {'':<16} {e.path}")
    if scan.unusable:
        print(f"unusable model files ({len(scan.unusable)}):")
        for bad in scan.unusable:
            print(f"  {visible(bad.reason)}")
    return 0 if scan.entries else 1
