"""OCPP 2.1, DUT = CSMS: the 2.0.1 scenarios 2.1 keeps.

OCPP 2.1 keeps every message and field of 2.0.1, and its (unofficial, EVtivity) test-case
list reuses 2.0.1's id and title for most cases. Where the 2.1 entry has the same id and
title as an implemented 2.0.1 case, the 2.0.1 scenario runs here against the 2.1 CSMS: over
the ocpp2.1 subprotocol, every frame checked against 2.1's schemas. 2.1's new and retitled
cases are not covered by this module.
"""

from __future__ import annotations

import importlib
import pkgutil

import testcases.ocpp201.csms as v201
from conformance.catalogue.decorator import reuse_module_cases

_MODULES = [
    importlib.import_module(f"{v201.__name__}.{m.name}")
    for m in pkgutil.iter_modules(v201.__path__)
    if m.name.startswith("test_")
]
globals().update(reuse_module_cases("2.1", _MODULES))
