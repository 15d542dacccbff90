"""The bundled example study: a fictional review of ten local areas.

The files live in ``data/example/`` of the source tree and are shipped inside
the wheel, so ``pip install sysreview`` users have them too.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pandas as pd

from ..corpus import Corpus

__all__ = ["example_path", "load_example", "load_example_gold", "HELD_OUT_AREAS"]

#: Areas of the example whose gold coding is kept for evaluation only: rules
#: and models are written and trained without reading them.
HELD_OUT_AREAS = ("Fennick Bay", "Kestrel Downs")


def example_path() -> Path:
    """Return the folder of the example study (``sources/``, ``documents.csv``, gold).

    Examples
    --------
    >>> (example_path() / "sources" / "documents.csv").is_file()
    True
    """
    installed = files("sysreview.datasets") / "_data" / "example"
    if installed.is_dir():
        return Path(str(installed))
    source_tree = Path(__file__).resolve().parents[2] / "data" / "example"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(
        "The example study is missing from this installation of sysreview; "
        "reinstall the package (pip install --force-reinstall sysreview)."
    )


def load_example() -> Corpus:
    """Load the example study as a :class:`~sysreview.Corpus`.

    Examples
    --------
    >>> corpus = load_example()
    >>> sorted(corpus.documents.area.unique())[:2]
    ['Ashdown Vale', 'Brackenfield']
    """
    from ..io import load_corpus

    return load_corpus(example_path() / "sources")


def load_example_gold() -> pd.DataFrame:
    """Load the gold coding of the example: columns segment_id, code, valence, coder.

    Every segment the gold coders read is listed; a segment they coded with
    nothing has one row with an empty ``code`` (use these ids as the units of
    an evaluation; drop the empty rows before comparing codings).

    Examples
    --------
    >>> gold = load_example_gold()
    >>> set(gold.valence.dropna()) == {"enabler", "barrier", "neutral"}
    True
    """
    df = pd.read_csv(example_path() / "codings_gold.csv", dtype=str)
    if "coder" not in df.columns:
        df["coder"] = "gold"
    return df
