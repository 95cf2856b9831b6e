"""The 2.0.1 reference-station variants, end to end through the real CLI.

Each variant is the bundled 2.0.1 reference profile with one PIXIT line changed, which makes
the harness start the reference station with the matching `--variant`: a station that cannot
cancel a running firmware update (TC_L_11), one that downloads firmware only after the
transactions (TC_L_12/L_13), one that installs firmware during a transaction (TC_L_16), one
with a cable lock (TC_C_05) and one with a Master Pass user interface (TC_C_47/C_48). On each,
the variant's cases must PASS, the cases for the opposite station must be NOT_APPLICABLE with
the PIXIT key in the reason, and the variant's faults must make its cases FAIL with a finding
that says what was wrong.
"""

from __future__ import annotations

import pytest
from variants import Run, run_variant

FIXTURE = "reference-cs-2.0.1.toml"


def _line(key: str, old: str, new: str) -> tuple[str, str]:
    return (f"{key} = {old}", f"{key} = {new}")


def _passed(run: Run, *ids: str) -> None:
    assert run.code == 0, run.output[-6000:]
    for case in ids:
        assert run.cases[case]["verdict"] == "PASS", run.cases[case]


def _not_applicable(run: Run, key: str, *ids: str) -> None:
    for case in ids:
        got = run.cases[case]
        assert got["verdict"] == "NOT_APPLICABLE", got
        assert key in (got.get("reason") or ""), got


def _failed(run: Run, case: str, *words: str) -> None:
    assert run.code != 0, run.output[-6000:]
    got = run.cases[case]
    assert got["verdict"] == "FAIL", got
    messages = [f["message"] for f in got["findings"]]
    assert any(all(w in m for w in words) for m in messages), messages


@pytest.fixture(scope="module")
def not_cancelable(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_variant(
        tmp_path_factory.mktemp("not-cancelable"),
        FIXTURE,
        _line("firmware_update_cancelable", "true", "false"),
        "TC_L_10_CS or TC_L_11_CS",
        {"fault": "s201-fw-uncancelable-cancels"},
    )


@pytest.fixture(scope="module")
def no_download(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_variant(
        tmp_path_factory.mktemp("no-download"),
        FIXTURE,
        _line("firmware_download_during_transaction", "true", "false"),
        "TC_L_12_CS or TC_L_13_CS or TC_L_14_CS or TC_L_15_CS",
        {"fault": "s201-fw-download-during-transaction"},
    )


@pytest.fixture(scope="module")
def install_charging(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_variant(
        tmp_path_factory.mktemp("install-charging"),
        FIXTURE,
        _line("firmware_install_during_transaction", "false", "true"),
        "TC_L_14_CS or TC_L_15_CS or TC_L_16_CS",
        {"fault": "s201-fw-install-ends-transaction"},
    )


@pytest.fixture(scope="module")
def cable_lock(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_variant(
        tmp_path_factory.mktemp("cable-lock"),
        FIXTURE,
        _line("cable_lock", "false", "true"),
        "TC_C_05_CS or TC_C_56_CS or TC_E_03_CS",
        {"fault": "s201-cable-lock-opens-for-invalid"},
    )


@pytest.fixture(scope="module")
def master_pass_ui(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_variant(
        tmp_path_factory.mktemp("master-pass-ui"),
        FIXTURE,
        _line("master_pass_ui", "false", "true"),
        "TC_C_47_CS or TC_C_48_CS or TC_C_49_CS",
        {"all": "s201-master-pass-ui-stops-all", "first": "s201-master-pass-ui-stops-first-only"},
    )


def test_unable_to_cancel(not_cancelable: dict[str, Run]) -> None:
    _passed(not_cancelable["clean"], "TC_L_11_CS")
    _not_applicable(not_cancelable["clean"], "firmware_update_cancelable", "TC_L_10_CS")
    _failed(not_cancelable["fault"], "TC_L_11_CS", "AcceptedCanceled", "Rejected")


def test_download_waits_for_transactions(no_download: dict[str, Run]) -> None:
    _passed(no_download["clean"], "TC_L_12_CS", "TC_L_13_CS")
    key = "firmware_download_during_transaction"
    _not_applicable(no_download["clean"], key, "TC_L_14_CS", "TC_L_15_CS")
    for case in ("TC_L_12_CS", "TC_L_13_CS"):
        _failed(no_download["fault"], case, "Downloading", "DownloadScheduled")


def test_install_during_transaction(install_charging: dict[str, Run]) -> None:
    _passed(install_charging["clean"], "TC_L_16_CS")
    key = "firmware_install_during_transaction"
    _not_applicable(install_charging["clean"], key, "TC_L_14_CS", "TC_L_15_CS")
    _failed(install_charging["fault"], "TC_L_16_CS", "ended transaction", "rebooted")


def test_cable_lock(cable_lock: dict[str, Run]) -> None:
    _passed(cable_lock["clean"], "TC_C_05_CS")
    _not_applicable(cable_lock["clean"], "cable_lock", "TC_C_56_CS", "TC_E_03_CS")
    _failed(cable_lock["fault"], "TC_C_05_CS", "TransactionEvent", "Invalid")


def test_master_pass_ui(master_pass_ui: dict[str, Run]) -> None:
    _passed(master_pass_ui["clean"], "TC_C_47_CS", "TC_C_48_CS")
    _not_applicable(master_pass_ui["clean"], "master_pass_ui", "TC_C_49_CS")
    _failed(master_pass_ui["all"], "TC_C_48_CS", "EVSE 2", "stopped too")
    _failed(master_pass_ui["first"], "TC_C_47_CS", "EVSE 2")
