"""Tests of sysreview.model: the learned coder, its persistence, active learning,
and the combination with the rule coder.

The synthetic corpus is generated: sentences about the workforce and about data
and digital systems, with distinct vocabularies, positive or negative verbs for
valence, filler sentences about neither, and segments about both.
"""

from __future__ import annotations

import importlib
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import sysreview
from sysreview.agreement import evaluate
from sysreview.coding._schema import CODING_COLUMNS
from sysreview.exceptions import NotFittedError, SysreviewWarning
from sysreview.model import (
    CombinedCoder,
    ModelCoder,
    ModelVersionError,
    learning_curve,
    load_model,
    save_model,
    suggest_next,
    to_targets,
    uncertainty,
)

WORK = [
    "nurses",
    "agency staff",
    "recruitment",
    "vacancies",
    "the rota",
    "care workers",
    "retention of staff",
    "sickness absence",
    "overtime shifts",
    "the staffing model",
]
DATA = [
    "the shared care record",
    "IT systems",
    "the dashboard",
    "data sharing",
    "electronic records",
    "the digital platform",
    "patient data",
    "the data feed",
    "system interoperability",
    "the records portal",
]
FILLER = [
    "the meeting",
    "the winter plan",
    "the partnership board",
    "the weekly call",
    "the bed plan",
    "the outbreak",
    "the review",
    "local residents",
    "the service",
]
GOOD = [
    "worked well for",
    "really helped",
    "improved things for",
    "made a real difference to",
    "strengthened",
]
BAD = [
    "was a constant problem for",
    "held back",
    "caused delays for",
    "let down",
    "created friction for",
]
TAIL = [
    "the discharge team",
    "families",
    "the care homes",
    "patients on the ward",
    "everyone involved",
    "the GP practices",
    "the ambulance crews",
]
CODES = ["workforce", "data_and_digital"]


def make_corpus(n: int, *, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` segments and their gold codings."""
    rng = np.random.default_rng(seed)
    segments, gold = [], []
    for i in range(n):
        sid = f"s{seed}-{i:03d}"
        kind = rng.choice(
            ["workforce", "data_and_digital", "both", "none"], p=[0.3, 0.3, 0.15, 0.25]
        )
        parts = []
        for code, vocab in zip(CODES, (WORK, DATA), strict=True):
            if kind in (code, "both"):
                valence = str(rng.choice(["enabler", "barrier"]))
                verb = rng.choice(GOOD if valence == "enabler" else BAD)
                parts.append(f"{str(rng.choice(vocab)).capitalize()} {verb} {rng.choice(TAIL)}.")
                gold.append({"segment_id": sid, "code": code, "valence": valence})
        if kind == "none" or rng.random() < 0.5:  # off-topic, often with the same verbs
            verb = rng.choice(["was discussed with", *GOOD, *BAD])
            parts.append(f"{str(rng.choice(FILLER)).capitalize()} {verb} {rng.choice(TAIL)}.")
        rng.shuffle(parts)
        text = " ".join(parts)
        segments.append(
            {
                "segment_id": sid,
                "doc_id": f"d{i // 20}",
                "area": "North",
                "sector": "council",
                "start": 10 * i,
                "end": 10 * i + len(text),
                "text": text,
            }
        )
    return pd.DataFrame(segments), pd.DataFrame(gold)


@pytest.fixture(scope="module")
def data():
    train, train_gold = make_corpus(200, seed=1)
    test, test_gold = make_corpus(100, seed=2)
    return train, train_gold, test, test_gold


@pytest.fixture(scope="module")
def fitted(data):
    train, train_gold, _, _ = data
    return ModelCoder(codes=CODES).fit(train, train_gold)


# --------------------------------------------------------------------- fit/predict
def test_model_learns_held_out_codes(data, fitted):
    _, _, test, test_gold = data
    predicted = fitted.predict(test)
    table = evaluate(test_gold, predicted, segments=test, codes=CODES)
    assert table.loc["workforce", "kappa"] > 0.8
    assert table.loc["data_and_digital", "kappa"] > 0.8
    assert fitted.score(test, test_gold) == pytest.approx(table.loc["macro", "kappa"])


def test_valence_model_learns_the_verbs(data, fitted):
    _, _, test, test_gold = data
    single = test_gold.groupby("segment_id").filter(lambda g: len(g) == 1)
    segs = test.set_index("segment_id").loc[single.segment_id].reset_index()
    valences = fitted.predict_valence(segs, single["code"])
    assert (valences.to_numpy() == single["valence"].to_numpy()).mean() > 0.85


def test_shuffled_labels_give_no_agreement(data):
    train, train_gold, test, test_gold = data
    rng = np.random.default_rng(0)
    shuffled = train_gold.assign(
        segment_id=rng.permutation(train.segment_id.to_numpy())[: len(train_gold)]
    ).drop_duplicates(["segment_id", "code"])
    model = ModelCoder(codes=CODES).fit(train, shuffled)
    assert model.score(test, test_gold) < 0.3


def test_predict_returns_a_codings_table(data, fitted):
    _, _, test, _ = data
    predicted = fitted.predict(test)
    assert predicted.columns.tolist() == CODING_COLUMNS
    assert set(predicted.coder) == {"model"}
    assert set(predicted.valence) <= {"enabler", "barrier", "neutral"}
    assert predicted.score.between(0.5, 1.0).all()
    row = predicted.iloc[0]
    seg = test.set_index("segment_id").loc[row.segment_id]
    assert (row.start, row.end, row.doc_id, row.area) == (seg.start, seg.end, seg.doc_id, "North")
    assert row.evidence == seg.text  # short texts are kept whole
    long = test.iloc[:1].assign(text="Nurses held back families. " * 30)
    evidence = fitted.predict(long).evidence.iloc[0]
    assert evidence == long.text.iloc[0]  # the exact segment, matching start/end


def test_predict_proba_is_segment_by_code(data, fitted):
    _, _, test, _ = data
    proba = fitted.predict_proba(test)
    assert proba.shape == (100, 2)
    assert proba.columns.tolist() == CODES
    assert proba.index.tolist() == test.segment_id.tolist()
    assert ((proba >= 0) & (proba <= 1)).all().all()
    # the codings are exactly the cells at or above the threshold
    predicted = fitted.predict(test)
    assert len(predicted) == int((proba >= 0.5).to_numpy().sum())


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError, match="call fit"):
        ModelCoder().predict(pd.DataFrame({"segment_id": ["a"], "text": ["x"]}))
    with pytest.raises(AttributeError):  # NotFittedError is an AttributeError too
        ModelCoder().predict_proba(["x"])


def test_y_as_codings_targets_or_indicator_matrix_agree(data, fitted):
    train, train_gold, test, _ = data
    wide = to_targets(train_gold, train, codes=CODES)
    assert wide.shape == (200, 2) and set(np.unique(wide.to_numpy())) <= {"", "enabler", "barrier"}
    from_wide = ModelCoder(codes=CODES).fit(train, wide)
    pd.testing.assert_frame_equal(from_wide.predict_proba(test), fitted.predict_proba(test))
    indicator = (wide != "").astype(int).to_numpy()
    from_matrix = ModelCoder(codes=CODES).fit(train, indicator)
    pd.testing.assert_frame_equal(from_matrix.predict_proba(test), fitted.predict_proba(test))
    assert from_matrix.valence_model_ is None
    assert from_matrix.predict(test).valence.isna().all()


def test_bad_inputs_are_explained(data):
    train, train_gold, _, _ = data
    with pytest.raises(ValueError, match="'text' column"):
        ModelCoder().fit(train.drop(columns="text"), train_gold)
    with pytest.raises(ValueError, match="not in `codes`"):
        ModelCoder(codes=["workforce"]).fit(train, train_gold)
    with pytest.raises(ValueError, match="not in the segments"):
        ModelCoder().fit(train.iloc[:50], train_gold)
    with pytest.raises(ValueError, match="`threshold` must be between 0 and 1"):
        ModelCoder(threshold=5).fit(train, train_gold)
    with pytest.raises(ValueError, match="`calibration` must be one of"):
        ModelCoder(calibration="platt").fit(train, train_gold)
    with pytest.warns(SysreviewWarning, match="leadership"):
        model = ModelCoder(codes=[*CODES, "leadership"]).fit(train, train_gold)
    assert "leadership" not in set(model.predict(train).code)


# ------------------------------------------------------------------- sklearn
def test_sklearn_api_clone_get_set_params():
    """scikit-learn's ``check_estimator`` feeds numeric 2-D arrays, which a coder of
    text cannot take, so it is not run; the parts of the contract that matter for
    Pipeline, GridSearchCV and clone are checked here instead."""
    model = ModelCoder(codes=CODES, C=2.0, char_ngrams=False)
    params = model.get_params()
    assert params["C"] == 2.0 and params["char_ngrams"] is False and params["codes"] == CODES
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    assert not hasattr(copy, "codes_")
    assert model.set_params(C=0.5) is model and model.C == 0.5
    assert "ModelCoder(" in repr(model)


def lower_text(segments: pd.DataFrame) -> pd.DataFrame:
    return segments.assign(text=segments["text"].str.lower())


def test_works_in_pipeline_and_grid_search(data):
    train, train_gold, test, test_gold = data
    pipe = Pipeline(
        [("clean", FunctionTransformer(lower_text)), ("coder", ModelCoder(codes=CODES))]
    )
    pipe.fit(train, train_gold)
    assert pipe.predict(test).columns.tolist() == CODING_COLUMNS
    assert pipe.score(test, test_gold) > 0.8

    y = to_targets(train_gold, train, codes=CODES)
    search = GridSearchCV(
        ModelCoder(codes=CODES, char_ngrams=False),
        {"C": [0.01, 16.0]},
        cv=KFold(3, shuffle=True, random_state=0),
    )
    search.fit(train, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert search.best_params_ == {"C": 16.0}
    assert search.best_estimator_.score(test, test_gold) > 0.75
    folds = cross_val_score(ModelCoder(codes=CODES, char_ngrams=False), train, y, cv=3)
    assert len(folds) == 3 and (folds > 0.7).all()


# --------------------------------------------------------------- persistence
def test_save_load_round_trip(tmp_path, data, fitted):
    _, _, test, _ = data
    path = save_model(fitted, tmp_path / "coder.joblib")
    loaded = load_model(path)
    assert isinstance(loaded, ModelCoder)
    pd.testing.assert_frame_equal(loaded.predict(test), fitted.predict(test))
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_model(fitted, path)
    save_model(fitted, path, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["coder.joblib"]  # no temp file left
    with pytest.raises(NotFittedError):
        save_model(ModelCoder(), tmp_path / "unfitted.joblib")


def test_load_refuses_other_versions_and_other_files(tmp_path, fitted, monkeypatch):
    path = save_model(fitted, tmp_path / "coder.joblib")
    major, minor, *_ = sysreview.__version__.split(".")
    monkeypatch.setattr(sysreview, "__version__", f"{major}.{int(minor) + 1}.0")
    with pytest.raises(ModelVersionError, match=r"saved by sysreview .*Retrain"):
        load_model(path)
    monkeypatch.setattr(sysreview, "__version__", f"{major}.{minor}.99")
    assert load_model(path).codes_ == CODES  # patch releases are compatible
    other = tmp_path / "other.joblib"
    joblib.dump({"weights": [1, 2]}, other)
    with pytest.raises(sysreview.exceptions.SysreviewError, match="does not hold a sysreview"):
        load_model(other)
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(pickle.dumps(fitted)[:100])
    with pytest.raises(sysreview.exceptions.SysreviewError, match="not a readable"):
        load_model(broken)


# -------------------------------------------------------------- active learning
def test_suggest_next_ranks_the_unsure_first(data, fitted):
    _, _, test, _ = data
    odd = pd.DataFrame({"segment_id": ["odd"], "text": ["Staff records."]})
    candidates = pd.concat([test[["segment_id", "text"]], odd], ignore_index=True)
    coded = test.segment_id.iloc[:50].tolist()
    ranked = suggest_next(fitted, candidates, n=10, exclude=coded)
    assert len(ranked) == 10
    assert not set(ranked.segment_id) & set(coded)
    assert ranked.uncertainty.is_monotonic_decreasing
    expected = uncertainty(fitted.predict_proba(candidates)).drop(coded)
    assert ranked.uncertainty.iloc[0] == pytest.approx(expected.max())
    assert ranked.segment_id.iloc[0] == expected.idxmax()
    assert ranked.columns.tolist() == [
        "segment_id",
        "text",
        "uncertainty",
        "uncertain_code",
        "top_codes",
    ]
    assert ranked.top_codes.iloc[0].count("(") == 2
    clear = pd.DataFrame(
        {
            "segment_id": ["clear"],
            "text": [
                "Nurses, agency staff and care workers held back families. We talked about it."
            ],
        }
    )
    pair = suggest_next(fitted, pd.concat([clear, odd]), n=5)
    assert pair.segment_id.tolist() == ["odd", "clear"]


def test_learning_curve_grows_with_coded_segments(data):
    train, train_gold, test, test_gold = data
    segments = pd.concat([train, test], ignore_index=True)
    gold = pd.concat([train_gold, test_gold], ignore_index=True)
    curve = learning_curve(segments, gold, test_segments=test, sizes=(6, 40, 1000))
    assert curve["size"].tolist() == [6, 40, 200]  # 1000 is more than the pool
    assert curve.kappa.iloc[-1] > 0.8
    assert curve.kappa.iloc[-1] > curve.kappa.iloc[0]
    active = learning_curve(
        segments,
        gold,
        test_segments=test.segment_id,
        sizes=(20, 60),
        strategy="uncertainty",
        estimator=ModelCoder(char_ngrams=False),
    )
    assert active.strategy.unique().tolist() == ["uncertainty"]
    assert active.kappa.notna().all()
    with pytest.raises(ValueError, match="`strategy` must be one of"):
        learning_curve(segments, gold, test_segments=test, strategy="greedy")


# ------------------------------------------------------------------ with rules
def _rule_coder_available() -> bool:
    if hasattr(sysreview, "code"):
        return True
    try:
        return hasattr(importlib.import_module("sysreview.coding"), "code")
    except ImportError:
        return False


needs_rules = pytest.mark.skipif(
    not _rule_coder_available(),
    reason="the rule coder (sysreview.code) is not in this checkout yet",
)


@needs_rules
def test_rule_scores_as_features(data):
    train, train_gold, test, test_gold = data
    model = ModelCoder(codes=CODES, use_rules=True).fit(train, train_gold)
    n_text = len(model.vectorizer_.transform(["x"]).toarray()[0])
    assert model._features(test).shape == (100, n_text + len(CODES))
    assert model.score(test, test_gold) > 0.8


@needs_rules
def test_combined_coder_keeps_rules_and_adds_confident_model_codings(data):
    train, train_gold, test, _ = data
    combined = CombinedCoder(model=ModelCoder(char_ngrams=False), model_threshold=0.9)
    combined.fit(train, train_gold)
    predicted = combined.predict(test)
    assert predicted.columns.tolist() == CODING_COLUMNS
    assert set(predicted.coder) <= {"combined"}
    rules = sysreview.code(
        sysreview.Corpus.from_segments(test[["segment_id", "doc_id", "text"]]), coder="rules"
    )
    rule_pairs = set(zip(rules.segment_id, rules.code, strict=True))
    pairs = set(zip(predicted.segment_id, predicted.code, strict=True))
    assert {p for p in rule_pairs if p[1] in combined.codes_} <= pairs
    proba = combined.predict_proba(test)
    for seg, code in pairs - rule_pairs:
        assert proba.loc[seg, code] >= 0.9
    assert not predicted.duplicated(["segment_id", "code"]).any()


def test_to_targets_forms():
    segments = pd.DataFrame(
        {"segment_id": ["a", "b", "c"], "text": ["x", "y", "z"]}, index=[10, 11, 12]
    )
    codings = pd.DataFrame(
        {
            "segment_id": ["a", "c", "c"],
            "code": ["k", "k", "m"],
            "valence": ["barrier", None, "enabler"],
        }
    )
    wide = to_targets(codings, segments, codes=["m", "k"])
    assert wide.index.tolist() == [10, 11, 12]  # aligned with X for cross-validation
    assert wide.to_dict("list") == {"m": ["", "", "enabler"], "k": ["barrier", "", "coded"]}
    presence = to_targets(codings.drop(columns="valence"), segments)
    assert presence.to_dict("list") == {"k": [1, 0, 1], "m": [0, 0, 1]}
    with pytest.raises(ValueError, match="not in the segments"):
        to_targets(codings.assign(segment_id="zz"), segments)


# ------------------------------------------------------------------ stacked valence
def test_valence_reading_marks_negation_and_reads_each_code():
    from sysreview.model._valence import valence_reading

    segments = pd.DataFrame(
        {
            "segment_id": ["a", "b"],
            "text": [
                "There was no shared care record. Agency staff filled the rota.",
                "Daily calls worked well, but care homes were left out of decisions.",
            ],
        }
    )
    pairs, per_segment = valence_reading(segments)
    got = {(s, c): v for s, c, v in pairs[["segment_id", "code", "rule_valence"]].values}
    assert got[("a", "data_and_digital")] == "barrier"
    assert got[("b", "sector_inclusion")] == "barrier"
    assert got[("b", "communication")] == "enabler"
    marked = per_segment.set_index("segment_id")["text_marked"]
    assert "no NOT_shared NOT_care NOT_record" in marked["a"]
    assert "NOT_agency" not in marked["a"]  # the scope ends with the clause
    evidence = pairs.set_index(["segment_id", "code"])["evidence_marked"]
    assert evidence[("a", "data_and_digital")] == "there was no NOT_shared NOT_care NOT_record"


def test_stacked_valence_learns_the_coders_convention(data):
    """A coder whose valences are the reverse of every cue: the rules disagree with
    it, the stacked classifier learns it from the coding."""
    train, train_gold, test, test_gold = data
    flip = {"enabler": "barrier", "barrier": "enabler"}
    reversed_train = train_gold.assign(valence=train_gold["valence"].map(flip))
    reversed_test = test_gold.assign(valence=test_gold["valence"].map(flip))
    stacked = CombinedCoder(model=ModelCoder(codes=CODES, char_ngrams=False), valence="stacked")
    stacked.fit(train, reversed_train)
    assert stacked.valence_model_ is not None
    rules = CombinedCoder(model=ModelCoder(codes=CODES, char_ngrams=False), valence="rules")
    rules.fit(train, reversed_train)

    def agreement(predicted):
        both = reversed_test.merge(predicted, on=["segment_id", "code"], suffixes=("", "_p"))
        assert len(both) > 50
        return (both["valence"] == both["valence_p"]).mean()

    assert agreement(stacked.predict(test)) >= 0.85
    assert agreement(rules.predict(test)) <= 0.5


def test_stacked_valence_beats_the_rules_on_held_out_areas():
    """Trained on the example study's development areas, the stacked valence agrees
    with the gold of the held-out areas at least as often as the rules' cues do."""
    from sysreview.agreement import evaluate
    from sysreview.datasets import HELD_OUT_AREAS, load_example, load_example_gold

    corpus = load_example()
    gold = load_example_gold().dropna(subset=["code"])
    units = corpus.segments[corpus.segments["segment_id"].isin(gold["segment_id"])]
    held = units["area"].isin(HELD_OUT_AREAS)
    train, test = units[~held], units[held]
    settings = dict(model=ModelCoder(char_ngrams=False, min_df=2), veto_threshold=0.1)
    scores = {}
    for valence in ("rules", "stacked"):
        coder = CombinedCoder(valence=valence, **settings)
        coder.fit(train, gold[gold["segment_id"].isin(train["segment_id"])])
        table = evaluate(
            gold[gold["segment_id"].isin(test["segment_id"])],
            coder.predict(test),
            segments=test["segment_id"],
        )
        scores[valence] = table.loc["micro", "valence_agreement"]
    assert scores["stacked"] >= scores["rules"] + 0.02, scores


def test_combined_coder_names_the_valence_options(data):
    train, train_gold, _, _ = data
    with pytest.raises(ValueError, match=r"'rules', 'model', 'stacked'.*'cues'"):
        CombinedCoder(valence="cues").fit(train, train_gold)


def test_codes_without_rule_evidence_need_the_unsupported_threshold(data):
    """With ``unsupported_threshold=1.0`` the model adds no code the rules found
    no evidence for; without it, a low ``model_threshold`` adds such codes."""
    from sysreview.model._valence import valence_reading

    train, train_gold, test, _ = data
    evidence, _ = valence_reading(test)
    grounded = set(zip(evidence["segment_id"], evidence["code"], strict=True))
    model = ModelCoder(codes=CODES, char_ngrams=False)
    loose = CombinedCoder(model=model, model_threshold=0.05).fit(train, train_gold)
    strict = CombinedCoder(model=model, model_threshold=0.05, unsupported_threshold=1.0)
    strict.fit(train, train_gold)
    loose_pairs = set(zip(*loose.predict(test)[["segment_id", "code"]].values.T, strict=True))
    strict_pairs = set(zip(*strict.predict(test)[["segment_id", "code"]].values.T, strict=True))
    assert loose_pairs - grounded  # the loose coder adds ungrounded codes
    assert strict_pairs <= grounded
    assert strict_pairs == loose_pairs & grounded
    # a bar of 0 admits every code the model gives any probability, grounded or not
    anything = CombinedCoder(model=model, model_threshold=0.05, unsupported_threshold=0.0)
    anything_pairs = anything.fit(train, train_gold).predict(test)[["segment_id", "code"]]
    assert set(zip(*anything_pairs.values.T, strict=True)) == loose_pairs
    with pytest.raises(ValueError, match="unsupported_threshold"):
        CombinedCoder(unsupported_threshold=1.5).fit(train, train_gold)


def test_lemmatize_lets_the_model_read_inflections_it_never_saw():
    """Trained on singular, present-tense words only, a lemmatising model
    recognises their plurals and past tenses; one reading words as written
    cannot, having never seen those strings."""
    texts, codes = [], []
    for i in range(30):
        texts.append(f"The nurse works a long shift on ward {i}.")
        codes.append("workforce")
        texts.append(f"The server holds the record for clinic {i}.")
        codes.append("data_and_digital")
    train = pd.DataFrame({"segment_id": [f"t{i}" for i in range(60)], "text": texts})
    gold = pd.DataFrame({"segment_id": train["segment_id"], "code": codes, "valence": "neutral"})
    test = pd.DataFrame(
        {"segment_id": ["a", "b"], "text": ["Nurses worked shifts.", "Servers held records."]}
    )
    settings = {"codes": CODES, "calibration": None, "char_ngrams": False}
    lemma = ModelCoder(lemmatize=True, **settings).fit(train, gold).predict_proba(test)
    words = ModelCoder(**settings).fit(train, gold).predict_proba(test)
    assert lemma.loc["a", "workforce"] > 0.8 and lemma.loc["b", "data_and_digital"] > 0.8
    assert words.loc["a", "workforce"] < 0.6 and words.loc["b", "data_and_digital"] < 0.6


def test_sections_are_features_and_optional_at_prediction():
    """With ``sections=True`` the heading's words count: a neutral sentence under
    a "Workforce" heading leans to workforce; the same model still codes
    segments that come without a section column, from their text."""
    texts, codes, heads = [], [], []
    for i in range(40):
        texts.append(f"Nurses covered extra shifts on ward {i}.")
        codes.append("workforce")
        heads.append("Workforce")
        texts.append(f"The shared record held notes for clinic {i}.")
        codes.append("data_and_digital")
        heads.append("Data and records")
    train = pd.DataFrame(
        {"segment_id": [f"t{i}" for i in range(80)], "text": texts, "section": heads}
    )
    gold = pd.DataFrame({"segment_id": train["segment_id"], "code": codes, "valence": "neutral"})
    model = ModelCoder(codes=CODES, sections=True, calibration=None, char_ngrams=False)
    model.fit(train, gold)
    plain = "We visited in the spring."
    test = pd.DataFrame(
        {
            "segment_id": ["w", "d"],
            "text": [plain, plain],
            "section": ["Workforce", "Data and records"],
        }
    )
    proba = model.predict_proba(test)
    assert proba.loc["w", "workforce"] > proba.loc["d", "workforce"] + 0.2
    assert proba.loc["d", "data_and_digital"] > proba.loc["w", "data_and_digital"] + 0.2
    bare = model.predict(pd.DataFrame({"segment_id": ["x"], "text": ["Nurses covered shifts."]}))
    assert bare["code"].tolist() == ["workforce"]
    unseen = ModelCoder(codes=CODES, calibration=None, char_ngrams=False).fit(train, gold)
    flat = unseen.predict_proba(test)
    assert abs(flat.loc["w", "workforce"] - flat.loc["d", "workforce"]) < 1e-9


def test_average_with_averages_two_views_and_keeps_one_valence(data):
    """``average_with`` trains a second model on the same coding and averages
    the probabilities; valence stays with the first model."""
    train, train_gold, test, _ = data
    first = ModelCoder(codes=CODES, lemmatize=True, char_ngrams=False)
    second = ModelCoder(codes=CODES, char_ngrams=True)
    both = ModelCoder(codes=CODES, lemmatize=True, char_ngrams=False, average_with=second)
    both.fit(train, train_gold)
    expected = (
        first.fit(train, train_gold).predict_proba(test)
        + second.fit(train, train_gold).predict_proba(test).to_numpy()
    ) / 2
    pd.testing.assert_frame_equal(both.predict_proba(test), expected)
    assert both.partner_.valence_model_ is None and both.valence_model_ is not None
    assert clone(both).get_params()["average_with"].get_params()["char_ngrams"] is True
    with pytest.raises(TypeError, match="average_with"):
        ModelCoder(codes=CODES, average_with="chars").fit(train, train_gold)
