"""sysreview: qualitative analysis of health and social care system reviews.

Load sources into tidy tables, code segments against a codebook with a
valence, measure agreement, aggregate by area and sector, and report.

Examples
--------
>>> import sysreview
>>> corpus = sysreview.datasets.load_example()
>>> corpus.segments.columns[:6].tolist()
['segment_id', 'doc_id', 'speaker', 'start', 'end', 'text']
"""

__version__ = "0.1.0"

from . import (
    agreement,
    analysis,
    codebooks,
    coding,
    datasets,
    exceptions,
    exchange,
    highlight,
    io,
    model,
    plots,
    privacy,
    report,
)
from .codebook import Code, Codebook
from .coding import RuleCoder, code
from .corpus import Corpus
from .io import load_corpus
from .segment import segment_text

__all__ = [
    "__version__",
    "Corpus",
    "Code",
    "Codebook",
    "codebooks",
    "code",
    "coding",
    "RuleCoder",
    "agreement",
    "analysis",
    "plots",
    "highlight",
    "report",
    "exchange",
    "privacy",
    "model",
    "load_corpus",
    "segment_text",
    "datasets",
    "exceptions",
    "io",
]
