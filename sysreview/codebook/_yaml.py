"""YAML loading that remembers the line of every mapping, for error messages."""

from __future__ import annotations

import yaml

__all__ = ["load_with_lines", "LINE_KEY"]

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that reads ``no``, ``yes``, ``on`` and ``off`` as text (YAML 1.2).

    Phrase lists hold words like ``no`` and ``on``; YAML 1.1 would turn them
    into booleans.
    """


_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_with_lines(text: str):
    """Parse YAML; every mapping gets a ``__line__`` key with its 1-based line."""
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
