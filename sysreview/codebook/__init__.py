"""Codebooks: the format, loading, validation and the default codebook."""

from ._codebook import Code, Codebook

__all__ = ["Code", "Codebook"]
