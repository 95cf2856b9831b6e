"""The `ocpp-conformance` command line: exit codes and the catalogue view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main


def test_run_with_a_broken_profile_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[dut]\nname = "x"\nrole = "station"\nocpp_version = "2.0.1"\n')
    assert main(["run", "--dut", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml:3" in err and "dut.role" in err


def test_run_with_a_missing_profile_exits_2(tmp_path: Path) -> None:
    assert main(["run", "--dut", str(tmp_path / "nope.toml")]) == 2


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2


def test_catalogue_json_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "--version", "2.0.1", "--role", "cs", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 424
    ids = {c["id"] for c in data["cases"]}
    assert "TC_B_01_CS" in ids and all(c["version"] == "2.0.1" for c in data["cases"])
    assert {c["status"] for c in data["cases"]} <= {"implemented", "not implemented"}


def test_catalogue_table_for_a_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "--version", "1.6", "--profile", "Core"]) == 0
    out = capsys.readouterr().out
    assert "TC_001_CS" in out and "Core" in out
