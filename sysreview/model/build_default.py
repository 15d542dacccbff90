"""Rebuild the default coder shipped with sysreview from the bundled gold coding.

The default coder (:func:`sysreview.model.default_coder`) is a
:class:`~sysreview.model.CombinedCoder`: the rule coder finds the codings, a
:class:`~sysreview.model.ModelCoder` trained on the example study's gold
coding vetoes rule codings it gives less than 20% and adds codings it gives
50% or more where the rules found some evidence for the code (a weak
phrase), 70% where they found none (word associations alone are a weak
ground on text unlike the training text); a stacked
classifier over the rules' cue analysis decides the valence
(:mod:`sysreview.model._valence`). It is trained on every gold-coded
segment of the example study
(``sysreview.datasets.load_example_gold``) and, when run from a checkout of
the repository, of the coded review-report sets (``data/evaluation/review-reports``,
``review-reports-2`` to ``-15`` and ``retired-blind-reports``: report prose,
the genre users code most; never ``data/evaluation/blind-reports-*``, which
are kept for testing);
word n-grams of lookup lemmas and the words of the section heading (hidden
from half the training segments, so segments without headings are coded as
well); no character n-grams, to keep the file small. Settings were chosen by
8-fold cross-validation by document over these sets. Deterministic: the
same gold gives the same model.

Run after changing the rules, the gold coding or the model::

    python -m sysreview.model.build_default [--reports DIR ... | --no-reports]

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
        model=ModelCoder(
            codes=codebooks.default().ids,
            char_ngrams=False,
            min_df=2,
            lemmatize=True,
            sections=True,
        ),
        valence="stacked",
        model_threshold=0.5,
        unsupported_threshold=0.7,
        veto_threshold=0.2,
    )


#: The review-report evaluation set, in a checkout of the repository.
EVALUATION_PATH = Path(__file__).resolve().parents[2] / "data" / "evaluation"
REPORTS_PATH = EVALUATION_PATH / "review-reports"
#: Coded sets of report prose the shipped model is trained on, besides the example study.
TRAINING_SETS = tuple(
    EVALUATION_PATH / f"review-reports{suffix}"
    for suffix in ("",) + tuple(f"-{n}" for n in range(2, 16))
) + (EVALUATION_PATH / "retired-blind-reports",)
#: Coded sets kept for testing: never trained on (``blind-reports``, ``blind-reports-2`` ...).
BLIND_PREFIX = "blind-reports"


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


def build_default_coder(reports=TRAINING_SETS):
    """Train the default combined coder on the gold coding (not saved).

    Parameters
    ----------
    reports : iterable of paths
        Further coded sets (see :func:`load_gold_set`) to train on as well;
        those absent are skipped (an installed package has only the example
        study).
    """
    import pandas as pd

    units, codings = example_gold_set()
    for folder in reports:
        if (Path(folder) / "codings_gold.csv").is_file():
            more_units, more_codings = load_gold_set(Path(folder))
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
        nargs="+",
        default=list(TRAINING_SETS),
        help="further coded sets to train on (default: the coded review-report sets)",
    )
    parser.add_argument("--no-reports", action="store_true", help="train on the example study only")
    args = parser.parse_args(argv)
    reports = [] if args.no_reports else args.reports
    for folder in reports:
        if not (folder / "codings_gold.csv").is_file():
            parser.error(f"{folder} has no codings_gold.csv; pass --no-reports to skip it.")
        if folder.resolve().name.startswith(BLIND_PREFIX):
            parser.error(f"{folder} is the blind test set: never train on it.")
    coder = build_default_coder(reports)
    path = save_model(coder, args.output, overwrite=True, compress=3)
    trained = ", ".join(["the example study"] + [folder.name for folder in reports])
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB), trained on {trained}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
