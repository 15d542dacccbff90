"""Rebuild the default coder shipped with sysreview from the bundled gold coding.

The default coder (:func:`sysreview.model.default_coder`) is a
:class:`~sysreview.model.CombinedCoder`: the rule coder finds the codings, a
:class:`~sysreview.model.ModelCoder` trained on the example study's gold
coding vetoes rule codings it gives less than 10% and adds codings it is
sure of (70%), and decides the valence. It is trained on every gold-coded
segment of the example study (``sysreview.datasets.load_example_gold``) and,
when run from a checkout of the repository, of the review-report evaluation
set (``data/evaluation/review-reports``: report prose, the genre users code
most); word n-grams only, to keep the file small. Deterministic: the same
gold gives the same model.

Run after changing the rules, the gold coding or the model::

    python -m sysreview.model.build_default [--reports DIR | --no-reports]

Never run at import time.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

__all__ = ["DEFAULT_MODEL_PATH", "default_settings", "build_default_coder", "main"]

DEFAULT_MODEL_PATH = Path(__file__).with_name("data") / "default_coder.joblib"


def default_settings():
    """The unfitted default coder: the settings the shipped model is built with."""
    from .. import codebooks
    from ._coder import ModelCoder
    from ._combine import CombinedCoder

    return CombinedCoder(
        model=ModelCoder(codes=codebooks.default().ids, char_ngrams=False, min_df=2),
        valence="stacked",
        veto_threshold=0.1,
    )


#: The review-report evaluation set, in a checkout of the repository.
REPORTS_PATH = Path(__file__).resolve().parents[2] / "data" / "evaluation" / "review-reports"


def load_gold_set(folder: Path):
    """Segments and gold codings of a coded set laid out as ``data/evaluation/*``.

    ``folder`` holds ``sources/`` (with ``documents.csv``) and
    ``codings_gold.csv``; returns ``(segments, codings)``, the segments
    limited to those the gold coding covers.
    """
    import pandas as pd

    from ..io import load_corpus

    corpus = load_corpus(folder / "sources", metadata=folder / "sources" / "documents.csv")
    gold = pd.read_csv(folder / "codings_gold.csv", dtype=str, keep_default_na=False)
    gold = gold.replace("", None)
    units = corpus.segments[corpus.segments["segment_id"].isin(gold["segment_id"])]
    return units, gold.dropna(subset=["code"])


def example_gold_set():
    """Segments and gold codings of the bundled example study (as :func:`load_gold_set`)."""
    from ..datasets import load_example, load_example_gold

    corpus = load_example()
    gold = load_example_gold()
    units = corpus.segments[corpus.segments["segment_id"].isin(gold["segment_id"])]
    return units, gold.dropna(subset=["code"])


def build_default_coder(reports: Path | None = REPORTS_PATH):
    """Train the default combined coder on the gold coding (not saved).

    Parameters
    ----------
    reports : path or None
        A further coded set (see :func:`load_gold_set`) to train on as well;
        skipped when None or absent (an installed package has only the
        example study).
    """
    import pandas as pd

    units, codings = example_gold_set()
    if reports is not None and (Path(reports) / "codings_gold.csv").is_file():
        more_units, more_codings = load_gold_set(Path(reports))
        units = pd.concat([units, more_units], ignore_index=True)
        codings = pd.concat([codings, more_codings], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return default_settings().fit(units, codings)


def main(argv: list[str] | None = None) -> int:
    """Build the default coder and write it into the package."""
    from ._persist import save_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument(
        "--reports",
        type=Path,
        default=REPORTS_PATH,
        help="a further coded set to train on (default: the review-report evaluation set)",
    )
    parser.add_argument("--no-reports", action="store_true", help="train on the example study only")
    args = parser.parse_args(argv)
    reports = None if args.no_reports else args.reports
    if reports is not None and not (reports / "codings_gold.csv").is_file():
        parser.error(f"{reports} has no codings_gold.csv; pass --no-reports to skip it.")
    coder = build_default_coder(reports)
    path = save_model(coder, args.output, overwrite=True, compress=3)
    trained = "the example study" + ("" if reports is None else f" and {reports.name}")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB), trained on {trained}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
