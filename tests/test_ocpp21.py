"""OCPP 2.1: the 2.0.1 scenarios it keeps, run against the 2.0.1 reference DUTs speaking 2.1.

The 2.1 reference profiles are derived from the 2.0.1 ones (tools/derive_21_fixtures.py) and
must not drift; a 2.0.1 case is reused for 2.1 only where the 2.1 entry has the same id, role
and title, and then runs as a 2.1 case (its own registry key, markers and catalogue entry).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from conformance.catalogue.decorator import REGISTRY, reuse_for
from conformance.cli import implemented_ids

ROOT = Path(__file__).resolve().parent.parent


def test_the_21_reference_profiles_are_derived_from_the_201_ones() -> None:
    spec = importlib.util.spec_from_file_location("derive", ROOT / "tools/derive_21_fixtures.py")
    assert spec is not None and spec.loader is not None
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    for role in ("cs", "csms"):
        path, text = derive.derive(role)
        assert path.read_text() == text, f"{path.name} is stale: run tools/derive_21_fixtures.py"
        assert 'ocpp_version = "2.1"' in text


def test_a_same_titled_case_runs_as_its_21_entry() -> None:
    implemented_ids()
    spec = REGISTRY["2.1:TC_B_01_CS"]
    assert spec.entry.version == "2.1" and spec.entry.id == "TC_B_01_CS"
    assert spec.fn is REGISTRY["TC_B_01_CS"].fn  # the same scenario
    module = importlib.import_module("testcases.ocpp21.cs.test_from_201")
    marks = {m.name for m in module.test_TC_B_01_CS.pytestmark}
    assert "ocpp21" in marks and "ocpp201" not in marks


def test_a_retitled_case_is_not_reused() -> None:
    """2.1 renamed TC_B_47_CS (no "per NetworkConfigurationPriority failed", "New CSMS"):
    a different case, so the 2.0.1 scenario does not stand in for it."""
    implemented_ids()
    cat = load_catalogue()
    e201, e21 = cat.get("TC_B_47_CS", "2.0.1"), cat.get("TC_B_47_CS", "2.1")
    assert e201 is not None and e21 is not None and e201.title != e21.title
    assert "TC_B_47_CS" in REGISTRY and "2.1:TC_B_47_CS" not in REGISTRY
    module = importlib.import_module("testcases.ocpp201.cs.test_b_connection")
    case = next(
        v for v in vars(module).values() if getattr(v, "ocpp_spec", None) is REGISTRY["TC_B_47_CS"]
    )
    assert reuse_for("2.1", case) is None


def test_reuse_refuses_a_plain_function() -> None:
    with pytest.raises(TypeError, match="not a @testcase"):
        reuse_for("2.1", lambda: None)
