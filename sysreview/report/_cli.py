"""``sysreview report`` and ``sysreview report-example``: notebooks to HTML reports."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["register", "parse_value"]

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")


def parse_value(text: str) -> Any:
    """A command-line parameter value as Python: None, booleans and numbers, else text.

    Examples
    --------
    >>> [parse_value(v) for v in ("None", "true", "False", "12", "0.5", "data/sources")]
    [None, True, False, 12, 0.5, 'data/sources']
    """
    lowered = text.strip().lower()
    if lowered in ("none", "null"):
        return None
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if _INT.match(text.strip()):
        return int(text)
    if _FLOAT.match(text.strip()):
        return float(text)
    return text


def _parameters(pairs) -> dict[str, Any]:
    from . import NotebookError

    parameters: dict[str, Any] = {}
    for name, value in pairs or []:
        if not name.isidentifier():
            raise NotebookError(
                f"-p {name!r}: a parameter name must be a Python name such as data_path."
            )
        parameters[name] = parse_value(value)
    return parameters


def cmd_report(args: argparse.Namespace) -> int:
    from . import run_notebook

    parameters = _parameters(args.parameter)
    t0 = time.perf_counter()
    print(f"Running {args.notebook} ...", file=sys.stderr)
    out = run_notebook(
        args.notebook,
        parameters=parameters,
        output=args.output,
        no_input=args.no_input,
        force=args.force,
        kernel=args.kernel,
        timeout=args.timeout,
    )
    print(f"Wrote {out} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0


def cmd_report_example(args: argparse.Namespace) -> int:
    from . import build_example_reports

    t0 = time.perf_counter()
    written = build_example_reports(
        args.output,
        notebooks=args.notebooks,
        parameters=_parameters(args.parameter),
        force=args.force,
        kernel=args.kernel,
        timeout=args.timeout,
        log=lambda line: print(line, file=sys.stderr),
    )
    print(
        f"Wrote {len(written)} report(s) to {args.output}/ in {time.perf_counter() - t0:.0f} s.",
        file=sys.stderr,
    )
    return 0


def register(sub) -> None:
    """Add the ``report`` and ``report-example`` sub-commands."""
    p = sub.add_parser(
        "report",
        help="run a notebook and export it as a self-contained HTML report",
        description=(
            "Execute NOTEBOOK with a Jupyter kernel (parameters injected into its 'parameters' "
            "cell) and write one HTML file with the charts embedded. The code is hidden unless "
            "--show-input."
        ),
    )
    p.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="the notebook (.ipynb)")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter (repeatable); None, true/false and numbers are converted",
    )
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--no-input",
        dest="no_input",
        action="store_true",
        default=True,
        help="hide the code cells (default)",
    )
    shown.add_argument(
        "--show-input", dest="no_input", action="store_false", help="show the code cells"
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the HTML file to write")
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    p.add_argument("--kernel", default="python3", help="Jupyter kernel (default python3)")
    p.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")
    p.set_defaults(func=cmd_report)

    q = sub.add_parser(
        "report-example",
        help="build the HTML reports of the example study (one per notebook in notebooks/)",
        description=(
            "Run every notebook in notebooks/ (of the current folder, or of the sysreview source "
            "tree) on the bundled example study and write OUTPUT/<notebook>.html. Reports written "
            "by an earlier run are replaced; other files are only overwritten with --force."
        ),
    )
    q.add_argument(
        "--output",
        type=Path,
        default=Path("reports"),
        help="folder of the reports (default reports)",
    )
    q.add_argument("--notebooks", type=Path, help="folder of the notebooks (default notebooks/)")
    q.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a parameter for every notebook that has it, e.g. -p pseudonymise false",
    )
    q.add_argument("--force", action="store_true", help="overwrite files sysreview did not write")
    q.add_argument("--kernel", default="python3", help="Jupyter kernel (default python3)")
    q.add_argument("--timeout", type=int, default=900, help="seconds a cell may run (default 900)")
    q.set_defaults(func=cmd_report_example)
