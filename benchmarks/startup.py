#!/usr/bin/env python
"""Start-up time: from launching the app in a fresh process to its main window's first paint.

    python benchmarks/startup.py [--runs 5] [--photo PHOTO] [--command CMD ...]

Each run starts a new process (offscreen unless QT_QPA_PLATFORM says otherwise) with the hidden
`--self-check` option, which prints when the window first painted (and, with --photo, when that
photo's colourised result was shown) and quits. The wall-clock times measured here, from spawning
the process to reading those lines, include the interpreter's start and every import. --command
times another launcher, e.g. the PyInstaller bundle: --command dist/colorizer/colorizer.
The operating system's file cache stays warm between runs; the first run is the coldest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_run(command: list[str], photo: str | None, timeout: float) -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    args = command + ["--self-check"] + ([photo] if photo else [])
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    times, lines = {}, []
    for line in proc.stdout:
        now = time.perf_counter() - t0
        lines.append(line.rstrip())
        if line.startswith("self-check: first paint"):
            times["paint"] = now
        elif line.startswith("self-check: first result shown"):
            times["result"] = now
    status = proc.wait(timeout)
    times["exit"] = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"{' '.join(args)} exited with {status}:\n" + "\n".join(lines))
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--photo", help="also time until this photo's colourised result is shown")
    p.add_argument("--command", nargs="+", default=[sys.executable, "-m", "colorizer_app.gui.app"],
                   help="the launcher to time (default: this Python's colorizer_app)")
    p.add_argument("--timeout", type=float, default=180.0)
    args = p.parse_args()

    runs = []
    for i in range(args.runs):
        t = one_run(args.command, args.photo, args.timeout)
        runs.append(t)
        if "paint" not in t:  # a windowed app whose output went to its log file (no console)
            print(f"run {i + 1}: passed, exited {t['exit']:.2f} s (no output to time it by)", flush=True)
            continue
        extra = f", result shown {t['result']:.2f} s" if "result" in t else ""
        print(f"run {i + 1}: first paint {t['paint']:.2f} s{extra}, exited {t['exit']:.2f} s", flush=True)
    runs = [t for t in runs if "paint" in t]
    if not runs:
        return 0
    paints = [t["paint"] for t in runs]
    print(f"first paint: median {statistics.median(paints):.2f} s, first run {paints[0]:.2f} s, "
          f"worst {max(paints):.2f} s ({args.runs} runs, {os.cpu_count()} CPUs)")
    if args.photo and all("result" in t for t in runs):
        results = [t["result"] for t in runs]
        print(f"first result shown: median {statistics.median(results):.2f} s, worst {max(results):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
