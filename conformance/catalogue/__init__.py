"""The official OCPP conformance test-case catalogue (package data) and coverage against it.

`load_catalogue()` gives every case of the OCA lists (1.6, 2.0.1) and the unofficial 2.1 list;
`coverage()` joins it with the implemented case ids so the harness can say what it is missing,
per certification profile and functional block.
"""

from conformance.catalogue.coverage import (
    Count,
    CoverageReport,
    CoverageRow,
    coverage,
    render_json,
    render_markdown,
    render_table,
)
from conformance.catalogue.entries import Catalogue, Entry, load_catalogue

__all__ = [
    "Catalogue",
    "Count",
    "CoverageReport",
    "CoverageRow",
    "Entry",
    "coverage",
    "load_catalogue",
    "render_json",
    "render_markdown",
    "render_table",
]
