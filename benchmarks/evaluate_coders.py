"""Evaluate the coders against the example study's gold coding.

Prints per-code precision, recall, F1, Cohen's kappa and valence agreement of
the rule coder, separately for the development areas (whose text the rules
may have been written from) and the held-out areas
(``sysreview.datasets.HELD_OUT_AREAS``), which the rules and the shipped
model were not written or trained from. With ``--model``, also evaluates the
learned coder and the default (combined) coder with the settings of the
shipped one, both trained on the development areas only (the shipped model is
trained on every area, so it cannot be evaluated on the held-out ones).

With ``--reports``, also scores the rule coder, the shipped default coder and
an independent second coder on ``data/evaluation/review-reports`` (fictional
review report prose, written and coded blind to the rules; see its README),
separately for its development documents (read while improving the rules)
and its test documents (never read).

With ``--blind``, scores the rule coder, the shipped default coder and an
independent second coder on ``data/evaluation/blind-reports-2``: review prose
written and coded after the coder was frozen, never read while writing rules
and never trained on (see its README). This is the figure to quote.

With ``--cv``, cross-validates the default coder's settings over every coded
set it is trained on (the example study and the coded review reports), 8
folds by document: each document is coded by a model that never saw it.

Run: ``.venv/bin/python benchmarks/evaluate_coders.py [--model] [--reports] [--blind] [--cv]``.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

import sysreview
from sysreview.agreement import evaluate
from sysreview.datasets import HELD_OUT_AREAS, load_example, load_example_gold

EVALUATION = Path(__file__).resolve().parents[1] / "data" / "evaluation"
REPORTS = EVALUATION / "review-reports"
BLIND = EVALUATION / "blind-reports-2"
#: Documents of the review-report set read while improving the rules.
REPORTS_DEVELOPMENT = (
    "marrowdene-review",
    "wrenholt-review",
    "national-outbreak-collaboration-older-people",
)

pd.set_option("display.width", 140)
pd.set_option("display.precision", 2)


def split(corpus, gold):
    units = corpus.segments[corpus.segments["segment_id"].isin(gold["segment_id"])]
    held = units["area"].isin(HELD_OUT_AREAS)
    return units[~held], units[held]


def report(name, gold, predicted, units, codes):
    table = evaluate(
        gold[gold["segment_id"].isin(units["segment_id"])].dropna(subset=["code"]),
        predicted[predicted["segment_id"].isin(units["segment_id"])],
        segments=units["segment_id"],
        codes=codes,
    )
    print(f"\n## {name}: {len(units)} segments")
    print(table[["precision", "recall", "f1", "kappa", "valence_agreement", "support"]].to_string())
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--model", action="store_true", help="also train and evaluate the learned coders"
    )
    parser.add_argument(
        "--reports", action="store_true", help="also evaluate on the review-report set"
    )
    parser.add_argument(
        "--blind", action="store_true", help="also evaluate on the blind review-report set"
    )
    parser.add_argument(
        "--cv", action="store_true", help="cross-validate the default coder by document"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    codes = sysreview.codebooks.default().ids
    if args.blind:
        evaluate_blind(codes)
    if args.cv:
        cross_validate(codes)
    if (args.blind or args.cv) and not (args.model or args.reports):
        return
    corpus = load_example()
    gold = load_example_gold()
    dev, held = split(corpus, gold)
    rules = sysreview.code(corpus, coder="rules")
    report("rules, development areas", gold, rules, dev, codes)
    report("rules, held-out areas " + ", ".join(HELD_OUT_AREAS), gold, rules, held, codes)
    if args.model:
        from sysreview.model import ModelCoder
        from sysreview.model.build_default import default_settings

        seg = corpus.segments
        train = seg[seg["segment_id"].isin(dev["segment_id"])]
        test = seg[seg["segment_id"].isin(held["segment_id"])]
        train_gold = gold[gold["segment_id"].isin(train["segment_id"])].dropna(subset=["code"])
        model = ModelCoder(codes=codes).fit(train, train_gold)
        report("model, held-out areas", gold, model.predict(test), held, codes)
        combined = default_settings().fit(train, train_gold)
        report(
            "default coder (rules + model, settings of the shipped one, trained on the "
            "development areas only), held-out areas",
            gold,
            combined.predict(test),
            held,
            codes,
        )
    if args.reports:
        evaluate_reports(codes)


def evaluate_reports(codes) -> None:
    from sysreview.model.build_default import default_settings, example_gold_set, load_gold_set

    seg, gold = load_gold_set(REPORTS)
    second = pd.read_csv(REPORTS / "codings_second.csv", dtype=str, keep_default_na=False)
    development = seg["doc_id"].isin(REPORTS_DEVELOPMENT)
    # the shipped model has seen every report; train its settings on the example
    # study and the development reports only, and score it on the test reports
    example_units, example_codings = example_gold_set()
    combined = default_settings().fit(
        pd.concat([example_units, seg[development]], ignore_index=True),
        pd.concat(
            [example_codings, gold[gold["segment_id"].isin(seg.loc[development, "segment_id"])]],
            ignore_index=True,
        ),
    )
    coders = {
        "rules": sysreview.code(seg, coder="rules", progress=False),
        "default coder (settings of the shipped one, trained on data/example and the "
        "development reports)": combined.predict(seg),
        "second coder (coder B)": second.replace("", None).dropna(subset=["code"]),
    }
    for part, units in (("development", seg[development]), ("test", seg[~development])):
        for name, predicted in coders.items():
            report(f"review reports, {part} documents: {name}", gold, predicted, units, codes)


def evaluate_blind(codes) -> None:
    from sysreview.model.build_default import load_gold_set

    seg, gold = load_gold_set(BLIND)
    second = pd.read_csv(BLIND / "codings_second.csv", dtype=str, keep_default_na=False)
    coders = {
        "rules": sysreview.code(seg, coder="rules", progress=False),
        "default coder (shipped)": sysreview.code(seg, progress=False),
        "second coder (coder B)": second.replace("", None).dropna(subset=["code"]),
    }
    for name, predicted in coders.items():
        report(f"blind review reports: {name}", gold, predicted, seg, codes)


def cross_validate(codes, folds: int = 8) -> None:
    from sklearn.model_selection import GroupKFold

    from sysreview.model.build_default import (
        TRAINING_SETS,
        default_settings,
        example_gold_set,
        load_gold_set,
    )

    sets = [example_gold_set()] + [load_gold_set(p) for p in TRAINING_SETS if p.is_dir()]
    units = pd.concat([u for u, _ in sets], ignore_index=True)
    gold = pd.concat([g for _, g in sets], ignore_index=True)
    documents = units["segment_id"].str.rsplit(":", n=1).str[0]
    predicted = []
    for train, test in GroupKFold(n_splits=folds).split(units, groups=documents):
        tr = units.iloc[train]
        coder = default_settings().fit(tr, gold[gold["segment_id"].isin(tr["segment_id"])])
        predicted.append(coder.predict(units.iloc[test]))
    predicted = pd.concat(predicted, ignore_index=True)
    rules = sysreview.code(units, coder="rules", progress=False)
    example = units["segment_id"].isin(sets[0][0]["segment_id"])
    for part, rows in (
        ("all", units),
        ("example study", units[example]),
        ("review reports", units[~example]),
    ):
        for name, codings in (("rules", rules), ("default coder settings", predicted)):
            report(f"{folds}-fold CV by document, {part}: {name}", gold, codings, rows, codes)


if __name__ == "__main__":
    main()
