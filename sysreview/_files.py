"""Writing files safely: refuse to overwrite unless asked, never leave half a file.

Every file sysreview writes goes through :func:`write_atomic`: the content is
written to a temporary file in the same folder, which then replaces the
target in one step, so a failure (or Ctrl-C) leaves either the old file or
none, never a truncated one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ._typing import PathLike

__all__ = [
    "check_writable",
    "write_atomic",
    "write_text_atomic",
    "write_bytes_atomic",
    "write_csv_atomic",
]


def check_writable(path: PathLike, *, overwrite: bool, hint: str = "--force") -> Path:
    """``path`` as a Path; FileExistsError if it exists and ``overwrite`` is False.

    ``hint`` names what the caller passes to overwrite (``--force`` on the
    command line, ``force=True`` or ``overwrite=True`` in Python).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        message = f"{path} already exists; choose another name or pass {hint} to overwrite it."
        raise FileExistsError(message)
    return path


def _usual_mode() -> int:
    """The rights ``open()`` would give a new file (0666 less the umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(
    path: PathLike,
    write: Callable[[str], None],
    *,
    overwrite: bool,
    hint: str = "--force",
    private: bool = True,
) -> Path:
    """Write a file through a temporary file in the same folder, then rename it.

    ``write`` gets the temporary file's name. The folder is made if needed.
    With ``private`` the file keeps the owner-only rights of a temporary file
    (0600); otherwise it gets the usual rights of a new file.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False (see :func:`check_writable`).
    IsADirectoryError
        If ``path`` is a folder.
    """
    path = check_writable(path, overwrite=overwrite, hint=hint)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        if not private:
            os.chmod(tmp, _usual_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(
    path: PathLike,
    text: str,
    *,
    overwrite: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
    hint: str = "--force",
    private: bool = True,
) -> Path:
    """Write ``text`` atomically (see :func:`write_atomic`); ``newline`` as in :func:`open`."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding=encoding, newline=newline) as fh:
            fh.write(text)

    return write_atomic(path, write, overwrite=overwrite, hint=hint, private=private)


def write_bytes_atomic(
    path: PathLike,
    data: bytes,
    *,
    overwrite: bool = False,
    hint: str = "--force",
    private: bool = True,
) -> Path:
    """Write ``data`` atomically (see :func:`write_atomic`)."""

    def write(tmp: str) -> None:
        Path(tmp).write_bytes(data)

    return write_atomic(path, write, overwrite=overwrite, hint=hint, private=private)


def write_csv_atomic(
    df, path: PathLike, *, overwrite: bool = False, index: bool = False, hint: str = "--force"
) -> Path:
    """Write a DataFrame as UTF-8 CSV with a BOM (so Excel reads it), atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            df.to_csv(fh, index=index)

    return write_atomic(path, write, overwrite=overwrite, hint=hint)
