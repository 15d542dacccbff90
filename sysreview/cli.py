"""The ``sysreview`` command line."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .exceptions import SysreviewError

__all__ = ["main"]


def _print_table(title: str, table) -> None:
    print(f"\n{title}")
    print(table.to_string())


def cmd_corpus(args: argparse.Namespace) -> int:
    import warnings

    from .io import load_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # printed below, once, in the summary
        corpus = load_corpus(
            args.paths,
            on_error="raise" if args.strict else "skip",
            metadata=args.metadata or "auto",
        )
    print(repr(corpus).strip("<>"))
    for name, table in corpus.summary().items():
        _print_table(f"By {name.replace('_', ' ')}:", table)
    if len(corpus.skipped):
        print(f"\nSkipped {len(corpus.skipped)} file(s):")
        for row in corpus.skipped.itertuples():
            print(f"  {row.path}: {row.reason}")
    else:
        print("\nSkipped: none")
    if corpus.warnings:
        print("\nWarnings:")
        for w in corpus.warnings:
            print(f"  - {w}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sysreview",
        description="Qualitative analysis of health and social care system reviews.",
    )
    parser.add_argument("--version", action="version", version=f"sysreview {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("corpus", help="summarise a folder of sources (the first thing to run)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="folders or files to read")
    p.add_argument("--metadata", help="metadata table (default: documents.csv in the folder)")
    p.add_argument(
        "--strict", action="store_true", help="stop at the first file that cannot be read"
    )
    p.set_defaults(func=cmd_corpus)

    from . import _cli_commands

    _cli_commands.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (SysreviewError, FileNotFoundError, FileExistsError) as exc:
        print(f"sysreview {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
