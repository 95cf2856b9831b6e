"""OCPP 2.0.1, DUT = charging station, functional block G (Availability), Core profile.

Connector status notifications (G01) and ChangeAvailability of the whole station (G04), one
EVSE or one connector (G03): operative / inoperative, to the state it is already in, during a
transaction (Scheduled) and across a reboot. Every availability a case changes is made
Operative again afterwards. The station reports connector states with StatusNotification; the
NotifyEvent alternative of the official text is not accepted in its place.
"""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from testcases.ocpp201.cs import states

_TX_VERBS = ("plug_in", "present_id_token", "unplug")

EVSE = states.EVSE
CONNECTOR = states.CONNECTOR


def _requirement(evse: int | None, g03: str, g04: str) -> str:
    return g04 if evse is None else g03


# -- status notifications (G01) ----------------------------------------------------------------


@testcase("TC_G_01_CS", verbs=("plug_in", "unplug"))
async def test_status_available_to_occupied(ctx: CaseContext) -> None:
    """G01.FR.01: plugging in the cable makes the station report the connector Occupied
    (reusable state EVConnectedPreSession)."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.ev_connected_pre_session(ctx, s)


@testcase("TC_G_02_CS", verbs=("plug_in", "unplug"))
async def test_status_occupied_to_available(ctx: CaseContext) -> None:
    """G01.FR.01: with the cable plugged in (EVConnectedPreSession), unplugging it makes the
    station report the connector Available again."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.ev_connected_pre_session(ctx, s)
    t0 = await states.unplug(ctx, s)
    freed = [
        m
        for m in s.received("StatusNotification", since=t0)
        if (m.payload.get("evseId"), m.payload.get("connectorId")) == (EVSE, CONNECTOR)
        and m.payload.get("connectorStatus") != "Occupied"
    ]
    ctx.check(
        bool(freed) and freed[0].payload.get("connectorStatus") == "Available",
        f"after unplugging, EVSE {EVSE} connector {CONNECTOR} is reported "
        f"{freed[0].payload.get('connectorStatus') if freed else None!r}, expected Available",
        requirement="G01.FR.01",
        frame=freed[0].text if freed else None,
    )


# -- operative <-> inoperative -------------------------------------------------------------------


async def _to_inoperative(ctx: CaseContext, evse: int | None, connector: int | None) -> None:
    """Reusable state Unavailable (for the station / EVSE / connector); the state reports every
    connector concerned Unavailable."""
    s = await states.booted(ctx)
    await states.unavailable(ctx, s, evse=evse, connector=connector)


async def _to_operative(ctx: CaseContext, evse: int | None, connector: int | None) -> None:
    """Memory state Unavailable, then ChangeAvailability Operative: Accepted, and every
    connector concerned is reported Available again."""
    s = await states.booted(ctx)
    await states.unavailable(ctx, s, evse=evse, connector=connector)
    what = states.describe_target(evse, connector)
    status, t0 = await states.change_availability(
        ctx, s, "Operative", evse=evse, connector=connector
    )
    ctx.require(
        status == "Accepted",
        f"ChangeAvailabilityResponse to Operative for {what} (now Inoperative) is {status!r}, "
        f"expected Accepted",
        requirement=_requirement(evse, "G03.FR.02", "G04.FR.02"),
    )
    await states.status_reported(
        ctx,
        s,
        states.connectors_of(ctx, evse, connector),
        "Available",
        since=t0,
        why=f"{what} was made Operative again",
        requirement=_requirement(evse, "G03.FR.07", "G04.FR.08"),
    )


async def _same_state(
    ctx: CaseContext, operational_status: str, evse: int | None, connector: int | None
) -> None:
    """A ChangeAvailabilityRequest for the state the target is already in is Accepted
    (G03.FR.03 / G04.FR.04); for Inoperative the memory state Unavailable comes first."""
    s = await states.booted(ctx)
    if operational_status == "Inoperative":
        await states.unavailable(ctx, s, evse=evse, connector=connector)
    what = states.describe_target(evse, connector)
    status, _t0 = await states.change_availability(
        ctx, s, operational_status, evse=evse, connector=connector
    )
    ctx.check(
        status == "Accepted",
        f"ChangeAvailabilityResponse to {operational_status} for {what}, which already is "
        f"{operational_status}, is {status!r}, expected Accepted",
        requirement=_requirement(evse, "G03.FR.03", "G04.FR.04"),
    )


@testcase("TC_G_03_CS")
async def test_evse_operative_to_inoperative(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.02, G03.FR.04, G03.FR.06: ChangeAvailability Inoperative for an EVSE
    is Accepted and each of its connectors is reported Unavailable."""
    await _to_inoperative(ctx, EVSE, None)


@testcase("TC_G_04_CS")
async def test_evse_inoperative_to_operative(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.02, G03.FR.04, G03.FR.07: ChangeAvailability Operative for an
    Inoperative EVSE is Accepted and each of its connectors is reported Available."""
    await _to_operative(ctx, EVSE, None)


@testcase("TC_G_05_CS")
async def test_station_operative_to_inoperative(ctx: CaseContext) -> None:
    """G04.FR.01, G04.FR.02, G04.FR.03, G04.FR.05, G04.FR.07: ChangeAvailability Inoperative
    for the whole station is Accepted and every connector is reported Unavailable."""
    await _to_inoperative(ctx, None, None)


@testcase("TC_G_06_CS")
async def test_station_inoperative_to_operative(ctx: CaseContext) -> None:
    """G04.FR.01, G04.FR.02, G04.FR.03, G04.FR.05, G04.FR.08: ChangeAvailability Operative
    for the Inoperative station is Accepted and every connector is reported Available."""
    await _to_operative(ctx, None, None)


@testcase("TC_G_07_CS")
async def test_connector_operative_to_inoperative(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.02, G03.FR.04, G03.FR.06: ChangeAvailability Inoperative for one
    connector is Accepted and that connector is reported Unavailable."""
    await _to_inoperative(ctx, EVSE, CONNECTOR)


@testcase("TC_G_08_CS")
async def test_connector_inoperative_to_operative(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.02, G03.FR.04, G03.FR.07: ChangeAvailability Operative for an
    Inoperative connector is Accepted and the connector is reported Available."""
    await _to_operative(ctx, EVSE, CONNECTOR)


@testcase("TC_G_09_CS")
async def test_evse_operative_to_operative(ctx: CaseContext) -> None:
    """G03.FR.01-G03.FR.03: ChangeAvailability Operative for an Operative EVSE: Accepted."""
    await _same_state(ctx, "Operative", EVSE, None)


@testcase("TC_G_10_CS")
async def test_evse_inoperative_to_inoperative(ctx: CaseContext) -> None:
    """G03.FR.01-G03.FR.03: ChangeAvailability Inoperative for an Inoperative EVSE:
    Accepted."""
    await _same_state(ctx, "Inoperative", EVSE, None)


@testcase("TC_G_12_CS")
async def test_station_operative_to_operative(ctx: CaseContext) -> None:
    """G04.FR.01-G04.FR.04: ChangeAvailability Operative for the Operative station:
    Accepted."""
    await _same_state(ctx, "Operative", None, None)


@testcase("TC_G_13_CS")
async def test_station_inoperative_to_inoperative(ctx: CaseContext) -> None:
    """G04.FR.01-G04.FR.04: ChangeAvailability Inoperative for the Inoperative station:
    Accepted."""
    await _same_state(ctx, "Inoperative", None, None)


@testcase("TC_G_15_CS")
async def test_connector_operative_to_operative(ctx: CaseContext) -> None:
    """G03.FR.01-G03.FR.03: ChangeAvailability Operative for an Operative connector:
    Accepted."""
    await _same_state(ctx, "Operative", EVSE, CONNECTOR)


@testcase("TC_G_16_CS")
async def test_connector_inoperative_to_inoperative(ctx: CaseContext) -> None:
    """G03.FR.01-G03.FR.03: ChangeAvailability Inoperative for an Inoperative connector:
    Accepted."""
    await _same_state(ctx, "Inoperative", EVSE, CONNECTOR)


# -- during a transaction: Scheduled ------------------------------------------------------------


def _no_unavailable_while_occupied(
    ctx: CaseContext, s: Session, since: float, what: str, step: str
) -> None:
    """While the EV is still connected the connector in use is not reported Unavailable."""
    early = [
        m
        for m in s.received("StatusNotification", since=since)
        if (m.payload.get("evseId"), m.payload.get("connectorId")) == (EVSE, CONNECTOR)
        and m.payload.get("connectorStatus") == "Unavailable"
    ]
    ctx.check(
        not early,
        f"EVSE {EVSE} connector {CONNECTOR} was reported Unavailable {step}, while the EV was "
        f"still connected; the change of {what} to Inoperative must wait until the "
        f"transaction has ended and the cable is gone",
        requirement="G03.FR.05",
        frame=early[0].text if early else None,
    )


async def _during_transaction(ctx: CaseContext, evse: int | None, connector: int | None) -> None:
    """Inoperative during a transaction is Scheduled; the connector in use stays Occupied
    through StopAuthorized and EVConnectedPostSession and is reported Unavailable once the EV
    is disconnected. For the whole station the idle connectors go Unavailable at once."""
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    what = states.describe_target(evse, connector)
    status, t0 = await states.change_availability(
        ctx, s, "Inoperative", evse=evse, connector=connector
    )
    states.operative_afterwards(ctx, evse, connector)
    ctx.require(
        status == "Scheduled",
        f"ChangeAvailabilityResponse to Inoperative for {what} during a transaction on EVSE "
        f"{EVSE} is {status!r}, expected Scheduled",
        requirement=_requirement(evse, "G03.FR.05", "G04.FR.06"),
    )
    if evse is None:
        idle = [pair for pair in states.connectors(ctx) if pair[0] != EVSE]
        await states.status_reported(
            ctx,
            s,
            idle,
            "Unavailable",
            since=t0,
            why="the station was made Inoperative and nothing charges on this EVSE",
            requirement="G04.FR.06",
        )
    await states.stop_authorized(ctx, s, tx_id)
    # EVConnectedPostSession: the transaction is stopped, the cable still in.
    _no_unavailable_while_occupied(ctx, s, t0, what, "after StopAuthorized")
    unplugged = time.monotonic()
    await states.unplug(ctx, s)  # EVDisconnected (its Available check does not apply here)
    ended = [
        m
        for m in s.received("TransactionEvent", since=t0)
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    ctx.require(bool(ended), f"transaction {tx_id} did not end when the EV was disconnected")
    after = [
        m
        for m in s.received("StatusNotification", since=unplugged)
        if (m.payload.get("evseId"), m.payload.get("connectorId")) == (EVSE, CONNECTOR)
    ]
    ctx.check(
        bool(after) and after[-1].payload.get("connectorStatus") == "Unavailable",
        f"after the transaction ended and the EV was disconnected, EVSE {EVSE} connector "
        f"{CONNECTOR} is reported "
        f"{after[-1].payload.get('connectorStatus') if after else None!r}; the scheduled change "
        f"of {what} to Inoperative must then take effect (Unavailable)",
        requirement=_requirement(evse, "G03.FR.05", "G04.FR.06"),
        frame=after[-1].text if after else None,
    )


@testcase("TC_G_11_CS", verbs=_TX_VERBS)
async def test_evse_inoperative_during_transaction(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.02, G03.FR.04, G03.FR.05: ChangeAvailability Inoperative for the
    EVSE of a running transaction is Scheduled; it takes effect after the transaction."""
    await _during_transaction(ctx, EVSE, None)


@testcase("TC_G_14_CS", verbs=_TX_VERBS)
async def test_station_inoperative_during_transaction(ctx: CaseContext) -> None:
    """G04.FR.01, G04.FR.02, G04.FR.06: ChangeAvailability Inoperative for the station during a
    transaction is Scheduled: idle connectors go Unavailable at once, the one in use after the
    transaction."""
    await _during_transaction(ctx, None, None)


@testcase("TC_G_17_CS", verbs=_TX_VERBS)
async def test_connector_inoperative_during_transaction(ctx: CaseContext) -> None:
    """G03.FR.01, G03.FR.02, G03.FR.04, G03.FR.05: ChangeAvailability Inoperative for the
    connector of a running transaction is Scheduled; it takes effect after the transaction."""
    await _during_transaction(ctx, EVSE, CONNECTOR)


# -- persistence across a reboot ------------------------------------------------------------------


async def _persists(ctx: CaseContext, evse: int | None, connector: int | None) -> None:
    """Inoperative (Accepted, reported Unavailable), then a reboot: in the boot's connector
    report every connector concerned is still Unavailable (G03.FR.08 / G04.FR.09)."""
    s = await states.booted(ctx)
    await states.unavailable(ctx, s, evse=evse, connector=connector)
    s2, boot = await states.reboot(ctx)
    seen = await states.connectors_reported(ctx, s2, since=boot.received, requirement="B01.FR.05")
    what = states.describe_target(evse, connector)
    for pair in states.connectors_of(ctx, evse, connector):
        msg = seen[pair]
        ctx.check(
            msg.payload.get("connectorStatus") == "Unavailable",
            f"after the reboot EVSE {pair[0]} connector {pair[1]} is reported "
            f"{msg.payload.get('connectorStatus')!r}; {what} was made Inoperative, which must "
            f"persist across a reboot",
            requirement=_requirement(evse, "G03.FR.08", "G04.FR.09"),
            frame=msg.text,
        )


@testcase("TC_G_18_CS", verbs=("reboot",))
async def test_evse_inoperative_persists(ctx: CaseContext) -> None:
    """G03.FR.08, G01.FR.01: an Inoperative EVSE is still reported Unavailable after a
    reboot."""
    await _persists(ctx, EVSE, None)


@testcase("TC_G_19_CS", verbs=("reboot",))
async def test_connector_inoperative_persists(ctx: CaseContext) -> None:
    """G03.FR.08, G01.FR.01: an Inoperative connector is still reported Unavailable after a
    reboot."""
    await _persists(ctx, EVSE, CONNECTOR)


@testcase("TC_G_21_CS", verbs=("reboot",))
async def test_station_inoperative_persists(ctx: CaseContext) -> None:
    """G04.FR.09, G01.FR.01: with the whole station Inoperative every connector is still
    reported Unavailable after a reboot."""
    await _persists(ctx, None, None)
