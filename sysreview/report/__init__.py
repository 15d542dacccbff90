"""Reports: run a notebook with a real kernel and export it as one HTML file.

- :func:`run_notebook`: execute a notebook with parameters (papermill) and
  write a self-contained HTML report (nbconvert): images embedded as data
  URIs, no script fetched from the network, code hidden by default.
- :func:`execute_notebook` and :func:`export_html`: the two steps apart.
- :func:`notebook_parameters`: the parameters a notebook accepts.
- :func:`build_example_reports`: the reports of the example study, one per
  notebook of ``notebooks/``.

Cells tagged ``hide-input`` never show their code, ``remove-output`` never
show their output and ``remove-cell`` are left out. Text from the sources
appears in reports only through outputs that escape it (pandas tables,
:mod:`sysreview.highlight`), so a transcript holding ``<script>`` shows it as
text.

Examples
--------
>>> from pathlib import Path
>>> import tempfile, nbformat
>>> folder = Path(tempfile.mkdtemp())
>>> cell = nbformat.v4.new_code_cell("n = 2", metadata={"tags": ["parameters"]})
>>> nb = nbformat.v4.new_notebook(cells=[cell])
>>> nbformat.write(nb, folder / "demo.ipynb")
>>> notebook_parameters(folder / "demo.ipynb")
{'n': 2}
"""

from __future__ import annotations

import ast
import os
import re
import time
from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from .._files import check_writable, write_text_atomic
from .._typing import PathLike
from ..exceptions import NotebookError, SourceFormatError

__all__ = [
    "run_notebook",
    "execute_notebook",
    "export_html",
    "notebook_parameters",
    "build_example_reports",
    "find_notebooks",
    "NotebookError",
    "GENERATOR",
]

#: Marker written in the ``<head>`` of every report (``<meta name="generator">``);
#: ``build_example_reports`` only replaces files that carry it.
GENERATOR = "sysreview report"
_TEMPLATE = "sysreview"
#: The marker as nbconvert writes it (attributes in either order).
_MARKER = re.compile(
    r'<meta\b(?=[^>]*\bname="generator")(?=[^>]*\bcontent="' + re.escape(GENERATOR) + r'")[^>]*>'
)


# -------------------------------------------------------------------- helpers
def _templates_dir() -> str:
    return str(files("sysreview.report") / "templates")


def _read_notebook(path: Path):
    import nbformat

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such notebook.")
    if path.suffix.lower() != ".ipynb":
        raise SourceFormatError(path, "is not a Jupyter notebook.", hint="Pass an .ipynb file.")
    try:
        return nbformat.read(path, as_version=4)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceFormatError(
            path,
            f"is not a valid notebook ({first[:200]}).",
            hint="Open and re-save it in Jupyter.",
        ) from None


def _default_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _is_ours(path: Path) -> bool:
    """Whether ``path`` is a report sysreview wrote (it carries the generator marker)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return _MARKER.search(head) is not None


def _check_output(output: Path, *, force: bool) -> None:
    check_writable(output, overwrite=force, hint="--force (force=True)")
    if output.suffix.lower() not in (".html", ".htm"):
        raise NotebookError(f"the report must be an .html file, but {output} was passed.")


def _title(nb, fallback: str) -> str:
    """The notebook's title: its metadata title, else its first Markdown heading."""
    if nb.metadata.get("title"):
        return str(nb.metadata["title"])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


# --------------------------------------------------------------------- public
def notebook_parameters(path: PathLike) -> dict[str, Any]:
    """The parameters of a notebook (its cell tagged ``parameters``) and their defaults.

    Parameters
    ----------
    path : str or Path
        The notebook.

    Returns
    -------
    dict
        Parameter name -> default value (the literal from the cell; the
        source text when it is not a literal).

    Raises
    ------
    NotebookError
        When the notebook has no cell tagged ``parameters``.
    """
    path = Path(path)
    nb = _read_notebook(path)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise NotebookError(
            f"{path} has no cell tagged 'parameters', so it takes no parameters; tag the cell that "
            "sets them (View > Cell toolbar > Tags in Jupyter) or run it without -p."
        )
    source = cells[0].source
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise SourceFormatError(
            path,
            "its 'parameters' cell is not valid Python.",
            line=exc.lineno,
            hint="Fix the cell so that it only assigns values (name = value).",
        ) from None
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = _default_value(ast.get_source_segment(source, value) or "")
    return found


def execute_notebook(
    path: PathLike,
    *,
    parameters: Mapping[str, Any] | None = None,
    kernel: str = "python3",
    timeout: int = 600,
    cwd: PathLike | None = None,
):
    """Run every cell of a notebook with a Jupyter kernel, parameters injected by papermill.

    Parameters
    ----------
    path : str or Path
        The notebook (.ipynb).
    parameters : mapping, optional
        Values for the names in the notebook's ``parameters`` cell; unknown
        names are an error (they would be ignored silently otherwise).
    kernel : str, default="python3"
        The Jupyter kernel to run it with.
    timeout : int, default=600
        Seconds a cell may run before the run is stopped.
    cwd : str or Path, optional
        Working directory of the kernel; default the current directory, so
        relative paths in parameters mean what they mean on the command line.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook, with its outputs.

    Raises
    ------
    NotebookError
        When a parameter is unknown, the kernel cannot start, or a cell fails
        (the message names the cell and the error).
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    path = Path(path)
    nb = _read_notebook(path)
    parameters = dict(parameters or {})
    if parameters:
        allowed = notebook_parameters(path)
        unknown = sorted(set(parameters) - set(allowed))
        if unknown:
            raise NotebookError(
                f"{path} has no parameter(s) {unknown}; its parameters are {sorted(allowed)}."
            )
    try:
        return papermill.execute_notebook(
            nb,
            None,
            parameters=parameters,
            kernel_name=kernel,
            language=(
                nb.metadata.get("kernelspec", {}).get("language")
                or nb.metadata.get("language_info", {}).get("name")
                or "python"
            ),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            cwd=str(cwd) if cwd is not None else None,
            execution_timeout=timeout,
        )
    except PapermillExecutionError as exc:
        raise NotebookError(
            f"{path}: cell {exc.exec_count} stopped with {exc.ename}: {str(exc.evalue)[:500]} "
            "Open the notebook in Jupyter to see the full traceback."
        ) from None
    except NoSuchKernel:
        raise NotebookError(
            f"no Jupyter kernel named {kernel!r}; install one with "
            f"`python -m ipykernel install --user --name {kernel}` or pass another kernel."
        ) from None
    except CellTimeoutError:
        raise NotebookError(
            f"{path}: a cell ran longer than {timeout} s and was stopped; raise the timeout."
        ) from None
    except DeadKernelError:
        raise NotebookError(
            f"{path}: the kernel died while running the notebook (out of memory?)."
        ) from None


def export_html(nb, *, no_input: bool = True, title: str | None = None) -> str:
    """A notebook as one self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The (executed) notebook.
    no_input : bool, default=True
        Hide every code cell's code, showing only Markdown and outputs (for
        readers who do not read code). Cells tagged ``hide-input`` never show
        their code.
    title : str, optional
        The page title; default the notebook's first heading.

    Returns
    -------
    str
        The HTML: JupyterLab's styles inlined, images embedded as
        ``data:image/png;base64`` URIs, no script loaded from the network,
        and ``<meta name="generator" content="sysreview report">``.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    >>> cell = new_code_cell("secret()")
    >>> cell.outputs = [new_output("stream", name="stdout", text="<b>42</b>")]
    >>> page = export_html(new_notebook(cells=[new_markdown_cell("# Totals"), cell]))
    >>> "&lt;b&gt;42&lt;/b&gt;" in page, "secret()" in page, "<title>Totals</title>" in page
    (True, False, True)
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.exclude_input = bool(no_input)
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.embed_images = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    config.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    exporter = HTMLExporter(
        config=config, template_name=_TEMPLATE, extra_template_basedirs=[_templates_dir()]
    )
    name = title or _title(nb, "sysreview report")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


def run_notebook(
    path: PathLike,
    *,
    parameters: Mapping[str, Any] | None = None,
    output: PathLike | None = None,
    no_input: bool = True,
    force: bool = False,
    kernel: str = "python3",
    timeout: int = 600,
    cwd: PathLike | None = None,
) -> Path | str:
    """Execute a notebook and export it as a self-contained HTML report.

    Parameters
    ----------
    path : str or Path
        The notebook (.ipynb), with a cell tagged ``parameters``.
    parameters : mapping, optional
        Values for the notebook's parameters (such as ``data_path``,
        ``pseudonymise``).
    output : str or Path, optional
        The HTML file to write (atomically). ``None`` returns the HTML instead.
    no_input : bool, default=True
        Hide the code; readers see text, tables and charts.
    force : bool, default=False
        Overwrite ``output`` if it exists (otherwise an error, before running).
    kernel : str, default="python3"
        The Jupyter kernel.
    timeout : int, default=600
        Seconds a cell may run.
    cwd : str or Path, optional
        Working directory of the kernel; default the current directory.

    Returns
    -------
    Path or str
        The file written, or the HTML when ``output`` is None.

    Raises
    ------
    FileExistsError
        When ``output`` exists and ``force`` is False.
    NotebookError
        When the notebook cannot run (see :func:`execute_notebook`).

    Examples
    --------
    >>> from pathlib import Path
    >>> import tempfile, nbformat
    >>> folder = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("word = 'hi'", metadata={"tags": ["parameters"]}),
    ...     nbformat.v4.new_code_cell("print(word * 2)")])
    >>> nbformat.write(nb, folder / "demo.ipynb")
    >>> html = run_notebook(folder / "demo.ipynb", parameters={"word": "ho"})
    >>> "hoho" in html, "print(word" in html
    (True, False)
    """
    path = Path(path)
    if output is not None:
        output = Path(output)
        _check_output(output, force=force)
    nb = execute_notebook(path, parameters=parameters, kernel=kernel, timeout=timeout, cwd=cwd)
    html = export_html(nb, no_input=no_input, title=_title(nb, path.stem))
    if output is None:
        return html
    write_text_atomic(output, html, overwrite=True, private=False)
    return output


def find_notebooks(folder: PathLike | None = None) -> list[Path]:
    """The notebooks of the reports, in name order.

    Parameters
    ----------
    folder : str or Path, optional
        Where to look; default ``notebooks/`` in the current directory, then
        the ``notebooks/`` folder of the sysreview source tree (for
        development installs).

    Returns
    -------
    list of Path

    Raises
    ------
    FileNotFoundError
        When no folder with notebooks is found (the message says where it looked).
    """
    if folder is not None:
        candidates = [Path(folder)]
    else:
        candidates = [Path.cwd() / "notebooks", Path(__file__).resolve().parents[2] / "notebooks"]
    for candidate in candidates:
        found = sorted(candidate.glob("*.ipynb")) if candidate.is_dir() else []
        if found:
            return found
    looked = " or ".join(str(c) for c in dict.fromkeys(candidates))
    raise FileNotFoundError(
        f"no notebooks (*.ipynb) found in {looked}. Run the command from the sysreview source "
        "folder (the one holding notebooks/), or pass --notebooks DIR."
    )


def build_example_reports(
    output: PathLike = "reports",
    *,
    notebooks: PathLike | Iterable[PathLike] | None = None,
    parameters: Mapping[str, Any] | None = None,
    force: bool = False,
    kernel: str = "python3",
    timeout: int = 900,
    log: Any = None,
) -> list[Path]:
    """Run every report notebook and write ``<output>/<notebook>.html``.

    Parameters
    ----------
    output : str or Path, default="reports"
        The folder of the reports (made if needed).
    notebooks : folder or list of notebooks, optional
        Default :func:`find_notebooks`.
    parameters : mapping, optional
        Parameters given to every notebook that has them (by default none:
        the notebooks run on the bundled example study); a name that no
        notebook has is an error.
    force : bool, default=False
        Overwrite files that sysreview did not write. Reports written by
        sysreview before (they carry ``<meta name="generator" content="sysreview
        report">``) are always replaced, so the command can be re-run.
    kernel : str, default="python3"
    timeout : int, default=900
        Seconds a cell may run.
    log : callable, optional
        Called with a line of progress for each notebook (such as ``print``).

    Returns
    -------
    list of Path
        The reports written.
    """
    if notebooks is None or isinstance(notebooks, (str, os.PathLike)):
        paths = find_notebooks(notebooks)
    else:
        paths = [Path(p) for p in notebooks]
    out_dir = Path(output)
    targets = [(nb, out_dir / f"{nb.stem}.html") for nb in paths]
    for _, target in targets:  # refuse before running anything
        if target.exists() and not force and not _is_ours(target):
            raise FileExistsError(
                f"{target} exists and was not written by sysreview; move it away or pass --force."
            )
    accepted = {nb: notebook_parameters(nb) for nb, _ in targets}
    known = set().union(*accepted.values()) if accepted else set()
    unknown = sorted(set(parameters or {}) - known)
    if unknown:  # a typo would otherwise be ignored by every notebook
        raise NotebookError(
            f"no notebook has the parameter(s) {unknown}; their parameters are {sorted(known)}."
        )
    written = []
    for nb_path, target in targets:
        given = {k: v for k, v in (parameters or {}).items() if k in accepted[nb_path]}
        t0 = time.perf_counter()
        run_notebook(
            nb_path, parameters=given, output=target, force=True, kernel=kernel, timeout=timeout
        )
        if log is not None:
            log(f"{nb_path} -> {target} ({time.perf_counter() - t0:.1f} s)")
        written.append(target)
    return written
