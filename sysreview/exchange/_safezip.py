"""Open zip archives from other people (``.qdpx``, ``.docx``) without trusting them.

Nothing is extracted to disk: members are read into memory after the whole
archive has been checked. An archive is refused, with
:class:`~sysreview.exceptions.UnsafeArchiveError`, when

- an entry's name escapes the archive (``../``, an absolute path, a Windows
  drive letter, a NUL byte) or is a symbolic link;
- it declares more uncompressed bytes in total than ``max_total_size``, more
  entries than ``max_entries``, or an entry compressed more than
  ``max_ratio`` times (a "zip bomb");
- an entry inflates to more bytes than it declared (checked while reading).
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .._typing import PathLike
from ..exceptions import SourceFormatError, UnsafeArchiveError

__all__ = ["SafeZip", "MAX_TOTAL_SIZE", "MAX_RATIO", "MAX_ENTRIES"]

#: Largest total uncompressed size accepted by default (2 GiB).
MAX_TOTAL_SIZE = 2 * 1024**3
#: Largest compression ratio accepted for an entry bigger than ``_RATIO_FLOOR``.
MAX_RATIO = 200
#: Most entries accepted in one archive.
MAX_ENTRIES = 100_000
# Small entries may compress very well (a run of spaces) and are harmless.
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024


def _unsafe_name(name: str) -> str | None:
    """Why an entry name is unsafe to use, or None if it is fine."""
    if "\x00" in name:
        return "contains a NUL character"
    norm = name.replace("\\", "/")
    if norm.startswith("/"):
        return "is an absolute path"
    if len(norm) >= 2 and norm[1] == ":" and norm[0].isalpha():
        return "starts with a drive letter"
    if any(part == ".." for part in PurePosixPath(norm).parts):
        return "climbs out of the archive with '..'"
    return None


class SafeZip:
    """A checked, read-only view of a zip archive.

    Parameters
    ----------
    path : path or bytes
        The archive, or its bytes (e.g. a .docx read from inside a .qdpx).
    max_total_size : int, default=2 GiB
        Largest total of the entries' uncompressed sizes.
    max_ratio : float, default=200
        Largest uncompressed / compressed ratio for an entry over 1 MiB.
    max_entries : int, default=100000
        Most entries.
    label : str, optional
        How to name the archive in messages (default: its path).

    Raises
    ------
    UnsafeArchiveError
        If the archive holds an unsafe entry or is a zip bomb.
    SourceFormatError
        If the file is not a zip archive.

    Examples
    --------
    >>> import tempfile, zipfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.zip")
    >>> with zipfile.ZipFile(path, "w") as zf:
    ...     zf.writestr("sources/a.txt", "hello")
    >>> with SafeZip(path) as archive:
    ...     archive.read("sources/a.txt")
    b'hello'
    """

    def __init__(
        self,
        path: PathLike,
        *,
        max_total_size: int = MAX_TOTAL_SIZE,
        max_ratio: float = MAX_RATIO,
        max_entries: int = MAX_ENTRIES,
        label: str | None = None,
    ):
        source = io.BytesIO(path) if isinstance(path, (bytes, bytearray)) else Path(path)
        self.label = label or str(source if isinstance(source, Path) else "<bytes>")
        try:
            self._zip = zipfile.ZipFile(source)
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.label}: no such file.") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceFormatError(
                self.label,
                f"this is not a valid zip archive ({exc}).",
                hint="A .qdpx project must be the file your QDA program exported, unchanged.",
            ) from None
        try:
            self._check(max_total_size, max_ratio, max_entries)
        except BaseException:
            self._zip.close()
            raise
        self._by_name = {}
        self._by_lower = {}
        for info in self._zip.infolist():
            if info.is_dir():
                continue
            key = info.filename.replace("\\", "/")
            self._by_name[key] = info
            self._by_lower.setdefault(key.lower(), info)

    def _check(self, max_total_size: int, max_ratio: float, max_entries: int) -> None:
        infos = self._zip.infolist()
        if len(infos) > max_entries:
            raise UnsafeArchiveError(
                f"{self.label}: the archive has {len(infos):,} entries, more than the "
                f"{max_entries:,} allowed; it was refused as a possible zip bomb."
            )
        total = 0
        for info in infos:
            why = _unsafe_name(info.filename)
            if why:
                raise UnsafeArchiveError(
                    f"{self.label}: entry {info.filename!r} {why}; the archive was refused "
                    "because extracting it could write outside its folder. Ask the sender "
                    "to export the project again."
                )
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_ISLNK(mode):
                raise UnsafeArchiveError(
                    f"{self.label}: entry {info.filename!r} is a symbolic link; the archive "
                    "was refused because a link can point anywhere on your disk."
                )
            total += info.file_size
            if total > max_total_size:
                raise UnsafeArchiveError(
                    f"{self.label}: the archive unpacks to more than {max_total_size:,} bytes; "
                    "it was refused as a possible zip bomb. If it is genuine, pass a larger "
                    "max_total_size."
                )
            if info.file_size > _RATIO_FLOOR:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > max_ratio:
                    raise UnsafeArchiveError(
                        f"{self.label}: entry {info.filename!r} is compressed {ratio:,.0f} "
                        f"times (more than {max_ratio:g}); the archive was refused as a "
                        "possible zip bomb."
                    )

    # ----------------------------------------------------------------- access
    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    @property
    def names(self) -> list[str]:
        """Names of the file entries (with ``/`` separators), in archive order."""
        return list(self._by_name)

    def find(self, name: str) -> str | None:
        """The entry called ``name``, matched exactly, else ignoring case; or None."""
        key = name.replace("\\", "/").lstrip("/")
        if key in self._by_name:
            return key
        info = self._by_lower.get(key.lower())
        return info.filename.replace("\\", "/") if info is not None else None

    def size(self, name: str) -> int:
        """The declared uncompressed size of entry ``name``."""
        return self._by_name[name].file_size

    def read(self, name: str) -> bytes:
        """Read entry ``name``, refusing to inflate past its declared size."""
        info = self._by_name[name]
        chunks, total = [], 0
        try:
            with self._zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > info.file_size:
                        raise UnsafeArchiveError(
                            f"{self.label}: entry {name!r} inflates past the size it declares; "
                            "the archive was refused as a possible zip bomb."
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise SourceFormatError(
                self.label, f"entry {name!r} is corrupt ({exc}).", hint="Export the project again."
            ) from None
        except NotImplementedError as exc:
            raise SourceFormatError(
                self.label,
                f"entry {name!r} uses a compression method Python cannot read ({exc}).",
                hint="Export the project again with standard (deflate) compression.",
            ) from None
        except RuntimeError as exc:  # encrypted entries
            raise SourceFormatError(
                self.label,
                f"entry {name!r} cannot be read ({exc}).",
                hint="Export the project again without a password.",
            ) from None
        return b"".join(chunks)
