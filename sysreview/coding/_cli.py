"""``sysreview code``: code sources against a codebook and write the codings table."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

__all__ = ["register", "write_csv_atomic"]


def write_csv_atomic(table, path: Path, *, force: bool) -> None:
    """Write ``table`` as UTF-8 CSV (with BOM, for Excel) without ever leaving half a file.

    Refuses to overwrite an existing file unless ``force``.
    """
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(
            f"{path} already exists; choose another name or pass --force to overwrite it."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            table.to_csv(fh, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_code(args: argparse.Namespace) -> int:
    from ..io import load_corpus
    from . import RuleCoder, code

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = load_corpus(args.inputs, metadata=args.metadata or "auto", on_error="raise")
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    if args.output.exists() and not args.force:
        raise FileExistsError(
            f"{args.output} already exists; choose another name or pass --force to overwrite it."
        )
    coder = None
    if args.model:
        from ..model import load_model

        coder = load_model(args.model)
    else:
        coder = RuleCoder(args.codebook, min_score=args.min_score)
    n_words = corpus.n_words()
    t0 = time.perf_counter()
    progress = None if args.progress == "auto" else args.progress == "on"
    codings = code(corpus, coder=coder, progress=progress, extra_areas=args.area_name or ())
    seconds = time.perf_counter() - t0
    write_csv_atomic(codings, args.output, force=args.force)
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
        "--model", type=Path, help="a saved learned or combined coder to use instead of the rules"
    )
    p.add_argument(
        "--metadata", type=Path, help="metadata table (default: documents.csv in the folder)"
    )
    p.add_argument(
        "--min-score", type=float, default=0.7, help="evidence score a code needs (default 0.7)"
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
