"""Type aliases shared across sysreview."""

from __future__ import annotations

import os
from typing import Literal, Union

PathLike = Union[str, "os.PathLike[str]"]
Valence = Literal["enabler", "barrier", "neutral"]
VALENCES: tuple[str, ...] = ("enabler", "barrier", "neutral")

__all__ = ["PathLike", "Valence", "VALENCES"]
