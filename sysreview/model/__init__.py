"""Learned coders: a scikit-learn estimator trained on human codings, and helpers
to code less by hand.

- :class:`ModelCoder` learns each code (and its valence) from coded segments
  and predicts a codings table shaped like the rule coder's.
- :class:`CombinedCoder` uses the rule coder and a model together.
- :func:`suggest_next` picks the segments a person should code next;
  :func:`learning_curve` shows how agreement grows with hand-coded segments.
- :func:`save_model` / :func:`load_model` store a fitted coder, checking the
  sysreview version on load.

Examples
--------
>>> import pandas as pd
>>> from sysreview.model import ModelCoder, to_targets
>>> segments = pd.DataFrame({"segment_id": ["a", "b", "c", "d"],
...     "text": ["Too few nurses.", "Budgets were cut.", "Nurses left.", "Funding ran out."]})
>>> gold = pd.DataFrame({"segment_id": ["a", "b", "c", "d"],
...     "code": ["workforce", "funding_and_resources"] * 2, "valence": ["barrier"] * 4})
>>> y = to_targets(gold, segments)  # one row per segment, for GridSearchCV
>>> coder = ModelCoder().fit(segments, y)
>>> coder.codes_
['funding_and_resources', 'workforce']
"""

from ._active import learning_curve, suggest_next, uncertainty
from ._coder import ModelCoder
from ._combine import CombinedCoder
from ._default import default_coder
from ._features import to_targets
from ._persist import ModelVersionError, load_model, save_model

__all__ = [
    "ModelCoder",
    "CombinedCoder",
    "default_coder",
    "suggest_next",
    "learning_curve",
    "uncertainty",
    "to_targets",
    "save_model",
    "load_model",
    "ModelVersionError",
]
