"""Sub-commands of the CLI beyond ``corpus``; each family registers its own."""

from __future__ import annotations

import importlib

# Modules with a ``register(subparsers)`` function, in the order shown in --help.
_COMMAND_MODULES = (
    "sysreview.coding._cli",
    "sysreview.report._cli",
    "sysreview.exchange._cli",
)


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
