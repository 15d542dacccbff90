"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def refi_xsd() -> Path:
    """The REFI-QDA project schema: ``../shared/refi-qda/Project.xsd`` next to the
    checkout, else the copy kept in ``tests/data`` (same file) for machines without it."""
    for candidate in (
        TESTS.parents[1] / "shared" / "refi-qda" / "Project.xsd",
        TESTS / "data" / "refi-qda" / "Project.xsd",
    ):
        if candidate.is_file():
            return candidate
    pytest.fail("the REFI-QDA schema (Project.xsd) is missing from ../shared and tests/data")
