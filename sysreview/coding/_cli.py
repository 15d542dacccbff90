"""``sysreview code``: code sources against a codebook and write the codings table."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .._files import check_writable, write_csv_atomic

__all__ = ["register"]


def cmd_code(args: argparse.Namespace) -> int:
    from .._cli_commands import load_corpus_printing_warnings
    from . import RuleCoder, code

    corpus = load_corpus_printing_warnings(args.inputs, metadata=args.metadata)
    check_writable(args.output, overwrite=args.force)
    if args.model:
        from ..model import load_model

        coder = load_model(args.model)
    elif args.rules_only or args.codebook is not None or args.min_score is not None:
        coder = RuleCoder(
            args.codebook, min_score=0.7 if args.min_score is None else args.min_score
        )
    else:
        from ..model import default_coder

        coder = default_coder()
    n_words = corpus.n_words()
    t0 = time.perf_counter()
    progress = None if args.progress == "auto" else args.progress == "on"
    codings = code(corpus, coder=coder, progress=progress, extra_areas=args.area_name or ())
    seconds = time.perf_counter() - t0
    write_csv_atomic(codings, args.output, overwrite=args.force)
    n_seg = len(corpus.segments)
    print(
        f"Coded {n_seg} segments ({n_words} words) from {len(corpus.documents)} documents "
        f"in {seconds:.1f} s ({n_words / max(seconds, 1e-9):,.0f} words/s): "
        f"{len(codings)} codings in {codings['segment_id'].nunique()} segments "
        f"-> {args.output}",
        file=sys.stderr,
    )
    if len(corpus.skipped):
        print(f"Skipped {len(corpus.skipped)} file(s):", file=sys.stderr)
        for row in corpus.skipped.itertuples():
            print(f"  {row.path}: {row.reason}", file=sys.stderr)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "code",
        help="code sources against a codebook; write the codings table (CSV)",
        description=(
            "Code every segment of INPUT (folders or files the corpus loader reads, including a "
            "CSV of pre-segmented text with segment_id and text columns) and write one row per "
            "segment x code: segment_id, doc_id, area, sector, code, valence, start, end, "
            "evidence, score, coder."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", type=Path, help="folders or files")
    p.add_argument("-o", "--output", required=True, type=Path, help="the codings CSV to write")
    p.add_argument(
        "--codebook", type=Path, help="codebook (.yml, .csv or .qdc); default: the built-in one"
    )
    p.add_argument(
        "--model",
        type=Path,
        help="a saved learned or combined coder (sysreview.model.save_model) to use",
    )
    p.add_argument(
        "--rules-only",
        action="store_true",
        help="the rule coder alone (default: the rules checked and completed by the bundled "
        "model; a --codebook of your own always uses the rules)",
    )
    p.add_argument(
        "--metadata", type=Path, help="metadata table (default: documents.csv in the folder)"
    )
    p.add_argument(
        "--min-score",
        type=float,
        default=None,
        help="evidence score a code needs in the rule coder (default 0.7; implies --rules-only)",
    )
    p.add_argument(
        "--area-name",
        action="append",
        metavar="NAME",
        help="an area name to detect in the text when metadata has none (repeatable)",
    )
    p.add_argument("--progress", choices=["auto", "on", "off"], default="auto", help="progress bar")
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    p.set_defaults(func=cmd_code)
