"""Saving and loading fitted coders, with a check of the sysreview version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib

from .._files import check_writable, write_atomic
from .._typing import PathLike
from ..exceptions import NotFittedError, SysreviewError

__all__ = ["save_model", "load_model", "ModelVersionError"]

_FORMAT = "sysreview-model"


class ModelVersionError(SysreviewError, ValueError):
    """A saved model was made by a sysreview version this one cannot load."""


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(str(version).split(".")[:2])


def save_model(model: Any, path: PathLike, *, overwrite: bool = False, compress: int = 0) -> Path:
    """Save a fitted coder (``ModelCoder`` or ``CombinedCoder``) to a file.

    The file is written atomically (to a temporary file, then renamed) and
    records the sysreview and scikit-learn versions.

    Parameters
    ----------
    model : ModelCoder or CombinedCoder
        A fitted coder.
    path : str or Path
        Where to write; ``.joblib`` is the usual suffix.
    overwrite : bool, default=False
        Replace an existing file.
    compress : int, default=0
        joblib compression level (0-9); 3 makes a model file about a tenth
        of its size.

    Returns
    -------
    Path

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from sysreview.model import ModelCoder
    >>> segs = pd.DataFrame({"segment_id": ["a", "b", "c"], "text": ["staff", "money", "staff"]})
    >>> gold = pd.DataFrame({"segment_id": ["a", "c"], "code": ["workforce"] * 2})
    >>> coder = ModelCoder().fit(segs, gold)
    >>> path = save_model(coder, pathlib.Path(tempfile.mkdtemp()) / "coder.joblib")
    >>> load_model(path).codes_
    ['workforce']
    """
    import sklearn

    from .. import __version__

    path = Path(path)
    if not hasattr(model, "sysreview_version_"):
        raise NotFittedError(
            f"{type(model).__name__} is not fitted; fit it before saving it to {path}."
        )
    check_writable(path, overwrite=overwrite, hint="overwrite=True")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist; create it first.")
    payload = {
        "format": _FORMAT,
        "sysreview_version": __version__,
        "sklearn_version": sklearn.__version__,
        "model": model,
    }
    return write_atomic(
        path, lambda tmp: joblib.dump(payload, tmp, compress=compress), overwrite=overwrite
    )


def load_model(path: PathLike) -> Any:
    """Load a coder saved with :func:`save_model`.

    Loading runs code stored in the file (it is a pickle): load only models
    you or your team made.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    ModelCoder or CombinedCoder

    Raises
    ------
    ModelVersionError
        When the model was saved by a sysreview whose major or minor version
        differs from this one: retrain it, or install the version it names.
    """
    from .. import __version__

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}.")
    try:
        payload = joblib.load(path)
    except (EOFError, ValueError, KeyError, IndexError, OSError) as err:
        raise SysreviewError(
            f"{path} is not a readable sysreview model ({type(err).__name__}: {err}); "
            "it may be truncated or another kind of file. Save the model again."
        ) from err
    if not (isinstance(payload, dict) and payload.get("format") == _FORMAT):
        raise SysreviewError(
            f"{path} does not hold a sysreview model (it was not written by "
            "sysreview.model.save_model)."
        )
    saved = str(payload.get("sysreview_version"))
    if _major_minor(saved) != _major_minor(__version__):
        raise ModelVersionError(
            f"{path} was saved by sysreview {saved}, but this is sysreview {__version__}; "
            "models are only compatible within the same major.minor version. Retrain the "
            f"model with this version, or install sysreview=={saved} to use it."
        )
    return payload["model"]
