"""The two reference DUTs against each other, with no harness in between.

Each is tested against the harness elsewhere; here they must agree with each other, which
catches a mistake both sides of the harness could share (the same misreading of the spec in
the mock and in the simulator would pass every case and still fail here if the other
reference reads it right). Boot, authorization, a local and a remote transaction, a reset.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from conformance.ocppj import OcppVersion
from conformance.sim.csms16 import ReferenceCsms16
from conformance.sim.csms201 import ReferenceCsms201
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import CsmsOptions, StationOptions
from conformance.sim.station16 import ReferenceStation16
from conformance.sim.station201 import ReferenceStation201

V = OcppVersion.V201
V16 = OcppVersion.V16
ID = "INTEROP-1"
VALID = "VALID001"


class Pair:
    """A reference CSMS and a reference station of one version, connected."""

    def __init__(
        self,
        csms: ReferenceCsms201 | ReferenceCsms16,
        station: ReferenceStation201 | ReferenceStation16,
    ) -> None:
        self.csms = csms
        self.station = station

    def record(self) -> dict[str, Any]:
        stations: dict[str, Any] = dict(self.csms.state_json()["stations"])
        return dict(stations.get(ID, {}))

    def transactions(self) -> dict[str, Any]:
        return dict(self.record().get("transactions", {}))

    async def until(self, what: str, cond: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll the CSMS's bookkeeping until `cond` holds; fail with `what` at the deadline."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not cond():
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"{what} within {timeout} s; CSMS state: {self.record()}")
            await asyncio.sleep(0.01)


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    csms = ReferenceCsms201(
        CsmsOptions(version=V, valid_tokens=(VALID,), heartbeat_interval=30), ActiveFaults()
    )
    urls = await csms.start()
    station = ReferenceStation201(
        StationOptions(version=V, csms_url=urls["ocpp"], station_id=ID, evses=(1, 1)),
        ActiveFaults(),
    )
    await station.start()
    yield Pair(csms, station)
    await station.stop()
    await csms.stop()


def _token(tx: dict[str, Any]) -> str | None:
    token = tx.get("idToken")
    return str(token["idToken"]) if token else None


async def _booted(pair: Pair) -> None:
    await pair.until(
        "the station was not accepted with both connectors Available",
        lambda: (
            pair.record().get("registration") == "Accepted"
            and sorted(pair.record().get("connectors", {}).items())
            == [("1/1", "Available"), ("2/1", "Available")]
        ),
    )


async def test_boot_and_status(pair: Pair) -> None:
    await _booted(pair)
    assert pair.station.registration == "Accepted"
    assert pair.record()["boot"]["reason"] == "PowerUp"


async def test_local_transaction_start_to_end(pair: Pair) -> None:
    await _booted(pair)
    await pair.station.verb_plug_in({"evse_id": 1, "connector_id": 1})
    await pair.station.verb_present_id_token({"id_token": VALID})
    await pair.until(
        "no charging transaction with the valid idToken",
        lambda: any(
            _token(t) == VALID and t["chargingState"] == "Charging"
            for t in pair.transactions().values()
        ),
    )
    await pair.station.verb_present_id_token({"id_token": VALID})
    await pair.until(
        "the transaction did not end",
        lambda: all(t["ended"] for t in pair.transactions().values()),
    )
    (tx,) = pair.transactions().values()
    assert tx["seqNos"] == list(range(len(tx["seqNos"])))
    assert tx["stoppedReason"] == "Local"


async def test_unknown_token_does_not_charge(pair: Pair) -> None:
    await _booted(pair)
    await pair.station.verb_plug_in({"evse_id": 1, "connector_id": 1})
    await pair.station.verb_present_id_token({"id_token": "NOBODY-KNOWS"})
    # The refused token must not charge; the valid one presented after it must.
    await pair.station.verb_present_id_token({"id_token": VALID})
    await pair.until(
        "the valid token did not start charging after the refused one",
        lambda: any(
            _token(t) == VALID and t["chargingState"] == "Charging"
            for t in pair.transactions().values()
        ),
    )
    charged_by = {_token(t) for t in pair.transactions().values() if t["chargingState"]}
    assert "NOBODY-KNOWS" not in charged_by


async def test_remote_start_stop_and_reset(pair: Pair) -> None:
    await _booted(pair)
    pair.csms.verb_request_start_transaction({"station_id": ID, "evse_id": 1, "id_token": VALID})
    await pair.until(
        "RequestStartTransaction was not accepted",
        lambda: (
            pair.record()["responses"].get("RequestStartTransaction", {}).get("status")
            == "Accepted"
        ),
    )
    await pair.station.verb_plug_in({"evse_id": 1, "connector_id": 1})
    await pair.until(
        "the remote start did not lead to charging",
        lambda: any(
            t["chargingState"] == "Charging" and t["remoteStartId"] is not None
            for t in pair.transactions().values()
        ),
    )
    pair.csms.verb_request_stop_transaction({"station_id": ID})
    await pair.until(
        "the remote stop did not end the transaction",
        lambda: all(t["ended"] for t in pair.transactions().values()),
    )
    (tx,) = pair.transactions().values()
    assert tx["stoppedReason"] == "Remote"
    boots = pair.station.connections
    pair.csms.verb_reset({"station_id": ID, "type": "Immediate"})
    await pair.until(
        "the station did not reboot and register again after Reset",
        lambda: (
            pair.station.connections > boots and pair.record()["boot"]["reason"] == "RemoteReset"
        ),
    )


# --- OCPP 1.6: the reference charge point against the reference Central System ------------------


@pytest.fixture
async def pair16() -> AsyncIterator[Pair]:
    csms = ReferenceCsms16(
        CsmsOptions(version=V16, valid_tokens=(VALID,), heartbeat_interval=30), ActiveFaults()
    )
    urls = await csms.start()
    station = ReferenceStation16(
        StationOptions(version=V16, csms_url=urls["ocpp"], station_id=ID, evses=(1, 1)),
        ActiveFaults(),
    )
    await station.start()
    yield Pair(csms, station)
    await station.stop()
    await csms.stop()


async def _booted16(pair: Pair) -> None:
    await pair.until(
        "the charge point was not accepted with connectors 0-2 Available",
        lambda: (
            pair.record().get("registration") == "Accepted"
            and {k: v.get("status") for k, v in pair.record().get("connectors", {}).items()}
            == {"0": "Available", "1": "Available", "2": "Available"}
        ),
    )


async def test_16_local_transaction_with_csms_transaction_id(pair16: Pair) -> None:
    await _booted16(pair16)
    await pair16.station.verbs.verb_plug_in({"connector_id": 1})
    await pair16.station.verbs.verb_present_id_token({"id_token": VALID})
    await pair16.until(
        "no transaction started with the valid idTag",
        lambda: any(t["idTag"] == VALID for t in pair16.transactions().values()),
    )
    await pair16.station.verbs.verb_present_id_token({"id_token": VALID})
    await pair16.until(
        "the transaction did not stop",
        lambda: all(t["ended"] for t in pair16.transactions().values()),
    )
    ((tx_id, tx),) = pair16.transactions().items()
    # The charge point used the transactionId the Central System assigned, so the CSMS could
    # pair StopTransaction with its StartTransaction and record the meter readings.
    assert int(tx_id) > 0 and tx["meterStop"] >= tx["meterStart"]


async def test_16_remote_start_stop_and_reset(pair16: Pair) -> None:
    await _booted16(pair16)
    await pair16.station.verbs.verb_plug_in({"connector_id": 1})
    pair16.csms.verb_request_start_transaction({"station_id": ID, "connector_id": 1})
    await pair16.until(
        "RemoteStartTransaction did not start a transaction",
        lambda: any(not t["ended"] for t in pair16.transactions().values()),
    )
    pair16.csms.verb_request_stop_transaction({"station_id": ID})
    await pair16.until(
        "RemoteStopTransaction did not stop the transaction",
        lambda: all(t["ended"] for t in pair16.transactions().values()),
    )
    ((_, tx),) = pair16.transactions().items()
    assert tx["reason"] == "Remote"
    before = pair16.station.connections
    pair16.csms.verb_reset({"station_id": ID, "type": "Soft"})
    await pair16.until(
        "the charge point did not reboot and register again after Reset",
        lambda: (
            pair16.station.connections > before
            and pair16.record().get("registration") == "Accepted"
        ),
    )
