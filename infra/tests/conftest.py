"""Shared fixtures and the end-of-run reports (moto deployment, checkov) of the infra tests."""

from __future__ import annotations

import pytest

REPORT_SECTIONS: dict[str, str] = {}


@pytest.fixture(scope="session")
def report_section():
    """Register a titled block of text, printed after the test summary."""

    def add(title: str, text: str) -> None:
        REPORT_SECTIONS[title] = text

    return add


def pytest_terminal_summary(terminalreporter):
    for title, text in REPORT_SECTIONS.items():
        terminalreporter.section(title)
        terminalreporter.write_line(text)
