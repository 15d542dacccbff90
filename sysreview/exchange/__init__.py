"""Exchange with QDA software and spreadsheets.

- :func:`to_qdpx` / :func:`read_qdpx`: REFI-QDA projects (``.qdpx``), the
  exchange format of NVivo, ATLAS.ti, MAXQDA, QualCoder and others.
- :func:`write_qdc` / :func:`read_qdc`: REFI-QDA codebooks (``.qdc``).
- :func:`codings_to_csv`, :func:`codings_to_excel`, :func:`framework_to_csv`,
  :func:`framework_to_excel`: the codings and the framework matrix
  (:func:`sysreview.analysis.framework_matrix`) as files that open in Excel
  without fixing encodings.

Valence has no place in REFI-QDA. sysreview's convention: each code has
three child codes named ``enabler``, ``barrier`` and ``neutral``; coding a
passage with ``Governance clarity › barrier`` means code
``governance_clarity`` with valence ``barrier``. :func:`read_qdpx` turns such
codings back into the valence column (and gives NaN valence to projects
whose codes do not follow the convention).

A ``.qdpx`` is a zip file from someone else: it is checked before anything
is read (no entries escaping the archive, no symbolic links, no zip bombs, no
XML entities); see :class:`SafeZip`.
"""

from ._qdc import read_qdc, write_qdc
from ._qdpx_read import QdaProject, read_qdpx
from ._qdpx_write import to_qdpx
from ._safezip import SafeZip
from ._tables import (
    codings_to_csv,
    codings_to_excel,
    framework_to_csv,
    framework_to_excel,
)
from ._xml import VALENCE_CODES

__all__ = [
    "to_qdpx",
    "read_qdpx",
    "QdaProject",
    "write_qdc",
    "read_qdc",
    "codings_to_csv",
    "codings_to_excel",
    "framework_to_csv",
    "framework_to_excel",
    "SafeZip",
    "VALENCE_CODES",
]
