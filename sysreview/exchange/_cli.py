"""``sysreview export`` and ``sysreview import-qdpx``: the command line of the exchange module."""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path

import pandas as pd

from ..exceptions import CorpusError, SysreviewError

__all__ = ["register", "read_codings_csv", "write_project_folder"]


def read_codings_csv(path: Path) -> pd.DataFrame:
    """Read a codings table written by ``sysreview code`` (or by hand)."""
    import io

    from ..io import read_text

    text, _ = read_text(path)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise CorpusError(f"{path}: cannot parse the codings CSV ({exc}).") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = {"segment_id", "code"} - set(df.columns)
    if missing:
        raise CorpusError(
            f"{path}: a codings table needs columns {sorted(missing)}; found {list(df.columns)}."
        )
    for col in ("start", "end"):
        if col in df.columns:
            values = pd.to_numeric(df[col], errors="coerce")
            bad = df[col].notna() & values.isna()
            if bad.any():
                row = int(bad.idxmax()) + 2
                raise CorpusError(
                    f"{path}, row {row}: {col} {df[col][bad].iloc[0]!r} is not a whole number."
                )
            df[col] = values.astype("Int64")
    if "score" in df.columns:
        df["score"] = pd.to_numeric(df["score"], errors="coerce")
    return df


def _file_name(doc_id: str, taken: set[str], ext: str = ".txt") -> str:
    base = re.sub(r"[^\w.\- ]+", "_", doc_id).strip(" .") or "document"
    name, n = f"{base}{ext}", 2
    while name.lower() in taken:
        name, n = f"{base} ({n}){ext}", n + 1
    taken.add(name.lower())
    return name


def write_project_folder(project, out: Path, *, force: bool) -> list[Path]:
    """Write an imported project as files the rest of sysreview reads.

    ``sources/`` (one UTF-8 .txt or .md per document plus ``documents.csv``, so
    ``sysreview corpus OUT/sources`` loads it), ``segments.csv``,
    ``codings.csv``, ``codebook.yml`` and, when something was not imported,
    ``skipped.csv``. Each file is written atomically.
    """
    import yaml

    from .._files import write_csv_atomic, write_text_atomic

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file; give a folder to write the project to.")
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(
            f"{out} already exists and is not empty; choose another folder or pass --force."
        )
    written: list[Path] = []
    taken: set[str] = set()
    rows = []
    for rec in project.documents.to_dict("records"):
        # Markdown stays Markdown, so its headings stay headings; the rest is plain text
        ext = ".md" if rec.get("format") == "md" else ".txt"
        name = _file_name(str(rec["doc_id"]), taken, ext)
        text = project.text(rec["doc_id"])
        written.append(write_text_atomic(out / "sources" / name, text, overwrite=True, newline=""))
        row = {"doc_id": rec["doc_id"], "file": name}
        row.update({k: v for k, v in rec.items() if k not in ("doc_id", "path", "format")})
        rows.append(row)
    tables = {
        "sources/documents.csv": pd.DataFrame(rows),
        "segments.csv": project.segments,
        "codings.csv": project.codings,
    }
    if len(project.skipped):
        tables["skipped.csv"] = project.skipped
    for name, table in tables.items():
        written.append(write_csv_atomic(table, out / name, overwrite=True))
    text = yaml.safe_dump(
        project.codebook.to_dict(), sort_keys=False, allow_unicode=True, width=100
    )
    written.append(write_text_atomic(out / "codebook.yml", text, overwrite=True))
    return written


def cmd_export(args: argparse.Namespace) -> int:
    from .. import codebooks
    from .._cli_commands import load_corpus_printing_warnings
    from .._files import check_writable, write_csv_atomic
    from ..codebook import Codebook
    from . import codings_to_csv, codings_to_excel, framework_to_csv, framework_to_excel, to_qdpx

    outputs = [args.qdpx, args.csv, args.xlsx, args.matrix_csv, args.qdc]
    if not any(outputs):
        raise CorpusError(
            "nothing to export: give at least one of --qdpx, --csv, --xlsx, --matrix-csv, --qdc."
        )
    for out in outputs:
        if out is not None:
            check_writable(out, overwrite=args.force)
    codebook = Codebook.load(args.codebook) if args.codebook else codebooks.default()
    if args.qdc:
        from . import write_qdc

        write_qdc(codebook, args.qdc, overwrite=args.force)
        print(f"Wrote the codebook ({len(codebook)} codes) -> {args.qdc}", file=sys.stderr)
    if not any([args.qdpx, args.csv, args.xlsx, args.matrix_csv]):
        return 0
    if not args.inputs:
        raise CorpusError("give the sources (folders or files) the codings belong to.")
    corpus = load_corpus_printing_warnings(args.inputs, metadata=args.metadata)
    if args.codings:
        codings = read_codings_csv(args.codings)
    else:
        from ..coding import code

        codings = code(corpus, codebook, progress=False)
        print(f"Coded the sources with the rules: {len(codings)} codings.", file=sys.stderr)
    if args.pseudonymise:
        from ..privacy import pseudonymise, pseudonymise_codings

        original = corpus
        corpus, mapping = pseudonymise(original, extra_names=args.name or ())
        codings = pseudonymise_codings(codings, original, mapping)
        people = mapping["pseudonym"].nunique()
        if args.mapping:
            write_csv_atomic(mapping, args.mapping, overwrite=args.force)
            where = f"the key is in {args.mapping}: keep it apart from the export"
        else:
            where = "no key was saved (pass --mapping FILE to keep one)"
        who = "person" if people == 1 else "people"
        print(f"Pseudonymised {people} {who} ({len(mapping)} names); {where}.", file=sys.stderr)
    source = args.codings or "the codings"
    try:
        if args.qdpx:
            to_qdpx(corpus, codings, codebook, args.qdpx, overwrite=args.force)
            print(
                f"Wrote {len(corpus.documents)} sources and {len(codings)} codings -> {args.qdpx}",
                file=sys.stderr,
            )
        if args.csv:
            codings_to_csv(codings, args.csv, overwrite=args.force)
            print(f"Wrote {len(codings)} codings -> {args.csv}", file=sys.stderr)
        if args.xlsx and args.xlsx_content == "codings":
            by = None if args.by == "none" else args.by
            codings_to_excel(codings, args.xlsx, by=by, codebook=codebook, overwrite=args.force)
        elif args.xlsx:
            framework_to_excel(
                codings,
                args.xlsx,
                by=args.by,
                cases=args.cases,
                corpus=corpus,
                codebook=codebook,
                overwrite=args.force,
            )
        if args.xlsx:
            print(f"Wrote the {args.xlsx_content} workbook -> {args.xlsx}", file=sys.stderr)
        if args.matrix_csv:
            framework_to_csv(
                codings,
                args.matrix_csv,
                cases=args.cases,
                corpus=corpus,
                codebook=codebook,
                overwrite=args.force,
            )
            print(f"Wrote the framework matrix -> {args.matrix_csv}", file=sys.stderr)
    except ValueError as exc:
        if isinstance(exc, SysreviewError):
            raise
        raise CorpusError(f"{source}: {exc}") from None
    return 0


def cmd_import_qdpx(args: argparse.Namespace) -> int:
    from . import read_qdpx

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")  # summarised below from project.skipped
        project = read_qdpx(args.project, base_path=args.base_path, offsets=args.offsets)
    files = write_project_folder(project, args.output, force=args.force)
    by_coder = (
        project.codings["coder"].value_counts() if len(project.codings) else pd.Series(dtype=int)
    )
    coders = ", ".join(f"{c} {n}" for c, n in by_coder.items()) or "none"
    print(
        f"Imported {len(project.documents)} documents ({len(project.segments)} segments), "
        f"{len(project.codebook)} codes and {len(project.codings)} codings (by coder: {coders}) "
        f"from {args.project} ({project.origin or 'unknown software'}) -> {args.output} "
        f"({len(files)} files)",
        file=sys.stderr,
    )
    if not project.has_valence and len(project.codings):
        print(
            "The codes have no enabler/barrier/neutral children, so codings have no valence.",
            file=sys.stderr,
        )
    if len(project.skipped):
        print(
            f"Not imported ({len(project.skipped)}; details in {args.output / 'skipped.csv'}):",
            file=sys.stderr,
        )
        for (part, reason), n in project.skipped.groupby(["part", "reason"]).size().items():
            print(f"  {n} x {part}: {reason}", file=sys.stderr)
    for note in project.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export sources and codings to NVivo/ATLAS.ti/MAXQDA (.qdpx), CSV or Excel",
        description=(
            "Export the codings of INPUT (the sources they were made from) as a REFI-QDA project "
            "(.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder, as a CSV or Excel table, or as a "
            "framework matrix. Without --codings the sources are coded with the rules first. "
            "Valence is exported as child codes enabler / barrier / neutral under each code."
        ),
    )
    p.add_argument(
        "inputs", nargs="*", metavar="INPUT", type=Path, help="folders or files of sources"
    )
    p.add_argument(
        "--codings", type=Path, help="the codings CSV (from 'sysreview code'); default: code now"
    )
    p.add_argument(
        "--codebook", type=Path, help="codebook (.yml, .csv or .qdc); default: the built-in one"
    )
    p.add_argument(
        "--metadata", type=Path, help="metadata table (default: documents.csv in the folder)"
    )
    p.add_argument("--qdpx", type=Path, help="write a REFI-QDA project here")
    p.add_argument("--qdc", type=Path, help="write the codebook as a REFI-QDA codebook here")
    p.add_argument("--csv", type=Path, help="write the codings as CSV (UTF-8 with BOM) here")
    p.add_argument("--xlsx", type=Path, help="write an Excel workbook here (see --xlsx-content)")
    p.add_argument(
        "--xlsx-content",
        choices=["framework", "codings"],
        default="framework",
        help="the workbook holds the framework matrix (default) or the codings table",
    )
    p.add_argument("--matrix-csv", type=Path, help="write the framework matrix as CSV here")
    p.add_argument(
        "--by",
        default="code",
        help="Excel: one sheet per 'code' (default) or per 'case' (framework workbook); "
        "for the codings workbook, per value of any codings column, or 'none'",
    )
    p.add_argument(
        "--cases",
        default="area",
        help="the rows of the framework matrix: area (default), sector, doc_id, participant...",
    )
    p.add_argument(
        "--pseudonymise",
        "--pseudonymize",
        action="store_true",
        help="replace speakers' and participants' names with Person 1, Person 2, ...",
    )
    p.add_argument(
        "--name",
        action="append",
        metavar="NAME",
        help="with --pseudonymise: another person's name to replace (repeatable)",
    )
    p.add_argument(
        "--mapping", type=Path, help="with --pseudonymise: save the key (names -> pseudonyms) here"
    )
    p.add_argument("--force", action="store_true", help="overwrite output files that exist")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import-qdpx",
        help="import a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder",
        description=(
            "Read PROJECT and write its documents (sources/*.txt with sources/documents.csv), "
            "segments.csv, codings.csv (coder = the project's user names), codebook.yml and "
            "skipped.csv (what was not imported, and why) into OUTPUT."
        ),
    )
    p.add_argument("project", type=Path, metavar="PROJECT", help="the .qdpx file")
    p.add_argument("-o", "--output", required=True, type=Path, help="the folder to write")
    p.add_argument("--base-path", type=Path, help="folder of sources kept outside the .qdpx")
    p.add_argument(
        "--offsets",
        choices=["auto", "characters", "crlf2"],
        default="auto",
        help="how selection offsets count Windows line breaks (default: auto)",
    )
    p.add_argument("--force", action="store_true", help="write into OUTPUT even if it is not empty")
    p.set_defaults(func=cmd_import_qdpx)
