"""Reading sources: text, Markdown, Word, subtitle transcripts and tables.

Each reader turns one file into documents; :func:`load_corpus` reads a folder,
joins the ``documents.csv`` metadata and segments the texts.
"""

from ._decode import decode_bytes, read_text
from ._loader import READERS, load_corpus, read_source
from ._metadata import read_metadata

__all__ = ["load_corpus", "read_source", "read_metadata", "read_text", "decode_bytes", "READERS"]
