"""Where a batch's outputs go: never onto an input, never two onto one name."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tqdm import tqdm

from ..imaging.io import (
    ImageError, check_writable_folder, iter_image_files, output_path, remove_stale_temp_files,
)


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


def batch_inputs(args) -> tuple[list[Path], list[tuple[Path, str]]] | None:
    """The photos a batch run works on and the inputs it cannot find, each missing input reported
    here once (the loader never sees it); None, with the error printed, when there is nothing to do
    at all or the output folder cannot be written.

    The output folder is made and proved writable only when there is a photo to write in it, still
    before any photo is colourised; then what a killed run left there is cleared.
    """
    missing = [p for p in args.inputs if not p.exists()]
    present = [p for p in args.inputs if p.exists()]
    files = inputs_without_outputs(iter_image_files(present, skip_folders=[args.out]), args)
    if not files and not missing:
        print("error: no photos found in the given inputs", file=sys.stderr)
        return None
    if files:
        try:
            check_writable_folder(args.out)
        except ImageError as e:
            print(f"error: {e}", file=sys.stderr)
            return None
        for stale in remove_stale_temp_files(args.out):
            tqdm.write(f"note: removed {stale.name}, left in {args.out} by a run that was killed")
    failures = [(p, "no such file or folder") for p in missing]
    for p, why in failures:
        tqdm.write(f"failed: {p}: {why}", file=sys.stderr)
    return files, failures


def finish_batch(written: int, total: int, out: Path, failures: list, stop, error: str | None = None) -> int:
    """Print a batch's one-line summary (and the error that ended it) and give the exit code.

    0: every photo written; 1: some failed; 2: `error`, something that fails every photo (a broken
    model file); the stop's own code when the user stopped the batch.
    """
    summary = f"{written} of {total} photos written to {out}"
    if failures:
        summary += f"; {len(failures)} failed"
    if stop.stopped:
        summary += f", stopped ({stop.name})"
    print(summary)
    if error:
        print(f"error: {error}; stopped", file=sys.stderr)
        return 2
    if stop.stopped:
        return stop.exit_code
    return 1 if failures else 0
