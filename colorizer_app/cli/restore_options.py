"""The restoration options shared by `colorize` and `restore`."""

from __future__ import annotations

from ..restore.options import Restore


def add_restore_options(p, repair_flag: bool) -> None:
    """--restore (colorize only; restore always repairs unless --no-repair), --denoise, --contrast."""
    if repair_flag:
        p.add_argument("--restore", action="store_true",
                       help="repair the photo first: scratches, cracks, dust and spots found and filled")
    else:
        p.add_argument("--no-repair", action="store_true",
                       help="leave scratches and spots as they are (only --denoise and --contrast)")
    p.add_argument("--denoise", action="store_true", help="reduce film grain (off by default)")
    p.add_argument("--contrast", action="store_true", help="lift faded contrast (off by default)")


def restore_options(args) -> Restore | None:
    repair = getattr(args, "restore", False) or not getattr(args, "no_repair", True)
    options = Restore(repair=repair, denoise=args.denoise, contrast=args.contrast)
    return options if options.active else None
