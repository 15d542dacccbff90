"""Sub-commands of the CLI beyond ``corpus`` (each family registers its own), and their helpers."""

from __future__ import annotations

import importlib
import sys
import warnings

# Modules with a ``register(subparsers)`` function, in the order shown in --help.
_COMMAND_MODULES = (
    "sysreview.coding._cli",
    "sysreview.report._cli",
    "sysreview.exchange._cli",
)


def load_corpus_printing_warnings(inputs, *, metadata=None):
    """Load the sources strictly (a file that cannot be read stops the command).

    Each warning of the loader is printed once to stderr as ``warning: ...``.
    """
    from .io import load_corpus

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = load_corpus(inputs, metadata=metadata or "auto", on_error="raise")
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return corpus


def register(sub) -> None:
    """Add the sub-commands of every module in ``_COMMAND_MODULES`` that exists."""
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that family is not built yet
            raise
        module.register(sub)
