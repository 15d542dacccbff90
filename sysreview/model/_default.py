"""The coder ``sysreview.code`` uses by default: rules plus the shipped model."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["default_coder"]


@lru_cache(maxsize=1)
def default_coder():
    """The default coder: rules checked and completed by a model trained on the bundled gold.

    A :class:`~sysreview.model.CombinedCoder` (see
    :mod:`sysreview.model.build_default` for how it is built). It codes with
    the default codebook only; for your own codebook use the rule coder
    (``sysreview.code(corpus, codebook)``) or train your own model.

    Returns
    -------
    CombinedCoder

    Examples
    --------
    >>> from sysreview.model import default_coder
    >>> type(default_coder()).__name__
    'CombinedCoder'
    """
    from ._persist import load_model
    from .build_default import DEFAULT_MODEL_PATH

    if not DEFAULT_MODEL_PATH.is_file():
        raise FileNotFoundError(
            f"the default coder's model is missing ({DEFAULT_MODEL_PATH}); reinstall sysreview, "
            "or rebuild it with: python -m sysreview.model.build_default"
        )
    return load_model(DEFAULT_MODEL_PATH)
