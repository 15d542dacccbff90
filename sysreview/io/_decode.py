"""Turn the bytes of a text file into ``str``, or say clearly why not."""

from __future__ import annotations

import codecs
from pathlib import Path

from ..exceptions import SourceFormatError

__all__ = ["read_text", "decode_bytes", "normalise_newlines"]

_CONTROL_OK = set("\t\n\r\f\v")


def normalise_newlines(text: str) -> str:
    """Return ``text`` with Windows and old Mac line endings turned into ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``.

    Tries, in order: a UTF-8 or UTF-16/32 byte-order mark, strict UTF-8, then
    Windows-1252 (what Word and Excel on Windows often write). The text has
    its byte-order mark removed and its line endings normalised to ``\\n``.

    Raises
    ------
    SourceFormatError
        If the file is empty, looks binary, or none of the encodings fit.
    """
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise SourceFormatError(path, "the file is empty.", hint="Remove it or add its text.")
    boms = [
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ]
    encoding = None
    for bom, name in boms:
        if data.startswith(bom):
            encoding = name
            break
    if encoding is None:
        if b"\x00" in data:
            raise SourceFormatError(
                path,
                "this looks like a binary file, not text (it contains NUL bytes).",
                hint="If it is UTF-16 text, save it again with a byte-order mark "
                "(or as UTF-8); otherwise remove it from the folder.",
            )
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                encoding = "cp1252"
            except UnicodeDecodeError as exc:
                raise SourceFormatError(
                    path,
                    f"cannot decode the file as UTF-8 or Windows-1252 (byte {exc.start}).",
                    hint="Save it as UTF-8 text and load it again.",
                ) from None
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SourceFormatError(
                path,
                f"the file starts with a {encoding} byte-order mark but is not valid "
                f"{encoding} (byte {exc.start}).",
                hint="Save it again as UTF-8 text.",
            ) from None
    text = text.lstrip("\ufeff")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in _CONTROL_OK)
    if controls and controls > max(2, len(text) // 200):
        raise SourceFormatError(
            path,
            f"this looks like a binary file, not text ({controls} control characters).",
            hint="Check that the file extension matches its content.",
        )
    text = normalise_newlines(text)
    if not text.strip():
        raise SourceFormatError(path, "the file is empty.", hint="Remove it or add its text.")
    return text, encoding


def read_text(path: str | Path) -> tuple[str, str]:
    """Read and decode a text file; see :func:`decode_bytes`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(path, f"cannot read the file ({exc.strerror}).") from None
    return decode_bytes(data, path)
