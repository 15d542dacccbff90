"""The spaCy pipeline the rule coder runs on, built without any download."""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language

__all__ = ["default_nlp", "lemma_lookup_table"]


@Language.component("sysreview_lower_lemma")
def _lower_lemma(doc):
    """Lemmatise capitalised words from their lower case ("Boards" -> "board").

    spaCy's lookup lemmatizer looks words up as written, so a word at the start
    of a sentence keeps its inflection. This component, placed after it, looks
    such words up again in lower case.
    """
    table = lemma_lookup_table()
    for token in doc:
        lower = token.lower_
        if token.lemma_ == token.text and token.text != lower:
            token.lemma_ = table.get(lower, lower)
        elif token.lemma_ != token.lemma_.lower() and not token.is_upper:
            token.lemma_ = token.lemma_.lower()
    return doc


@lru_cache(maxsize=1)
def lemma_lookup_table():
    """The English lemma lookup table from ``spacy-lookups-data`` (no download)."""
    import spacy_lookups_data
    from spacy.lookups import load_lookups

    del spacy_lookups_data  # imported so a missing package fails here, clearly
    lookups = load_lookups("en", ["lemma_lookup"])
    return lookups.get_table("lemma_lookup")


@lru_cache(maxsize=1)
def default_nlp() -> Language:
    """``spacy.blank("en")`` with a sentencizer and the lookup lemmatizer.

    Everything comes from installed packages: nothing is downloaded.

    Examples
    --------
    >>> from sysreview.coding import default_nlp
    >>> [t.lemma_ for t in default_nlp()("Boards weren't meeting.")]
    ['board', 'be', 'not', 'meet', '.']
    """
    import spacy

    try:
        import spacy_lookups_data  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError(
            "The rule coder needs the lemma tables of spacy-lookups-data: "
            "pip install spacy-lookups-data"
        ) from exc
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sysreview_lower_lemma")
    nlp.initialize()
    return nlp
