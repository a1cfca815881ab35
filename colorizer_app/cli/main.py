"""Entry point of `colorizer-cli`."""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from . import colorize, evaluate, finetune, info, restore, train


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="colorizer-cli", description="Colourise black-and-white photos, offline.")
    parser.add_argument("--version", action="version", version=f"colorizer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (colorize, restore, train, finetune, evaluate, info):
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
