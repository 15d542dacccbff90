"""The corpus: documents, their texts and their segments, as tidy tables."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import pandas as pd

from .exceptions import CorpusError

__all__ = ["Corpus", "DOCUMENT_COLUMNS", "SEGMENT_COLUMNS"]

DOCUMENT_COLUMNS = ["doc_id", "path", "title", "area", "sector", "source_type", "date", "format"]
SEGMENT_COLUMNS = [
    "segment_id",
    "doc_id",
    "speaker",
    "start",
    "end",
    "text",
    "area",
    "sector",
    "section",
    "time_start",
    "time_end",
]


class Corpus:
    """Documents with their full texts and segments.

    Parameters
    ----------
    documents : DataFrame
        One row per source; see the README for the columns.
    segments : DataFrame
        One row per segment with ``start``/``end`` offsets into the text of
        its document, so ``corpus.text(doc_id)[start:end] == text``.
    texts : mapping of str to str
        The full text of each document, by doc_id.
    skipped : DataFrame, optional
        Files that were not loaded, with columns ``path`` and ``reason``.
    warnings : list of str, optional
        Things the loader noticed (metadata without files, files without
        metadata, rows without text).

    Examples
    --------
    >>> import sysreview
    >>> corpus = sysreview.Corpus.from_segments(
    ...     pd.DataFrame({"doc_id": ["d1", "d1"], "text": ["One.", "Two."]}))
    >>> corpus.text("d1")
    'One.\\n\\nTwo.'
    >>> corpus.segments[["segment_id", "start", "end"]].values.tolist()
    [['d1:001', 0, 4], ['d1:002', 6, 10]]
    """

    def __init__(
        self,
        documents: pd.DataFrame,
        segments: pd.DataFrame,
        texts: Mapping[str, str],
        *,
        skipped: pd.DataFrame | None = None,
        warnings: Iterable[str] = (),
    ):
        self.documents = documents.reset_index(drop=True)
        self.segments = segments.reset_index(drop=True)
        self._texts = dict(texts)
        self.skipped = (
            skipped if skipped is not None else pd.DataFrame(columns=["path", "reason"])
        ).reset_index(drop=True)
        self.warnings = list(warnings)
        missing = set(self.documents["doc_id"]) - set(self._texts)
        if missing:
            raise CorpusError(f"documents without text: {sorted(missing)[:5]}")

    # ------------------------------------------------------------------ access
    def text(self, doc_id: str) -> str:
        """Return the full text of document ``doc_id``."""
        try:
            return self._texts[doc_id]
        except KeyError:
            raise KeyError(
                f"No document with doc_id {doc_id!r}; see corpus.documents.doc_id "
                "for the ids in this corpus."
            ) from None

    @property
    def texts(self) -> dict[str, str]:
        """A copy of the mapping doc_id -> full text."""
        return dict(self._texts)

    def __len__(self) -> int:
        return len(self.documents)

    def __repr__(self) -> str:
        return (
            f"<Corpus: {len(self.documents)} documents, {len(self.segments)} segments, "
            f"{self.n_words():,} words>"
        )

    def n_words(self) -> int:
        """Number of words (whitespace-separated tokens) in all segments."""
        if self.segments.empty:
            return 0
        return int(self.segments["text"].str.split().str.len().sum())

    def subset(self, doc_ids: Iterable[str]) -> Corpus:
        """Return a corpus with only the documents in ``doc_ids``."""
        keep = set(doc_ids)
        return Corpus(
            self.documents[self.documents.doc_id.isin(keep)],
            self.segments[self.segments.doc_id.isin(keep)],
            {k: v for k, v in self._texts.items() if k in keep},
            skipped=self.skipped,
            warnings=self.warnings,
        )

    # --------------------------------------------------------------- summaries
    def summary(self) -> dict[str, pd.DataFrame]:
        """Counts of documents, segments and words by area, sector and source type.

        Returns
        -------
        dict of str to DataFrame
            Keys ``"area"``, ``"sector"``, ``"source_type"``, ``"format"``, each a
            table with columns ``documents``, ``segments``, ``words``.
        """
        seg = self.segments.assign(words=self.segments["text"].str.split().str.len())
        per_doc = seg.groupby("doc_id").agg(segments=("segment_id", "size"), words=("words", "sum"))
        docs = self.documents.set_index("doc_id").join(per_doc).fillna({"segments": 0, "words": 0})
        out = {}
        for col in ("area", "sector", "source_type", "format"):
            key = (
                docs[col].fillna("(none)") if col in docs else pd.Series("(none)", index=docs.index)
            )
            table = docs.groupby(key).agg(
                documents=("title", "size"), segments=("segments", "sum"), words=("words", "sum")
            )
            table.index.name = col
            out[col] = table.astype(int).sort_values("documents", ascending=False)
        return out

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(repr(self))}</p>"]
        for name, table in self.summary().items():
            if name in ("area", "source_type"):
                parts.append(f"<h4>By {html.escape(name)}</h4>" + table.to_html())
        return "".join(parts)

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_segments(
        cls, segments: pd.DataFrame, *, documents: pd.DataFrame | None = None
    ) -> Corpus:
        """Build a corpus from a table of segment texts (one row per segment).

        ``segments`` needs a ``text`` column; ``doc_id``, ``segment_id``,
        ``speaker``, ``area`` and ``sector`` are used when present. Each
        document's text is its segments joined by blank lines.
        """
        from pathlib import Path

        from .io._loader import build_corpus
        from .io._tables import table_to_docs

        if not isinstance(segments, pd.DataFrame):
            segments = pd.DataFrame(segments)

        docs = table_to_docs(segments, Path("<table>"), fmt="table")
        return build_corpus([(Path("<table>"), d) for d in docs], metadata=documents)
