"""The codebook: codes with names, descriptions, colours, hierarchy and rules."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import pandas as pd
import yaml

from .._typing import PathLike
from ..exceptions import CodebookError
from ._yaml import LINE_KEY, load_with_lines

__all__ = ["Code", "Codebook"]

VALENCE_KEYS = ("enabler", "barrier", "neutral")
_CODE_KEYS = {
    "id",
    "name",
    "description",
    "include",
    "exclude",
    "color",
    "parent",
    "phrases",
    "patterns",
    "valence",
    "weak_phrases",
    "weak_patterns",
    "near",
}
_TOP_KEYS = {
    "name",
    "description",
    "version",
    "valence",
    "codes",
    "negations",
    "contrast",
    "terms",
    "recommendations",
    "ignore",
}
_NEAR_KEYS = {"a", "b", "window", "weak"}
_DEFAULT_COLORS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
]


@dataclass
class Code:
    """One code of a codebook.

    Attributes
    ----------
    id : str
        Stable identifier used in codings tables (``governance_clarity``).
    name : str
        Display name (``Governance clarity``).
    description, include, exclude : str
        What the code covers, and inclusion / exclusion notes for coders.
    color : str
        A ``#rrggbb`` colour used in charts and highlights.
    parent : str or None
        Id of the parent code, for hierarchies.
    phrases, weak_phrases : list of str
        Phrases (matched case-insensitively on tokens) that signal the code;
        a weak phrase needs support from another match to count.
    patterns, weak_patterns : list of list of dict
        spaCy ``Matcher`` token patterns (``LOWER``, ``LEMMA``, ...).
    valence : dict
        Code-specific valence cues: ``{"enabler": [...], "barrier": [...],
        "neutral": [...]}``, phrases whose presence in the evidence's clause
        sets the valence.
    near : list of dict
        Co-occurrence rules ``{"a": [...], "b": [...], "window": 8, "weak": False}``:
        the code applies where a phrase of ``a`` and a phrase of ``b`` occur
        within ``window`` tokens of each other in one sentence (e.g. a sector
        near "left out"). A list may name a shared term list as ``"@name"``.
    """

    id: str
    name: str = ""
    description: str = ""
    include: str = ""
    exclude: str = ""
    color: str = ""
    parent: str | None = None
    phrases: list[str] = field(default_factory=list)
    weak_phrases: list[str] = field(default_factory=list)
    patterns: list[list[dict]] = field(default_factory=list)
    weak_patterns: list[list[dict]] = field(default_factory=list)
    valence: dict[str, list[str]] = field(default_factory=dict)
    near: list[dict] = field(default_factory=list)


class Codebook:
    """An ordered set of codes plus global valence cues.

    Parameters
    ----------
    codes : list of Code
    name : str, default=""
    description : str, default=""
    valence : dict, optional
        Global valence cues, ``{"enabler": [...], "barrier": [...], "neutral": [...]}``.
    negations, contrast : list of str, optional
        Words that negate a cue, and words that open a contrast clause.
    recommendations : list of str, optional
        Phrases that make a sentence a recommendation or plan (valence neutral).
    ignore : list of str, optional
        Names that contain a cue or evidence word but mean neither ("acute
        trust" is an organisation, not trust; "health and wellbeing board" is
        not staff wellbeing): evidence and cues inside them are ignored.
    terms : dict, optional
        Named phrase lists that ``near`` rules refer to as ``"@name"``.
    source : str, optional
        Where the codebook was read from (used in error messages).

    Examples
    --------
    >>> from sysreview import codebooks
    >>> cb = codebooks.default()
    >>> len(cb), cb["governance_clarity"].name
    (13, 'Governance clarity')
    """

    def __init__(
        self,
        codes,
        *,
        name: str = "",
        description: str = "",
        version: str | int | None = None,
        valence: dict | None = None,
        negations: list[str] | None = None,
        contrast: list[str] | None = None,
        recommendations: list[str] | None = None,
        terms: dict | None = None,
        ignore: list[str] | None = None,
        source: str | None = None,
    ):
        self.codes: list[Code] = list(codes)
        self.name = name
        self.description = description
        self.version = version
        self.valence = {k: list(v) for k, v in (valence or {}).items()}
        self.negations = list(negations or [])
        self.contrast = list(contrast or [])
        self.recommendations = list(recommendations or [])
        self.ignore = ignore if isinstance(ignore, str) else list(ignore or [])
        self.terms = {str(k): [str(x) for x in v] for k, v in (terms or {}).items()}
        self.source = source
        for i, code in enumerate(self.codes):
            if not code.color:
                code.color = _DEFAULT_COLORS[i % len(_DEFAULT_COLORS)]
        self.validate()

    # ----------------------------------------------------------- collection
    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self):
        return iter(self.codes)

    def __contains__(self, code_id) -> bool:
        return any(c.id == code_id for c in self.codes)

    def __getitem__(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(f"No code {code_id!r} in this codebook; codes are {self.ids}.")

    def __repr__(self) -> str:
        return f"<Codebook {self.name!r}: {len(self)} codes>"

    @property
    def ids(self) -> list[str]:
        """Code ids in codebook order."""
        return [c.id for c in self.codes]

    @property
    def names(self) -> dict[str, str]:
        """Mapping code id -> display name."""
        return {c.id: c.name for c in self.codes}

    @property
    def colors(self) -> dict[str, str]:
        """Mapping code id -> colour."""
        return {c.id: c.color for c in self.codes}

    def children(self, code_id: str) -> list[str]:
        """Ids of the direct children of ``code_id``."""
        return [c.id for c in self.codes if c.parent == code_id]

    # ----------------------------------------------------------- validation
    def validate(self) -> None:
        """Check ids, parents and colours; raise :class:`CodebookError` if wrong."""
        where = f"{self.source}: " if self.source else ""
        seen = set()
        for code in self.codes:
            if not isinstance(code.id, str) or not code.id.strip():
                raise CodebookError(f"{where}a code has an empty id; give every code an id.")
            if code.id in seen:
                raise CodebookError(
                    f"{where}duplicate code id {code.id!r}; each code needs its own id."
                )
            seen.add(code.id)
            if not code.name:
                code.name = code.id.replace("_", " ").capitalize()
            if not (
                isinstance(code.color, str) and len(code.color) == 7 and code.color.startswith("#")
            ):
                raise CodebookError(
                    f"{where}code {code.id!r} has colour {code.color!r}; use '#rrggbb'."
                )
            try:
                int(code.color[1:], 16)
            except ValueError:
                raise CodebookError(
                    f"{where}code {code.id!r} has colour {code.color!r}; use '#rrggbb'."
                ) from None
            bad = set(code.valence) - set(VALENCE_KEYS)
            if bad:
                raise CodebookError(
                    f"{where}code {code.id!r}: unknown valence key(s) {sorted(bad)}; "
                    f"use {list(VALENCE_KEYS)}."
                )
        for code in self.codes:
            if code.parent is not None and code.parent not in seen:
                raise CodebookError(
                    f"{where}code {code.id!r} has parent {code.parent!r}, which is not a code "
                    "in this codebook. Add the parent code or remove the parent."
                )
        # cycles
        parents = {c.id: c.parent for c in self.codes}
        for cid in parents:
            chain, cur = set(), cid
            while cur is not None:
                if cur in chain:
                    raise CodebookError(f"{where}code hierarchy has a cycle through {cid!r}.")
                chain.add(cur)
                cur = parents.get(cur)
        bad = set(self.valence) - set(VALENCE_KEYS)
        if bad:
            raise CodebookError(
                f"{where}unknown global valence key(s) {sorted(bad)}; use {list(VALENCE_KEYS)}."
            )
        for key in ("negations", "contrast", "recommendations", "ignore"):
            value = getattr(self, key)
            if isinstance(value, str) or not all(isinstance(x, str) and x.strip() for x in value):
                raise CodebookError(
                    f"{where}'{key}' must be a list of phrases, e.g. [acute trust, NHS trust]; "
                    f"found {value!r}."
                )
        for code in self.codes:
            for rule in code.near:
                self._check_near(code.id, rule, where)

    def _check_near(self, cid: str, rule, where: str) -> None:
        if not isinstance(rule, dict) or not {"a", "b"} <= set(rule):
            raise CodebookError(
                f"{where}code {cid!r}: each 'near' rule needs lists 'a' and 'b', found {rule!r}."
            )
        unknown = set(rule) - _NEAR_KEYS
        if unknown:
            raise CodebookError(
                f"{where}code {cid!r}: unknown key(s) {sorted(unknown)} in a 'near' rule; "
                f"allowed: {sorted(_NEAR_KEYS)}."
            )
        for side in ("a", "b"):
            for term in rule[side] if isinstance(rule[side], list) else [None]:
                if not isinstance(term, str) or not term.strip():
                    raise CodebookError(
                        f"{where}code {cid!r}: 'near' rule list {side!r} must hold phrases, "
                        f"found {rule[side]!r}."
                    )
                if term.startswith("@") and term[1:] not in self.terms:
                    raise CodebookError(
                        f"{where}code {cid!r}: 'near' rule refers to {term!r}, but there is "
                        f"no term list {term[1:]!r}; add it under 'terms:'."
                    )
        window = rule.get("window", 8)
        if not isinstance(window, int) or not 1 <= window <= 60:
            raise CodebookError(
                f"{where}code {cid!r}: 'near' window must be a whole number of tokens "
                f"from 1 to 60, found {window!r}."
            )

    def expand_terms(self, phrases) -> list[str]:
        """Replace ``"@name"`` references by the phrases of term list ``name``."""
        out = []
        for p in phrases:
            out.extend(self.terms[p[1:]] if p.startswith("@") else [p])
        return out

    # ---------------------------------------------------------------- YAML
    @classmethod
    def from_dict(cls, data: dict, *, source: str | None = None) -> Codebook:
        """Build a codebook from the structure of its YAML file."""
        where = f"{source}" if source else "codebook"

        def err(msg, line=None):
            loc = f"{where}, line {line}" if line else where
            return CodebookError(f"{loc}: {msg}")

        if not isinstance(data, dict):
            raise err("the file must be a mapping with a 'codes' list.")
        unknown = set(data) - _TOP_KEYS - {LINE_KEY}
        if unknown:
            raise err(
                f"unknown key(s) {sorted(unknown)} at the top level; allowed: {sorted(_TOP_KEYS)}.",
                data.get(LINE_KEY),
            )
        raw_codes = data.get("codes")
        if not isinstance(raw_codes, list) or not raw_codes:
            raise err("'codes' must be a non-empty list of codes.", data.get(LINE_KEY))
        codes, seen = [], {}
        for raw in raw_codes:
            if not isinstance(raw, dict):
                raise err(f"each code must be a mapping, found {raw!r}.")
            line = raw.get(LINE_KEY)
            unknown = set(raw) - _CODE_KEYS - {LINE_KEY}
            if unknown:
                raise err(
                    f"code {raw.get('id')!r} has unknown key(s) {sorted(unknown)}; "
                    f"allowed: {sorted(_CODE_KEYS)}.",
                    line,
                )
            if "id" not in raw:
                raise err("a code has no 'id'.", line)
            cid = str(raw["id"])
            if cid in seen:
                raise err(f"duplicate code id {cid!r} (first defined on line {seen[cid]}).", line)
            seen[cid] = line
            kwargs = {k: _strip_lines(v) for k, v in raw.items() if k != LINE_KEY}
            kwargs["id"] = cid
            for key in ("phrases", "weak_phrases", "patterns", "weak_patterns", "near"):
                value = kwargs.get(key, [])
                if not isinstance(value, list):
                    raise err(f"code {cid!r}: {key!r} must be a list.", line)
            for key in ("patterns", "weak_patterns"):
                for pattern in kwargs.get(key, []):
                    if not isinstance(pattern, list) or not all(
                        isinstance(t, dict) for t in pattern
                    ):
                        raise err(
                            f"code {cid!r}: each of {key!r} must be a list of token "
                            f"dicts like [{{LOWER: clear}}], found {pattern!r}.",
                            line,
                        )
            if kwargs.get("valence") is not None and not isinstance(kwargs["valence"], dict):
                raise err(f"code {cid!r}: 'valence' must be a mapping.", line)
            kwargs["valence"] = kwargs.get("valence") or {}
            for k in ("name", "description", "include", "exclude", "color"):
                if kwargs.get(k) is None:
                    kwargs.pop(k, None)
                else:
                    kwargs[k] = str(kwargs[k]).strip()
            try:
                codes.append(Code(**kwargs))
            except TypeError as exc:
                raise err(f"code {cid!r}: {exc}", line) from None
        try:
            cb = cls(
                codes,
                name=str(data.get("name") or ""),
                description=str(data.get("description") or "").strip(),
                version=data.get("version"),
                valence=_strip_lines(data.get("valence") or {}),
                negations=data.get("negations") or [],
                contrast=data.get("contrast") or [],
                recommendations=data.get("recommendations") or [],
                ignore=data.get("ignore") or [],
                terms=_strip_lines(data.get("terms") or {}),
                source=source,
            )
        except CodebookError as exc:
            # add the line of the offending code where we can find it
            msg = str(exc)
            for cid, line in seen.items():
                if f"code {cid!r}" in msg and line:
                    raise CodebookError(
                        msg.replace(f"{where}: ", f"{where}, line {line}: ", 1)
                    ) from None
            raise
        cb._check_patterns()
        return cb

    def _check_patterns(self) -> None:
        """Compile every pattern with spaCy, so a bad one fails now, named."""
        import spacy
        from spacy.matcher import Matcher

        nlp = spacy.blank("en")
        matcher = Matcher(nlp.vocab, validate=True)
        where = f"{self.source}: " if self.source else ""
        for code in self.codes:
            for key in ("patterns", "weak_patterns"):
                for pattern in getattr(code, key):
                    try:
                        matcher.add(f"{code.id}", [pattern])
                    except (ValueError, KeyError, TypeError) as exc:
                        first = str(exc).strip().splitlines()
                        raise CodebookError(
                            f"{where}code {code.id!r}: spaCy rejects the pattern {pattern!r}: "
                            f"{' '.join(first)[:300]}"
                        ) from None

    @classmethod
    def load(cls, path: PathLike) -> Codebook:
        """Read a codebook from a YAML (``.yml``/``.yaml``) or CSV file.

        Examples
        --------
        >>> import tempfile, os
        >>> from sysreview import codebooks
        >>> path = os.path.join(tempfile.mkdtemp(), "cb.yml")
        >>> codebooks.default().save(path)
        >>> Codebook.load(path).ids == codebooks.default().ids
        True
        """
        path = Path(path)
        if path.suffix.lower() == ".csv":
            return cls.from_csv(path)
        if path.suffix.lower() == ".qdc":
            from ..exchange import read_qdc

            return read_qdc(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no such codebook file.") from None
        except UnicodeDecodeError:
            raise CodebookError(
                f"{path}: the codebook is not UTF-8 text; save it as UTF-8."
            ) from None
        try:
            data = load_with_lines(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f", line {mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise CodebookError(f"{path}{line}: invalid YAML ({problem}).") from None
        return cls.from_dict(data, source=str(path))

    def to_dict(self) -> dict:
        """The YAML structure of this codebook."""
        out: dict = {"name": self.name}
        if self.version is not None:
            out["version"] = self.version
        if self.description:
            out["description"] = self.description
        if self.valence:
            out["valence"] = self.valence
        if self.negations:
            out["negations"] = self.negations
        if self.contrast:
            out["contrast"] = self.contrast
        if self.recommendations:
            out["recommendations"] = self.recommendations
        if self.ignore:
            out["ignore"] = self.ignore
        if self.terms:
            out["terms"] = self.terms
        codes = []
        for c in self.codes:
            d = {k: v for k, v in asdict(c).items() if v not in (None, "", [], {})}
            codes.append(d)
        out["codes"] = codes
        return out

    def save(self, path: PathLike) -> None:
        """Write the codebook as YAML (CSV if ``path`` ends in ``.csv``, REFI-QDA if ``.qdc``)."""
        path = Path(path)
        if path.suffix.lower() == ".csv":
            self.to_csv(path)
            return
        if path.suffix.lower() == ".qdc":
            from ..exchange import write_qdc

            write_qdc(self, path, overwrite=True)
            return
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        path.write_text(text, encoding="utf-8")

    # ----------------------------------------------------------------- CSV
    def to_frame(self) -> pd.DataFrame:
        """One row per code: id, name, parent, color, description, include, exclude, phrases."""
        rows = []
        for c in self.codes:
            rows.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "parent": c.parent or "",
                    "color": c.color,
                    "description": c.description,
                    "include": c.include,
                    "exclude": c.exclude,
                    "phrases": "; ".join(c.phrases),
                    "weak_phrases": "; ".join(c.weak_phrases),
                    "enabler_cues": "; ".join(c.valence.get("enabler", [])),
                    "barrier_cues": "; ".join(c.valence.get("barrier", [])),
                    "neutral_cues": "; ".join(c.valence.get("neutral", [])),
                }
            )
        return pd.DataFrame(rows)

    def to_csv(self, path: PathLike) -> None:
        """Write the codebook as a spreadsheet-friendly CSV (UTF-8 with BOM).

        Token patterns do not fit a spreadsheet; keep them in YAML.
        """
        self.to_frame().to_csv(path, index=False, encoding="utf-8-sig")

    @classmethod
    def from_csv(cls, path: PathLike) -> Codebook:
        """Read a codebook kept in a spreadsheet (columns as :meth:`to_frame`).

        Only ``id`` is required; list cells are separated by ``;``.
        """
        from ..io import read_text

        path = Path(path)
        text, _ = read_text(path)
        import io as _io

        try:
            df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False)
        except pd.errors.ParserError as exc:
            raise CodebookError(f"{path}: cannot parse the CSV ({exc}).") from None
        df.columns = [c.strip().lower() for c in df.columns]
        if "id" not in df.columns:
            raise CodebookError(
                f"{path}: a codebook CSV needs an 'id' column; found {list(df.columns)}."
            )
        allowed = {f.name for f in fields(Code)} | {"enabler_cues", "barrier_cues", "neutral_cues"}
        unknown = set(df.columns) - allowed
        if unknown:
            raise CodebookError(
                f"{path}: unknown column(s) {sorted(unknown)}; allowed: {sorted(allowed)}."
            )

        def split(v):
            return [p.strip() for p in str(v).split(";") if p.strip()]

        codes, seen = [], {}
        for i, row in enumerate(df.to_dict("records"), start=2):
            cid = row["id"].strip()
            if not cid:
                raise CodebookError(f"{path}, row {i}: empty id.")
            if cid in seen:
                raise CodebookError(
                    f"{path}, row {i}: duplicate code id {cid!r} (also row {seen[cid]})."
                )
            seen[cid] = i
            valence = {k: split(row.get(f"{k}_cues", "")) for k in VALENCE_KEYS}
            codes.append(
                Code(
                    id=cid,
                    name=row.get("name", "").strip(),
                    description=row.get("description", "").strip(),
                    include=row.get("include", "").strip(),
                    exclude=row.get("exclude", "").strip(),
                    color=row.get("color", "").strip(),
                    parent=row.get("parent", "").strip() or None,
                    phrases=split(row.get("phrases", "")),
                    weak_phrases=split(row.get("weak_phrases", "")),
                    valence={k: v for k, v in valence.items() if v},
                )
            )
        try:
            return cls(codes, name=path.stem, source=str(path))
        except CodebookError as exc:
            msg = str(exc)
            for cid, line in seen.items():
                if f"code {cid!r}" in msg:
                    raise CodebookError(
                        msg.replace(f"{path}: ", f"{path}, row {line}: ", 1)
                    ) from None
            raise

    # -------------------------------------------------------------- display
    def _repr_html_(self) -> str:
        rows = []
        for c in self.codes:
            indent = "&nbsp;&nbsp;&nbsp;&nbsp;" if c.parent else ""
            rows.append(
                "<tr>"
                f'<td><span style="display:inline-block;width:1em;height:1em;'
                f'background:{html.escape(c.color)};border:1px solid #555"></span></td>'
                f"<td><code>{html.escape(c.id)}</code></td>"
                f"<td>{indent}{html.escape(c.name)}</td>"
                f"<td>{html.escape(c.description)}</td></tr>"
            )
        return (
            f"<p><b>{html.escape(self.name or 'Codebook')}</b>: {len(self)} codes</p>"
            "<table><thead><tr><th></th><th>id</th><th>name</th><th>description</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )


def _strip_lines(value):
    """Remove the ``__line__`` keys the YAML loader adds."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value
