"""The exceptions sysreview raises.

Each subclasses a built-in, so ``except ValueError`` keeps working for users
who do not know about sysreview's own classes.
"""

from __future__ import annotations

__all__ = [
    "SysreviewError",
    "SourceFormatError",
    "CorpusError",
    "CodebookError",
    "NotFittedError",
    "UnsafeArchiveError",
    "NotebookError",
    "SysreviewWarning",
]


class SysreviewError(Exception):
    """Base class of every sysreview error."""


class SourceFormatError(SysreviewError, ValueError):
    """A source file cannot be read: wrong format, encoding or content.

    The message names the file and, where it applies, the line or row.
    """

    def __init__(self, path, message: str, *, line: int | None = None, hint: str | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        self.hint = hint
        where = f"{self.path}, line {line}" if line is not None else self.path
        text = f"{where}: {message}"
        if hint:
            text += f" {hint}"
        super().__init__(text)


class CorpusError(SysreviewError, ValueError):
    """The corpus as a whole is inconsistent (duplicate ids, bad metadata)."""


class CodebookError(SysreviewError, ValueError):
    """A codebook is invalid; the message names the file and line where known."""


class NotFittedError(SysreviewError, ValueError, AttributeError):
    """A learned coder was used before ``fit``."""


class UnsafeArchiveError(SysreviewError, ValueError):
    """An archive (such as a .qdpx) holds something unsafe to extract."""


class NotebookError(SysreviewError, RuntimeError):
    """A notebook could not be run: unknown parameter, missing kernel, failing cell."""


class SysreviewWarning(UserWarning):
    """Something in the input deserves attention but did not stop the work."""
