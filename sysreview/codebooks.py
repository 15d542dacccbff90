"""Codebooks shipped with sysreview.

``default()`` implements the "Integrated care system working" codebook: 13
codes whose ids are a public interface.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from .codebook import Codebook

__all__ = ["default", "DEFAULT_CODE_IDS"]

DEFAULT_CODE_IDS = (
    "governance_clarity",
    "sector_inclusion",
    "preexisting_relationships",
    "shared_vision",
    "leadership",
    "communication",
    "data_and_digital",
    "funding_and_resources",
    "workforce",
    "involvement",
    "learning_culture",
    "national_guidance",
    "service_design",
)


@lru_cache(maxsize=1)
def _default_text() -> str:
    return (files("sysreview.codebook") / "default.yml").read_text(encoding="utf-8")


def default() -> Codebook:
    """Return the default codebook (a fresh copy each call; edit it freely).

    Examples
    --------
    >>> cb = default()
    >>> cb.ids[:2]
    ['governance_clarity', 'sector_inclusion']
    """
    from .codebook._yaml import load_with_lines

    return Codebook.from_dict(load_with_lines(_default_text()), source="sysreview default codebook")
