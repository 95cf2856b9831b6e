"""OCPP 2.0.1, DUT = CSMS, functional block G (Availability), Core profile.

The operator makes the whole station, one EVSE or one connector (in)operative; the CSMS must
address exactly that with ChangeAvailabilityRequest (evse omitted for the station, evse.id for
an EVSE, evse.id and evse.connectorId for a connector), take a Scheduled answer while a
transaction runs, and accept the status reports that follow.
"""

from __future__ import annotations

from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp201.csms import states

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>


def _target(evse_id: int | None, connector_id: int | None) -> str:
    if evse_id is None:
        return "the whole station"
    if connector_id is None:
        return f"EVSE {evse_id}"
    return f"EVSE {evse_id} connector {connector_id}"


async def _request(
    ctx: CaseContext, st: MockStation, status: str, evse_id: int | None, connector_id: int | None
) -> Incoming:
    """The operator changes the availability; the CSMS's ChangeAvailabilityRequest."""
    args: dict[str, Any] = {"operational_status": status}
    if evse_id is not None:
        args["evse_id"] = evse_id
    if connector_id is not None:
        args["connector_id"] = connector_id
    return await states.operator_request(
        ctx, st, "ChangeAvailability", "change_availability", **args
    )


async def _set_availability(
    ctx: CaseContext, st: MockStation, status: str, evse_id: int | None, connector_id: int | None
) -> None:
    """A change the case only prepares or undoes: accepted and reported, not checked."""
    msg = await _request(ctx, st, status, evse_id, connector_id)
    await msg.reply({"status": "Accepted"})
    await _report(
        ctx, st, "Available" if status == "Operative" else "Unavailable", evse_id, connector_id
    )


def _restore_operative(
    ctx: CaseContext, st: MockStation, evse_id: int | None, connector_id: int | None
) -> None:
    """After the case, make the target Operative again, so the CSMS's memory of this station
    id does not carry an Inoperative EVSE into later cases."""

    async def restore() -> None:
        if st.session is not None and not st.conn.closed.is_set():
            await _set_availability(ctx, st, "Operative", evse_id, connector_id)

    ctx.defer(restore)


async def _change_availability(
    ctx: CaseContext,
    st: MockStation,
    status: str,
    evse_id: int | None = None,
    connector_id: int | None = None,
) -> Incoming:
    """The operator changes the availability; check the ChangeAvailabilityRequest."""
    msg = await _request(ctx, st, status, evse_id, connector_id)
    if status == "Inoperative":
        _restore_operative(ctx, st, evse_id, connector_id)
    what = _target(evse_id, connector_id)
    req = "G04.FR.01" if evse_id is None else "G03.FR.01"
    got = msg.payload.get("operationalStatus")
    ctx.check(
        got == status,
        f"ChangeAvailabilityRequest operationalStatus is {got!r}; the operator made {what} "
        f"{status}",
        requirement=req,
    )
    evse = msg.payload.get("evse")
    if evse_id is None:
        ctx.check(
            evse is None,
            f"ChangeAvailabilityRequest for the whole station carries evse {evse}; it must be "
            f"omitted, otherwise it names one EVSE",
            requirement=req,
        )
        return msg
    if not ctx.check(
        evse is not None and evse.get("id") == evse_id,
        f"ChangeAvailabilityRequest evse is {evse}, expected evse.id {evse_id} for {what}",
        requirement=req,
    ):
        return msg
    assert evse is not None
    if connector_id is None:
        ctx.check(
            "connectorId" not in evse,
            f"ChangeAvailabilityRequest for EVSE {evse_id} carries evse.connectorId "
            f"{evse.get('connectorId')}; it must be omitted to address the whole EVSE",
            requirement=req,
        )
    else:
        ctx.check(
            evse.get("connectorId") == connector_id,
            f"ChangeAvailabilityRequest evse.connectorId is {evse.get('connectorId')!r}, "
            f"expected {connector_id}: without it the whole EVSE {evse_id} changes",
            requirement=req,
        )
    return msg


async def _report(
    ctx: CaseContext,
    st: MockStation,
    status: str,
    evse_id: int | None = None,
    connector_id: int | None = None,
) -> None:
    """The station reports the new state of every connector the change applies to."""
    for (e, c), _old in sorted(st.model.statuses.items()):
        if evse_id in (None, e) and connector_id in (None, c):
            await st.connector_changed(e, c, status)


async def _operative_to_inoperative(
    ctx: CaseContext, evse_id: int | None, connector_id: int | None
) -> None:
    st = await states.booted_station(ctx)
    msg = await _change_availability(ctx, st, "Inoperative", evse_id, connector_id)
    await msg.reply({"status": "Accepted"})
    await _report(ctx, st, "Unavailable", evse_id, connector_id)


async def _inoperative_to_operative(
    ctx: CaseContext, evse_id: int | None, connector_id: int | None
) -> None:
    st = await states.booted_station(ctx)
    # Memory State: the target is Unavailable, set so through the CSMS (made Inoperative).
    await _set_availability(ctx, st, "Inoperative", evse_id, connector_id)
    msg = await _change_availability(ctx, st, "Operative", evse_id, connector_id)
    await msg.reply({"status": "Accepted"})
    await _report(ctx, st, "Available", evse_id, connector_id)


@testcase("TC_G_03_CSMS", verbs=("change_availability",))
async def test_evse_operative_to_inoperative(ctx: CaseContext) -> None:
    """G03.FR.01: the CSMS makes one EVSE Inoperative (evse.id, no connectorId)."""
    await _operative_to_inoperative(ctx, EVSE, None)


@testcase("TC_G_04_CSMS", verbs=("change_availability",))
async def test_evse_inoperative_to_operative(ctx: CaseContext) -> None:
    """G03.FR.01: the CSMS makes an Unavailable EVSE Operative again."""
    await _inoperative_to_operative(ctx, EVSE, None)


@testcase("TC_G_05_CSMS", verbs=("change_availability",))
async def test_station_operative_to_inoperative(ctx: CaseContext) -> None:
    """G04.FR.01: the CSMS makes the whole station Inoperative (evse omitted)."""
    await _operative_to_inoperative(ctx, None, None)


@testcase("TC_G_06_CSMS", verbs=("change_availability",))
async def test_station_inoperative_to_operative(ctx: CaseContext) -> None:
    """G04.FR.01: the CSMS makes an Unavailable station Operative again (evse omitted)."""
    await _inoperative_to_operative(ctx, None, None)


@testcase("TC_G_07_CSMS", verbs=("change_availability",))
async def test_connector_operative_to_inoperative(ctx: CaseContext) -> None:
    """G03.FR.01: the CSMS makes one connector Inoperative (evse.id and evse.connectorId)."""
    await _operative_to_inoperative(ctx, EVSE, CONNECTOR)


@testcase("TC_G_08_CSMS", verbs=("change_availability",))
async def test_connector_inoperative_to_operative(ctx: CaseContext) -> None:
    """G03.FR.01: the CSMS makes an Unavailable connector Operative again."""
    await _inoperative_to_operative(ctx, EVSE, CONNECTOR)


async def _inoperative_during_transaction(
    ctx: CaseContext, evse_id: int | None, connector_id: int | None
) -> None:
    """The change comes during a transaction on EVSE 1: the station answers Scheduled,
    makes the idle connectors it covers Unavailable at once, and the busy one after the
    transaction has ended (G03.FR.05, G04.FR.05)."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    msg = await _change_availability(ctx, st, "Inoperative", evse_id, connector_id)
    await msg.reply({"status": "Scheduled"})
    for (e, c), _status in sorted(st.model.statuses.items()):
        idle = (e, c) != (tx.evse_id, tx.connector_id)
        if idle and evse_id in (None, e) and connector_id in (None, c):
            await st.connector_changed(e, c, "Unavailable")
    await states.stop_authorized(ctx, st, tx)
    await states.ev_connected_post_session(ctx, st, tx)
    await states.ev_disconnected(ctx, st, tx, connector_status="Unavailable")


@testcase("TC_G_11_CSMS", verbs=("change_availability",))
async def test_evse_inoperative_with_transaction(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.05: the CSMS makes the charging EVSE Inoperative; Scheduled."""
    await _inoperative_during_transaction(ctx, EVSE, None)


@testcase("TC_G_14_CSMS", verbs=("change_availability",))
async def test_station_inoperative_with_transaction(ctx: CaseContext) -> None:
    """G04.FR.01, G04.FR.05: the CSMS makes the station Inoperative during a transaction."""
    await _inoperative_during_transaction(ctx, None, None)


@testcase("TC_G_17_CSMS", verbs=("change_availability",))
async def test_connector_inoperative_with_transaction(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.05: the CSMS makes the charging connector Inoperative; Scheduled."""
    await _inoperative_during_transaction(ctx, EVSE, CONNECTOR)


@testcase("TC_G_20_CSMS")
async def test_lock_failure_notify_event(ctx: CaseContext) -> None:
    """G05.FR.03: the station reports a connector lock failure with NotifyEvent
    ConnectorPlugRetentionLock.Problem = true; the CSMS answers it."""
    st = await states.booted_station(ctx)
    await st.notify_event(
        "ConnectorPlugRetentionLock",
        "Problem",
        "true",
        evse_id=EVSE,
        connector_id=CONNECTOR,
        trigger="Delta",
    )
