"""Which local area a text is about, from a gazetteer of place names.

The gazetteer (``sysreview/coding/data/areas.csv``, sources in
``areas_SOURCE.md``) lists England's local authorities, integrated care
systems, regions and the UK nations. Metadata always wins: areas are only
detected for segments whose documents have no area.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = ["load_gazetteer", "detect_area", "fill_missing_areas"]

#: More specific kinds win over broader ones when a text names both.
_SPECIFICITY = {
    "custom": 6,
    "district": 5,
    "london_borough": 5,
    "metropolitan": 5,
    "unitary": 5,
    "county": 4,
    "ics": 4,
    "region": 2,
    "nation": 1,
}
_CONTEXT = (
    r"(?:\s+(?:City\s+)?"
    r"(?:Council|County|Borough|District|ICS|ICB|area|system|place|integrated care))"
)


@lru_cache(maxsize=1)
def load_gazetteer() -> pd.DataFrame:
    """The bundled gazetteer: one row per name or alias, with its area and kind.

    Returns
    -------
    DataFrame
        Columns ``alias`` (what to look for), ``area`` (the canonical name),
        ``kind`` and ``ambiguous``.

    Examples
    --------
    >>> g = load_gazetteer()
    >>> g.loc[g["alias"] == "Hull", "area"].iloc[0]
    'Kingston upon Hull, City of'
    """
    with resources.files("sysreview.coding").joinpath("data/areas.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    rows = []
    for rec in table.to_dict("records"):
        names = [rec["name"]] + [a.strip() for a in rec.get("aliases", "").split(";") if a.strip()]
        for alias in dict.fromkeys(names):
            rows.append(
                {
                    "alias": alias,
                    "area": rec["name"],
                    "kind": rec["kind"],
                    "ambiguous": str(rec.get("ambiguous", "0")).strip() == "1",
                }
            )
    return pd.DataFrame(rows)


@lru_cache(maxsize=32)
def _matcher(extra: tuple[str, ...]):
    g = load_gazetteer()
    entries = {}
    for rec in g.itertuples():
        entries.setdefault(rec.alias, (rec.area, rec.kind, rec.ambiguous))
    for name in extra:
        entries[name] = (name, "custom", False)
    names = sorted(entries, key=len, reverse=True)
    plain = [n for n in names if not entries[n][2]]
    ambiguous = [n for n in names if entries[n][2]]
    pattern = r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in plain) + r")(?![\w-])"
    amb = (
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in ambiguous) + r")(?=" + _CONTEXT + r")"
        if ambiguous
        else None
    )
    return re.compile(pattern), (re.compile(amb) if amb else None), entries


def _mentions(text: str, extra: tuple[str, ...]) -> Counter:
    plain, amb, entries = _matcher(extra)
    found: Counter = Counter()
    for m in plain.finditer(text):
        found[m.group(0)] += 1
    if amb is not None:
        for m in amb.finditer(text):
            found[m.group(1)] += 1
    return Counter({entries[k][0]: v for k, v in found.items()}) if found else found


def detect_area(text: str, *, extra_areas: Iterable[str] = ()) -> str | None:
    """The area a text names most, preferring specific places over regions.

    Parameters
    ----------
    text : str
    extra_areas : iterable of str
        Your own area names (e.g. fictional or local names); they win ties.

    Returns
    -------
    str or None
        The canonical area name, or None when no area is named.

    Examples
    --------
    >>> detect_area("Discharge from hospitals in Leeds improved, as in the rest of England.")
    'Leeds'
    >>> detect_area("Staff in Ashdown Vale were stretched.", extra_areas=["Ashdown Vale"])
    'Ashdown Vale'
    >>> detect_area("Nothing here.") is None
    True
    """
    if not isinstance(text, str) or not text:
        return None
    extra = tuple(sorted(set(extra_areas)))
    counts = _mentions(text, extra)
    if not counts:
        return None
    _, _, entries = _matcher(extra)
    kinds = {v[0]: v[1] for v in entries.values()}
    return max(counts, key=lambda a: (_SPECIFICITY.get(kinds.get(a, ""), 3), counts[a]))


def fill_missing_areas(
    codings: pd.DataFrame, corpus, *, extra_areas: Iterable[str] = ()
) -> pd.DataFrame:
    """Fill the ``area`` of codings whose document has none, from the text.

    A segment naming an area gets it; otherwise the area its document names
    most. Codings that already have an area (from metadata) keep it.
    """
    from ..corpus import Corpus

    if codings.empty or "area" not in codings.columns or not isinstance(corpus, Corpus):
        return codings
    missing = codings["area"].isna() | (codings["area"].astype(str).str.strip() == "")
    if not missing.any():
        return codings
    segs = corpus.segments.set_index("segment_id")
    doc_area: dict = {}
    seg_area: dict = {}
    for seg_id, doc_id in (
        codings.loc[missing, ["segment_id", "doc_id"]].drop_duplicates().itertuples(index=False)
    ):
        if seg_id not in seg_area:
            text = segs["text"].get(seg_id, "")
            seg_area[seg_id] = detect_area(text, extra_areas=extra_areas)
        if seg_area[seg_id] is None and doc_id not in doc_area:
            try:
                doc_area[doc_id] = detect_area(corpus.text(doc_id), extra_areas=extra_areas)
            except KeyError:
                doc_area[doc_id] = None
    out = codings.copy()
    filled = [
        seg_area.get(s) or doc_area.get(d)
        for s, d in zip(out.loc[missing, "segment_id"], out.loc[missing, "doc_id"], strict=True)
    ]
    out.loc[missing, "area"] = filled
    return out
