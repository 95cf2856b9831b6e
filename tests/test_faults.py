"""The fault list of the reference DUTs: well-formed, and every fault names cases that exist.

The mutation run trusts these declarations to pick the reference DUT, the OCPP version and
the cases to run, so a typo here would silently count a fault as missed (or never run it).
"""

from __future__ import annotations

import pytest

from conformance.catalogue.decorator import REGISTRY as CASES
from conformance.cli import implemented_ids
from conformance.sim import faults
from conformance.sim.cli import _load_fault_declarations


def test_every_fault_is_well_formed_and_names_implemented_cases() -> None:
    _load_fault_declarations()
    implemented_ids()
    assert len(faults.REGISTRY) >= 20
    for f in faults.REGISTRY.values():
        assert f.dut in faults.DUTS, f
        assert f.versions and set(f.versions) <= {"1.6", "2.0.1", "2.1"}, f
        assert f.description.strip(), f
        assert f.caught_by, f"{f.name}: no case is declared to catch it"
        for case_id in f.caught_by:
            assert case_id in CASES, f"{f.name}: {case_id} is not an implemented case"
            entry = CASES[case_id].entry
            assert entry.version in f.versions, f"{f.name}: {case_id} is OCPP {entry.version}"
            role = "cs" if f.dut == "station" else "csms"
            assert entry.role.lower() == role, f"{f.name}: {case_id} tests the {entry.role}"


def test_a_fault_for_an_unknown_dut_is_refused() -> None:
    with pytest.raises(ValueError, match="dut must be one of"):
        faults.declare("x-bad", "reference-station", ("2.0.1",), "a typo")
