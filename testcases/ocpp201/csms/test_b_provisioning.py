"""OCPP 2.0.1, DUT = CSMS, functional block B (Provisioning), Core profile."""

from __future__ import annotations

from typing import Any

import websockets

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.clock import now_iso
from testcases.ocpp201.csms import states

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>
GET_ATTRIBUTE_TYPES = (None, "Actual", "Target", "MinSet", "MaxSet")


def _find(items: list[dict[str, Any]], component: str, variable: str) -> dict[str, Any] | None:
    for item in items:
        if (
            item.get("component", {}).get("name") == component
            and item.get("variable", {}).get("name") == variable
        ):
            return item
    return None


async def _reboot(ctx: CaseContext, st: MockStation, reason: str) -> MockStation:
    """The station resets: a new connection with the same id, BootNotification, connectors."""
    await st.close()
    again = await ctx.mock_station(station_id=st.station_id)
    boot = await again.boot(reason)
    ctx.check(
        boot.get("status") == "Accepted",
        f"BootNotificationResponse after the reset has status {boot.get('status')!r}, "
        f"expected Accepted",
    )
    await again.report_all_connectors(notify_event=True)
    return again


@testcase("TC_B_01_CSMS")
async def test_cold_boot_accepted(ctx: CaseContext) -> None:
    """B01.FR.02: the CSMS accepts a registered station that boots and reports its connectors."""
    st = await ctx.mock_station()
    boot = await states.booted(ctx, st)
    ctx.check(
        int(boot.get("interval", 0)) > 0,
        f"BootNotificationResponse Accepted with interval {boot.get('interval')}: an Accepted "
        f"answer carries the heartbeat interval, which must be a positive number of seconds",
        requirement="B01.FR.02",
    )


@testcase("TC_B_02_CSMS", verbs=("set_boot_status",))
async def test_cold_boot_pending(ctx: CaseContext) -> None:
    """B02.FR.01, B02.FR.06: the CSMS answers Pending first, then Accepted on the retry."""
    st = await ctx.mock_station()
    await ctx.operator.set_boot_status(station_id=st.station_id, status="Pending", interval=1)
    first = await st.boot()
    ctx.require(
        first.get("status") == "Pending",
        f"BootNotificationResponse status is {first.get('status')!r}; the CSMS was configured "
        f"to answer Pending first",
        requirement="B02.FR.01",
    )
    # The station must not retry before the interval (0: our own heartbeat interval); the CSMS
    # may use the time to query or configure the station, which the default responders answer.
    interval = int(first.get("interval") or ctx.dut.pixit.heartbeat_interval)
    ctx.require(
        not await st.conn.wait_closed(interval),
        "the CSMS closed the connection while the station was Pending",
    )
    second = await st.boot()
    ctx.check(
        second.get("status") == "Accepted",
        f"BootNotificationResponse to the retry has status {second.get('status')!r}, "
        f"expected Accepted",
        requirement="B02.FR.06",
    )
    await st.report_all_connectors(notify_event=True)


@testcase("TC_B_06_CSMS", verbs=("get_variables",))
async def test_get_variables_single(ctx: CaseContext) -> None:
    """B06.FR.01: the CSMS reads OCPPCommCtrlr.OfflineThreshold with GetVariables."""
    st = await states.booted_station(ctx)
    wanted = [("OCPPCommCtrlr", "OfflineThreshold")]
    msg = await states.operator_request(
        ctx,
        st,
        "GetVariables",
        "get_variables",
        variables=[{"component": c, "variable": v} for c, v in wanted],
    )
    _check_get_variables(ctx, msg.payload["getVariableData"], wanted)
    await states.reply_default(st, msg)


@testcase("TC_B_07_CSMS", verbs=("get_variables",))
async def test_get_variables_multiple(ctx: CaseContext) -> None:
    """B06.FR.01: the CSMS reads two variables in one GetVariablesRequest."""
    st = await states.booted_station(ctx)
    wanted = [("OCPPCommCtrlr", "OfflineThreshold"), ("AuthCtrlr", "AuthorizeRemoteStart")]
    msg = await states.operator_request(
        ctx,
        st,
        "GetVariables",
        "get_variables",
        variables=[{"component": c, "variable": v} for c, v in wanted],
    )
    _check_get_variables(ctx, msg.payload["getVariableData"], wanted)
    await states.reply_default(st, msg)


def _check_get_variables(
    ctx: CaseContext, data: list[dict[str, Any]], wanted: list[tuple[str, str]]
) -> None:
    for component, variable in wanted:
        item = _find(data, component, variable)
        if not ctx.check(
            item is not None,
            f"GetVariablesRequest does not ask for {component}.{variable}; it asks for "
            f"{[(d['component']['name'], d['variable']['name']) for d in data]}",
            requirement="B06.FR.01",
        ):
            continue
        assert item is not None
        ctx.check(
            item.get("attributeType") in GET_ATTRIBUTE_TYPES,
            f"{component}.{variable}: attributeType {item.get('attributeType')!r} is not one "
            f"the case allows (absent, Actual, Target, MinSet, MaxSet)",
        )


@testcase("TC_B_09_CSMS", verbs=("set_variables",))
async def test_set_variables_single(ctx: CaseContext) -> None:
    """B05.FR.01: the CSMS sets OCPPCommCtrlr.OfflineThreshold to 123 with SetVariables."""
    st = await states.booted_station(ctx)
    wanted = [("OCPPCommCtrlr", "OfflineThreshold", "123")]
    await _set_variables(ctx, st, wanted)


@testcase("TC_B_10_CSMS", verbs=("set_variables",))
async def test_set_variables_multiple(ctx: CaseContext) -> None:
    """B05.FR.01: the CSMS sets two variables in one SetVariablesRequest."""
    st = await states.booted_station(ctx)
    wanted = [
        ("OCPPCommCtrlr", "OfflineThreshold", "123"),
        ("AuthCtrlr", "AuthorizeRemoteStart", "false"),
    ]
    await _set_variables(ctx, st, wanted)


async def _set_variables(
    ctx: CaseContext, st: MockStation, wanted: list[tuple[str, str, str]]
) -> None:
    msg = await states.operator_request(
        ctx,
        st,
        "SetVariables",
        "set_variables",
        variables=[{"component": c, "variable": v, "value": x} for c, v, x in wanted],
    )
    data = msg.payload["setVariableData"]
    for component, variable, value in wanted:
        item = _find(data, component, variable)
        if not ctx.check(
            item is not None,
            f"SetVariablesRequest does not set {component}.{variable}; it sets "
            f"{[(d['component']['name'], d['variable']['name']) for d in data]}",
            requirement="B05.FR.01",
        ):
            continue
        assert item is not None
        ctx.check(
            item.get("attributeValue") == value,
            f"{component}.{variable}: attributeValue is {item.get('attributeValue')!r}, "
            f"expected {value!r}",
        )
        ctx.check(
            item.get("attributeType") in (None, "Actual"),
            f"{component}.{variable}: attributeType is {item.get('attributeType')!r}, "
            f"expected absent or Actual",
        )
    await states.reply_default(st, msg)


async def _base_report(ctx: CaseContext, report_base: str, requirement: str) -> None:
    st = await states.booted_station(ctx)
    msg = await states.operator_request(
        ctx, st, "GetBaseReport", "get_base_report", report_base=report_base
    )
    request_id = msg.payload["requestId"]
    ctx.check(
        isinstance(request_id, int) and request_id >= 0,
        f"GetBaseReportRequest requestId is {request_id!r}, expected an integer >= 0",
    )
    ctx.check(
        msg.payload["reportBase"] == report_base,
        f"GetBaseReportRequest reportBase is {msg.payload['reportBase']!r}, expected {report_base}",
        requirement=requirement,
    )
    await msg.reply({"status": "Accepted"})
    # The report itself, in two parts, as a station with more data than one message holds.
    parts = [
        ("OCPPCommCtrlr", "OfflineThreshold", "60", "integer", True),
        ("AuthCtrlr", "AuthorizeRemoteStart", "true", "boolean", False),
    ]
    for seq_no, (component, variable, value, data_type, tbc) in enumerate(parts):
        await st.conn.call(
            "NotifyReport",
            {
                "requestId": request_id,
                "generatedAt": now_iso(),
                "tbc": tbc,
                "seqNo": seq_no,
                "reportData": [
                    {
                        "component": {"name": component},
                        "variable": {"name": variable},
                        "variableAttribute": [
                            {"type": "Actual", "value": value, "mutability": "ReadWrite"}
                        ],
                        "variableCharacteristics": {
                            "dataType": data_type,
                            "supportsMonitoring": False,
                        },
                    }
                ],
            },
        )


@testcase("TC_B_12_CSMS", verbs=("get_base_report",))
async def test_get_base_report_configuration_inventory(ctx: CaseContext) -> None:
    """B07.FR.07: the CSMS asks for a ConfigurationInventory report and takes the NotifyReports."""
    await _base_report(ctx, "ConfigurationInventory", "B07.FR.07")


@testcase("TC_B_13_CSMS", verbs=("get_base_report",))
async def test_get_base_report_full_inventory(ctx: CaseContext) -> None:
    """B07.FR.08: the CSMS asks for a FullInventory report and takes the NotifyReports."""
    await _base_report(ctx, "FullInventory", "B07.FR.08")


def _check_reset(
    ctx: CaseContext, payload: dict[str, Any], kind: str, evse_id: int | None, req: str
) -> None:
    ctx.check(
        payload.get("type") == kind,
        f"ResetRequest type is {payload.get('type')!r}, expected {kind}",
        requirement=req,
    )
    if evse_id is None:
        ctx.check(
            "evseId" not in payload,
            f"ResetRequest for the whole station carries evseId {payload.get('evseId')}; "
            f"it must be omitted",
            requirement=req,
        )
    else:
        ctx.check(
            payload.get("evseId") == evse_id,
            f"ResetRequest evseId is {payload.get('evseId')!r}, expected {evse_id}",
            requirement=req,
        )


@testcase("TC_B_20_CSMS", verbs=("reset",))
async def test_reset_station_idle_on_idle(ctx: CaseContext) -> None:
    """B11.FR.04: the CSMS resets an idle station OnIdle and accepts its reboot."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(ctx, st, "Reset", "reset", type="OnIdle")
    _check_reset(ctx, msg.payload, "OnIdle", None, "B11.FR.04")
    await msg.reply({"status": "Accepted"})
    await _reboot(ctx, st, "RemoteReset")


async def _reset_with_transaction(ctx: CaseContext, kind: str, evse_id: int | None) -> None:
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    args: dict[str, Any] = {"type": kind}
    if evse_id is not None:
        args["evse_id"] = evse_id
    msg = await states.operator_request(ctx, st, "Reset", "reset", **args)
    _check_reset(ctx, msg.payload, kind, evse_id, "B12.FR.01")
    if kind == "OnIdle":
        await msg.reply({"status": "Scheduled"})
        await states.stop_authorized(ctx, st, tx)
        await st.connector_changed(tx.evse_id, tx.connector_id, "Available")
        await st.transaction_event(
            tx,
            "Ended",
            "EVCommunicationLost",
            charging_state="Idle",
            stopped_reason="EVDisconnected",
        )
        reason = "ScheduledReset"
    else:
        await msg.reply({"status": "Accepted"})
        await st.transaction_event(
            tx,
            "Ended",
            "ResetCommand",
            charging_state="EVConnected",
            stopped_reason="ImmediateReset",
        )
        reason = "RemoteReset"
    if evse_id is None:
        await _reboot(ctx, st, reason)


@testcase("TC_B_21_CSMS", verbs=("reset",))
async def test_reset_station_transaction_on_idle(ctx: CaseContext) -> None:
    """B12.FR.01, B12.FR.03: an OnIdle reset during a transaction; the station reboots after."""
    await _reset_with_transaction(ctx, "OnIdle", None)


@testcase("TC_B_22_CSMS", verbs=("reset",))
async def test_reset_station_transaction_immediate(ctx: CaseContext) -> None:
    """B12.FR.02: an Immediate reset ends the transaction (ImmediateReset); the station reboots."""
    await _reset_with_transaction(ctx, "Immediate", None)


@testcase("TC_B_25_CSMS", verbs=("reset",))
async def test_reset_evse_idle(ctx: CaseContext) -> None:
    """B11.FR.04: the CSMS resets one idle EVSE OnIdle (evseId given)."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(ctx, st, "Reset", "reset", type="OnIdle", evse_id=EVSE)
    _check_reset(ctx, msg.payload, "OnIdle", EVSE, "B11.FR.04")
    await msg.reply({"status": "Accepted"})


@testcase("TC_B_26_CSMS", verbs=("reset",))
async def test_reset_evse_transaction_on_idle(ctx: CaseContext) -> None:
    """B12.FR.07: an OnIdle reset of the charging EVSE; its transaction ends normally first."""
    await _reset_with_transaction(ctx, "OnIdle", EVSE)


@testcase("TC_B_27_CSMS", verbs=("reset",))
async def test_reset_evse_transaction_immediate(ctx: CaseContext) -> None:
    """B12.FR.08: an Immediate reset of the charging EVSE ends its transaction (ImmediateReset)."""
    await _reset_with_transaction(ctx, "Immediate", EVSE)


@testcase("TC_B_30_CSMS", verbs=("set_boot_status",))
async def test_pending_security_error(ctx: CaseContext) -> None:
    """B02.FR.09, B03.FR.07: while Pending, the CSMS answers other requests with SecurityError."""
    st = await ctx.mock_station()
    await ctx.operator.set_boot_status(station_id=st.station_id, status="Pending", interval=1)
    boot = await st.boot()
    ctx.require(
        boot.get("status") in ("Pending", "Rejected"),
        f"BootNotificationResponse status is {boot.get('status')!r}; the CSMS was configured "
        f"to answer Pending first",
    )
    err = await st.conn.call_expecting_error(
        "StatusNotification",
        {
            "timestamp": now_iso(),
            "connectorStatus": "Available",
            "evseId": EVSE,
            "connectorId": CONNECTOR,
        },
    )
    ctx.check(
        err.error_code == "SecurityError",
        f"StatusNotification while {boot.get('status')} answered with CALLERROR "
        f"{err.error_code}, expected SecurityError",
        requirement="B02.FR.09" if boot.get("status") == "Pending" else "B03.FR.07",
    )


@testcase("TC_B_31_CSMS", verbs=("set_boot_status", "trigger_message"))
async def test_pending_trigger_boot(ctx: CaseContext) -> None:
    """B02/F06: a Pending station is made to boot again at once with TriggerMessage."""
    st = await ctx.mock_station()
    await ctx.operator.set_boot_status(
        station_id=st.station_id, status="Pending", interval=ctx.dut.pixit.heartbeat_interval
    )
    boot = await st.boot()
    ctx.require(
        boot.get("status") in ("Pending", "Rejected"),
        f"BootNotificationResponse status is {boot.get('status')!r}; the CSMS was configured "
        f"to answer Pending first",
    )
    msg = await states.operator_request(
        ctx, st, "TriggerMessage", "trigger_message", requested_message="BootNotification"
    )
    ctx.check(
        msg.payload.get("requestedMessage") == "BootNotification",
        f"TriggerMessageRequest requestedMessage is {msg.payload.get('requestedMessage')!r}, "
        f"expected BootNotification",
    )
    await msg.reply({"status": "Accepted"})
    again = await st.boot("Triggered")
    ctx.check(
        again.get("status") == "Accepted",
        f"BootNotificationResponse to the triggered boot has status {again.get('status')!r}, "
        f"expected Accepted",
    )
    await st.report_all_connectors(notify_event=True)


@testcase("TC_B_42_CSMS", verbs=("set_network_profile",))
async def test_set_network_profile_accepted(ctx: CaseContext) -> None:
    """B09.FR.01: the CSMS sends a complete OCPP 2.0 JSON network profile for a slot."""
    st = await states.booted_station(ctx)
    slot = 1  # <Configured configurationSlot>
    msg = await states.operator_request(
        ctx, st, "SetNetworkProfile", "set_network_profile", configuration_slot=slot
    )
    data = msg.payload["connectionData"]
    ctx.check(
        msg.payload["configurationSlot"] == slot,
        f"SetNetworkProfileRequest configurationSlot is {msg.payload['configurationSlot']}, "
        f"expected {slot}",
        requirement="B09.FR.01",
    )
    ctx.check(
        data.get("ocppVersion") == "OCPP20",
        f"connectionData.ocppVersion is {data.get('ocppVersion')!r}, expected OCPP20 "
        f"(the value for OCPP 2.0.1)",
        requirement="B09.FR.01",
    )
    ctx.check(
        data.get("ocppTransport") == "JSON",
        f"connectionData.ocppTransport is {data.get('ocppTransport')!r}, expected JSON",
    )
    ctx.check(
        data.get("securityProfile") == ctx.dut.connection.security_profile,
        f"connectionData.securityProfile is {data.get('securityProfile')!r}, expected the "
        f"configured {ctx.dut.connection.security_profile}",
    )
    await msg.reply({"status": "Accepted"})


@testcase("TC_B_44_CSMS", verbs=("set_network_profile",))
async def test_set_network_profile_failed(ctx: CaseContext) -> None:
    """B09.FR.03: the CSMS copes with a station that answers SetNetworkProfile Failed."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(
        ctx, st, "SetNetworkProfile", "set_network_profile", configuration_slot=1
    )
    await msg.reply({"status": "Failed"})
    # The CSMS must still serve the station normally afterwards.
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"HeartbeatResponse without currentTime: {res}")


@testcase("TC_B_58_CSMS")
async def test_websocket_subprotocol_validation(ctx: CaseContext) -> None:
    """OCPP-J 3.1.2: the CSMS refuses an unsupported subprotocol and selects the
    version's own (ocpp2.0.1; ocpp2.1 when the case runs against a 2.1 CSMS)."""
    own = ctx.version.subprotocol
    st = await ctx.mock_station(connect=False)
    try:
        await st.connect(subprotocols=["ocpp0.1"])
    except (websockets.exceptions.InvalidHandshake, OSError) as exc:
        ctx.note(f"handshake offering only ocpp0.1 refused: {exc}")
    else:
        chosen = st.conn.info.subprotocol
        await st.close()
        raise ctx.fail(
            f"the CSMS upgraded a connection that offered only 'ocpp0.1' (selected "
            f"{chosen!r}); it must refuse it"
        )
    await st.connect(subprotocols=["ocpp0.1", own])
    ctx.check(
        st.conn.info.subprotocol == own,
        f"offered 'ocpp0.1, {own}', the CSMS selected {st.conn.info.subprotocol!r}, "
        f"expected {own!r}",
    )
