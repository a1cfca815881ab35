"""The model inside a training run's .resume.safetensors, written as a shippable model file, so a
run can be measured (`colorizer-cli eval`) or tried in the app while it goes on.

    python scripts/export_resume.py runs/hints/hints_v1.resume.safetensors runs/hints/snapshot.safetensors
"""

from __future__ import annotations

import argparse
from pathlib import Path

from colorizer_app.training.trainer import export_resume


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("resume", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--name", help="model name (default: the run's)")
    args = ap.parse_args()
    try:
        step = export_resume(args.resume, args.out, args.name)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    print(f"wrote {args.out} (step {step})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
