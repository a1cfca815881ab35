"""Where a batch's outputs go: never onto an input, never two onto one name."""

from __future__ import annotations

import os
from pathlib import Path

from ..imaging.io import output_path


def inputs_without_outputs(files: list[Path], args) -> list[Path]:
    """Drop the files that are this run's own outputs of other inputs: an earlier run's results
    when the output folder is an input folder too (a run again must not colourise its results)."""
    def key(p: Path) -> str:
        return os.path.normcase(os.path.realpath(p))

    destinations = {}
    for f in files:
        try:
            destinations[key(output_path(f, args.out, args.format, args.pattern))] = key(f)
        except ValueError:
            return files  # a bad pattern: the batch reports it photo by photo
    return [f for f in files if destinations.get(key(f), key(f)) == key(f)]


def unique_path(dest: Path, used: set[Path]) -> Path:
    """Two inputs with the same stem (from different folders) must not overwrite each other."""
    candidate, n = dest, 2
    while candidate in used:
        candidate = dest.with_name(f"{dest.stem}_{n}{dest.suffix}")
        n += 1
    used.add(candidate)
    return candidate
