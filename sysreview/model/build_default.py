"""Rebuild the default coder shipped with sysreview from the bundled gold coding.

The default coder (:func:`sysreview.model.default_coder`) is a
:class:`~sysreview.model.CombinedCoder`: the rule coder finds the codings, a
:class:`~sysreview.model.ModelCoder` trained on the example study's gold
coding vetoes rule codings it gives less than 10% and adds codings it is
sure of (70%), and decides the valence. It is trained on every gold-coded
segment of the example study (``sysreview.datasets.load_example_gold``);
word n-grams only, to keep the file small. Deterministic: the same gold
gives the same model.

Run after changing the rules, the gold coding or the model::

    python -m sysreview.model.build_default

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
        valence="model",
        veto_threshold=0.1,
    )


def build_default_coder():
    """Train the default combined coder on the bundled gold coding (not saved)."""
    from ..datasets import load_example, load_example_gold

    corpus = load_example()
    gold = load_example_gold()
    units = corpus.segments[corpus.segments["segment_id"].isin(gold["segment_id"])]
    codings = gold.dropna(subset=["code"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return default_settings().fit(units, codings)


def main(argv: list[str] | None = None) -> int:
    """Build the default coder and write it into the package."""
    from ._persist import save_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args(argv)
    coder = build_default_coder()
    path = save_model(coder, args.output, overwrite=True, compress=3)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
