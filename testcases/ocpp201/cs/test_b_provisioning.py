"""OCPP 2.0.1, DUT = charging station, functional block B (Provisioning), Core profile."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles.clock import now_iso
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states

# Retries are timed by the station's clock, ours by the moment our answer left: allow for
# the scheduling jitter of two event loops, nothing more.
TIMING_SLACK = 0.05


def _boot_answer(status: str, interval: int) -> dict[str, Any]:
    return {"status": status, "interval": interval, "currentTime": now_iso()}


def _check_unique_ids(ctx: CaseContext, s: Session) -> None:
    """OCPP-J: every CALL of a sender on one connection has its own message id."""
    ids = [m.call.unique_id for m in s.backlog]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    ctx.check(
        not repeated,
        f"the station reused message id(s) {repeated} for different CALLs on one connection; "
        f"each CALL needs an id of its own",
    )


async def _next_boot(
    ctx: CaseContext, s: Session, n: int, interval: int
) -> tuple[Session, Incoming]:
    """The retried BootNotification, on this connection or (B03 allows it) on a new one."""
    wait = interval + ctx.timeouts.message
    try:
        return s, await s.expect("BootNotification", timeout=wait, why="the boot is retried")
    except Exception:
        if not s.closed.is_set():
            raise
    s2 = await ctx.station(after=n, timeout=wait)
    return s2, await s2.expect("BootNotification", why="the boot is retried")


async def _not_accepted_boot(ctx: CaseContext, status: str) -> None:
    """B02 / B03: answer the boot with `status`, then check the retry and the silence between."""
    interval = ctx.dut.pixit.heartbeat_interval
    answers = iter([status])

    def boot_responder(_msg: Incoming) -> Mapping[str, Any]:
        return _boot_answer(next(answers, "Accepted"), interval)

    await states.booted(ctx)  # registered first: the answers below are for the reboot's boot
    states.answer_next_connections(ctx, "BootNotification", boot_responder)
    s, boot = await states.reboot(ctx)
    ctx.require(boot.replied is not None, "the first BootNotification was not answered")
    assert boot.replied is not None
    if status == "Pending":
        # B02.FR.02: a Pending station answers the CSMS's requests.
        result = await states.get_variable(ctx, s, "OCPPCommCtrlr", "HeartbeatInterval")
        ctx.check(
            result.get("attributeStatus") == "Accepted",
            f"GetVariables while Pending answered {result.get('attributeStatus')!r}",
            requirement="B02.FR.02",
        )
    s2, retry = await _next_boot(ctx, s, ctx.connections(), interval)
    waited = retry.received - boot.replied
    requirement = "B02.FR.01" if status == "Pending" else "B03.FR.04"
    ctx.check(
        waited >= interval - TIMING_SLACK,
        f"the BootNotification was resent {waited:.2f} s after the {status} answer; the "
        f"interval was {interval} s and the station must wait at least that long",
        requirement=requirement,
    )
    others = [
        m
        for m in [*s.backlog, *(s2.backlog if s2 is not s else [])]
        if boot.replied < m.received < retry.received
        and m.action not in ("BootNotification", "GetVariables")
    ]
    ctx.check(
        not others,
        f"while {status}, the station sent {[m.action for m in others]}; only the retried "
        f"BootNotification may be sent before it is Accepted",
        requirement="B03.FR.02" if status == "Rejected" else "B02.FR.03",
        frame=others[0].text if others else None,
    )
    await states.connectors_reported(ctx, s2, since=retry.received)


@testcase("TC_B_01_CS", verbs=("reboot",))
async def test_cold_boot_accepted(ctx: CaseContext) -> None:
    """B01.FR.01, B01.FR.05: after a reboot the station boots, is accepted and reports every
    connector (each CALL with its own message id)."""
    s, boot = await states.reboot(ctx)
    await states.connectors_reported(ctx, s, since=boot.received)
    _check_unique_ids(ctx, s)


@testcase("TC_B_02_CS", verbs=("reboot",))
async def test_cold_boot_pending(ctx: CaseContext) -> None:
    """B02.FR.01, B02.FR.02: a Pending station answers requests, waits `interval` and then
    boots again; it sends nothing else meanwhile."""
    await _not_accepted_boot(ctx, "Pending")


@testcase("TC_B_03_CS", verbs=("reboot",))
async def test_cold_boot_rejected(ctx: CaseContext) -> None:
    """B03.FR.02, B03.FR.04, B03.FR.06: a Rejected station sends nothing until it retries the
    BootNotification after at least `interval` seconds."""
    await _not_accepted_boot(ctx, "Rejected")


# A Rejected boot with this interval keeps the station from retrying while the case runs; the
# case ends the Rejected state itself with a reboot.
LONG_INTERVAL = 300


@testcase("TC_B_30_CS", verbs=("reboot",))
async def test_rejected_security_error(ctx: CaseContext) -> None:
    """B03.FR.08: while its BootNotification is Rejected, the station answers a request of the
    CSMS (GetBaseReport) with CALLERROR SecurityError."""
    answers = iter(["Rejected"])

    def boot_responder(_msg: Incoming) -> Mapping[str, Any]:
        return _boot_answer(next(answers, "Accepted"), LONG_INTERVAL)

    await states.booted(ctx)  # registered first: the answers below are for the reboot's boot
    states.answer_next_connections(ctx, "BootNotification", boot_responder)

    async def registered_again() -> None:
        s2, boot2 = await states.reboot(ctx)
        await states.connectors_reported(ctx, s2, since=boot2.received)

    ctx.defer(registered_again)
    s, _boot = await states.reboot(ctx)
    if s.closed.is_set():
        raise NotApplicable(
            "prerequisite not met: the station closes the connection while it is Rejected"
        )
    error = await s.call_expecting_error(
        "GetBaseReport", {"requestId": 3030, "reportBase": "FullInventory"}
    )
    ctx.check(
        error.error_code == "SecurityError",
        f"GetBaseReport to a Rejected station was answered with CALLERROR "
        f"{error.error_code!r}, expected SecurityError",
        requirement="B03.FR.08",
    )


# -- GetVariables / SetVariables (B05, B06) ---------------------------------------------------


def _result_for(
    ctx: CaseContext, items: list[Mapping[str, Any]], component: str, variable: str
) -> Mapping[str, Any]:
    for item in items:
        if (
            item.get("component", {}).get("name") == component
            and item.get("variable", {}).get("name") == variable
        ):
            return item
    raise ctx.fail(f"the response has no result for {component}.{variable}: {items}")


def _check_result(
    ctx: CaseContext,
    item: Mapping[str, Any],
    status: str,
    requirement: str,
    value: str | None = None,
) -> None:
    name = f"{item.get('component', {}).get('name')}.{item.get('variable', {}).get('name')}"
    ctx.check(
        item.get("attributeStatus") == status,
        f"{name}: attributeStatus is {item.get('attributeStatus')!r}, expected {status}",
        requirement=requirement,
    )
    if "attributeType" in item:
        ctx.check(
            item["attributeType"] == "Actual",
            f"{name}: attributeType {item['attributeType']!r}, expected Actual",
        )
    reason = (item.get("attributeStatusInfo") or {}).get("reasonCode")
    if status == "Accepted":
        ctx.check(
            reason in (None, "NoError"),
            f"{name}: attributeStatusInfo.reasonCode {reason!r} on an Accepted result",
        )
    if value is not None:
        ctx.check(
            item.get("attributeValue") == value,
            f"{name}: attributeValue is {item.get('attributeValue')!r}, expected {value!r}",
            requirement=requirement,
        )


def _get(component: str, variable: str, attribute: str | None = "Actual") -> dict[str, Any]:
    out: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
    if attribute:
        out["attributeType"] = attribute
    return out


@testcase("TC_B_06_CS")
async def test_get_variables_single(ctx: CaseContext) -> None:
    """B06.FR.01, B06.FR.02, B06.FR.03: one required variable is read back with its value."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "OCPPCommCtrlr", "OfflineThreshold", "300")
    result = await s.call(
        "GetVariables", {"getVariableData": [_get("OCPPCommCtrlr", "OfflineThreshold")]}
    )
    items = result["getVariableResult"]
    item = _result_for(ctx, items, "OCPPCommCtrlr", "OfflineThreshold")
    _check_result(ctx, item, "Accepted", "B06.FR.01", value="300")


@testcase("TC_B_07_CS")
async def test_get_variables_multiple(ctx: CaseContext) -> None:
    """B06.FR.01, B06.FR.02: two required variables are read in one request."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "OCPPCommCtrlr", "OfflineThreshold", "300")
    await states.configure(ctx, s, "AuthCtrlr", "AuthorizeRemoteStart", "true")
    result = await s.call(
        "GetVariables",
        {
            "getVariableData": [
                _get("OCPPCommCtrlr", "OfflineThreshold"),
                _get("AuthCtrlr", "AuthorizeRemoteStart"),
            ]
        },
    )
    items = result["getVariableResult"]
    ctx.check(len(items) == 2, f"GetVariablesResponse has {len(items)} results, expected 2")
    _check_result(
        ctx,
        _result_for(ctx, items, "OCPPCommCtrlr", "OfflineThreshold"),
        "Accepted",
        "B06.FR.01",
        value="300",
    )
    _check_result(
        ctx,
        _result_for(ctx, items, "AuthCtrlr", "AuthorizeRemoteStart"),
        "Accepted",
        "B06.FR.01",
        value="true",
    )


async def _set(ctx: CaseContext, s: Session, data: list[dict[str, Any]]) -> list[Mapping[str, Any]]:
    result = await s.call("SetVariables", {"setVariableData": data})
    return list(result["setVariableResult"])


def _set_item(
    component: str, variable: str, value: str, attribute: str = "Actual"
) -> dict[str, Any]:
    return {**_get(component, variable, attribute), "attributeValue": value}


@testcase("TC_B_09_CS")
async def test_set_variables_single(ctx: CaseContext) -> None:
    """B05.FR.01, B05.FR.02, B05.FR.03: a required variable is written and reads back."""
    s = await states.booted(ctx)
    old = await states.get_variable(ctx, s, "OCPPCommCtrlr", "OfflineThreshold")
    if "attributeValue" in old:
        previous = str(old["attributeValue"])

        async def restore() -> None:
            await _set(
                ctx, await ctx.station(), [_set_item("OCPPCommCtrlr", "OfflineThreshold", previous)]
            )

        ctx.defer(restore)
    value = "301" if old.get("attributeValue") == "300" else "300"
    items = await _set(ctx, s, [_set_item("OCPPCommCtrlr", "OfflineThreshold", value)])
    _check_result(
        ctx, _result_for(ctx, items, "OCPPCommCtrlr", "OfflineThreshold"), "Accepted", "B05.FR.01"
    )
    now = await states.get_variable(ctx, s, "OCPPCommCtrlr", "OfflineThreshold")
    ctx.check(
        now.get("attributeValue") == value,
        f"OCPPCommCtrlr.OfflineThreshold reads {now.get('attributeValue')!r} after it was set "
        f"to {value!r} and Accepted",
        requirement="B05.FR.02",
    )


@testcase("TC_B_10_CS")
async def test_set_variables_multiple(ctx: CaseContext) -> None:
    """B05.FR.01, B05.FR.02: two required variables are written in one request."""
    s = await states.booted(ctx)
    restore: list[dict[str, Any]] = []
    for component, variable in (
        ("OCPPCommCtrlr", "OfflineThreshold"),
        ("AuthCtrlr", "LocalAuthorizeOffline"),
    ):
        old = await states.get_variable(ctx, s, component, variable)
        if "attributeValue" in old:
            restore.append(_set_item(component, variable, str(old["attributeValue"])))

    async def put_back() -> None:
        await _set(ctx, await ctx.station(), restore)

    ctx.defer(put_back)
    items = await _set(
        ctx,
        s,
        [
            _set_item("OCPPCommCtrlr", "OfflineThreshold", "300"),
            _set_item("AuthCtrlr", "LocalAuthorizeOffline", "true"),
        ],
    )
    _check_result(
        ctx, _result_for(ctx, items, "OCPPCommCtrlr", "OfflineThreshold"), "Accepted", "B05.FR.01"
    )
    _check_result(
        ctx, _result_for(ctx, items, "AuthCtrlr", "LocalAuthorizeOffline"), "Accepted", "B05.FR.01"
    )


@testcase("TC_B_11_CS")
async def test_set_variables_invalid_format(ctx: CaseContext) -> None:
    """B05.FR.04: values that do not fit the variable's data type are Rejected and not applied."""
    s = await states.booted(ctx)
    before = await states.get_variable(ctx, s, "OCPPCommCtrlr", "OfflineThreshold")
    items = await _set(
        ctx,
        s,
        [
            _set_item("OCPPCommCtrlr", "OfflineThreshold", "-1a"),
            _set_item("AuthCtrlr", "AuthorizeRemoteStart", "maybe"),
        ],
    )
    _check_result(
        ctx, _result_for(ctx, items, "OCPPCommCtrlr", "OfflineThreshold"), "Rejected", "B05.FR.04"
    )
    _check_result(
        ctx, _result_for(ctx, items, "AuthCtrlr", "AuthorizeRemoteStart"), "Rejected", "B05.FR.04"
    )
    after = await states.get_variable(ctx, s, "OCPPCommCtrlr", "OfflineThreshold")
    ctx.check(
        after.get("attributeValue") == before.get("attributeValue"),
        f"OCPPCommCtrlr.OfflineThreshold changed from {before.get('attributeValue')!r} to "
        f"{after.get('attributeValue')!r} although the new value was invalid",
        requirement="B05.FR.04",
    )


# -- GetBaseReport (B07) --------------------------------------------------------------------


async def _base_report(ctx: CaseContext, report_base: str) -> list[Incoming]:
    s = await states.booted(ctx)
    request_id = 1000 + int(time.monotonic() * 1000) % 100000
    t0 = time.monotonic()
    result = await s.call("GetBaseReport", {"requestId": request_id, "reportBase": report_base})
    ctx.require(
        result.get("status") == "Accepted",
        f"GetBaseReportResponse status is {result.get('status')!r}, expected Accepted",
        requirement="B07.FR.01",
    )
    parts: list[Incoming] = []
    while True:
        part = await s.expect(
            "NotifyReport",
            {"requestId": request_id},
            predicate=states.after(t0),
            why=f"the {report_base} report was accepted",
        )
        parts.append(part)
        ctx.check(
            part.payload.get("seqNo") == len(parts) - 1,
            f"NotifyReport part {len(parts)} has seqNo {part.payload.get('seqNo')!r}, "
            f"expected {len(parts) - 1}",
            requirement="B07.FR.03",
            frame=part.text,
        )
        if not part.payload.get("tbc", False):
            break
    return parts


def _reported(parts: list[Incoming]) -> list[dict[str, Any]]:
    return [d for p in parts for d in p.payload.get("reportData") or []]


def _has(data: list[dict[str, Any]], component: str, variable: str) -> bool:
    return any(
        d["component"].get("name") == component and d["variable"].get("name") == variable
        for d in data
    )


@testcase("TC_B_12_CS")
async def test_base_report_configuration_inventory(ctx: CaseContext) -> None:
    """B07.FR.01, B07.FR.03: ConfigurationInventory is Accepted and reported in NotifyReport
    parts numbered from 0, the last with tbc false; it holds the writable variables."""
    parts = await _base_report(ctx, "ConfigurationInventory")
    data = _reported(parts)
    ctx.check(bool(data), "the ConfigurationInventory report holds no variables")
    read_only = [
        f"{d['component']['name']}.{d['variable']['name']}"
        for d in data
        if all(a.get("mutability") == "ReadOnly" for a in d.get("variableAttribute", []))
    ]
    ctx.check(
        not read_only,
        f"the ConfigurationInventory report lists read-only variables {read_only[:5]}; it "
        f"holds the variables that can be set",
    )
    ctx.check(
        _has(data, ctx.dut.pixit.configurable_component, ctx.dut.pixit.configurable_variable),
        f"the ConfigurationInventory report lacks the configurable "
        f"{ctx.dut.pixit.configurable_component}.{ctx.dut.pixit.configurable_variable}",
    )


@testcase("TC_B_13_CS")
async def test_base_report_full_inventory(ctx: CaseContext) -> None:
    """B07.FR.01, B07.FR.03: FullInventory is Accepted and reported completely, read-only
    variables included."""
    parts = await _base_report(ctx, "FullInventory")
    data = _reported(parts)
    for component, variable in (
        ("OCPPCommCtrlr", "HeartbeatInterval"),
        (ctx.dut.pixit.readonly_component, ctx.dut.pixit.readonly_variable),
        ("TxCtrlr", "TxStartPoint"),
        ("AuthCtrlr", "AuthorizeRemoteStart"),
    ):
        ctx.check(
            _has(data, component, variable),
            f"the FullInventory report ({len(parts)} part(s)) lacks {component}.{variable}",
            requirement="B07.FR.01",
        )


# The required variables of OCPP 2.0.1 Part 2, "Referenced Components and Variables", for the
# functional blocks of the Core profile (B, C, E, F, G, J and the security basics), as
# (component, variable, instance). Per EVSE / connector: see _PER_EVSE and _PER_CONNECTOR.
_REQUIRED_CORE = (
    ("OCPPCommCtrlr", "FileTransferProtocols", None),
    ("OCPPCommCtrlr", "MessageTimeout", "Default"),
    ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"),
    ("OCPPCommCtrlr", "NetworkConfigurationPriority", None),
    ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", None),
    ("OCPPCommCtrlr", "OfflineThreshold", None),
    ("OCPPCommCtrlr", "ResetRetries", None),
    ("OCPPCommCtrlr", "RetryBackOffRandomRange", None),
    ("OCPPCommCtrlr", "RetryBackOffRepeatTimes", None),
    ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", None),
    ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", None),
    ("OCPPCommCtrlr", "WebSocketPingInterval", None),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"),
    ("DeviceDataCtrlr", "BytesPerMessage", "GetReport"),
    ("DeviceDataCtrlr", "BytesPerMessage", "GetVariables"),
    ("SecurityCtrlr", "OrganizationName", None),
    ("SecurityCtrlr", "CertificateEntries", None),
    ("SecurityCtrlr", "SecurityProfile", None),
    ("AuthCtrlr", "AuthorizeRemoteStart", None),
    ("AuthCtrlr", "LocalAuthorizeOffline", None),
    ("AuthCtrlr", "LocalPreAuthorize", None),
    ("TxCtrlr", "EVConnectionTimeOut", None),
    ("TxCtrlr", "StopTxOnEVSideDisconnect", None),
    ("TxCtrlr", "StopTxOnInvalidId", None),
    ("TxCtrlr", "TxStartPoint", None),
    ("TxCtrlr", "TxStopPoint", None),
    ("SampledDataCtrlr", "TxEndedMeasurands", None),
    ("SampledDataCtrlr", "TxEndedInterval", None),
    ("SampledDataCtrlr", "TxStartedMeasurands", None),
    ("SampledDataCtrlr", "TxUpdatedMeasurands", None),
    ("SampledDataCtrlr", "TxUpdatedInterval", None),
    ("AlignedDataCtrlr", "Measurands", None),
    ("AlignedDataCtrlr", "Interval", None),
    ("AlignedDataCtrlr", "TxEndedMeasurands", None),
    ("AlignedDataCtrlr", "TxEndedInterval", None),
    ("ClockCtrlr", "DateTime", None),
    ("ClockCtrlr", "TimeSource", None),
    ("ChargingStation", "AvailabilityState", None),
    ("ChargingStation", "Available", None),
    ("ChargingStation", "SupplyPhases", None),
)
_PER_EVSE = ("AvailabilityState", "Available", "Power", "SupplyPhases")
_PER_CONNECTOR = ("AvailabilityState", "Available", "ConnectorType", "SupplyPhases")


def _reported_keys(
    data: list[dict[str, Any]],
) -> set[tuple[str, int | None, int | None, str, str | None]]:
    """(component, evseId, connectorId, variable, instance) of every reported variable."""
    out = set()
    for d in data:
        evse = d["component"].get("evse") or {}
        out.add(
            (
                str(d["component"].get("name")),
                evse.get("id"),
                evse.get("connectorId"),
                str(d["variable"].get("name")),
                d["variable"].get("instance"),
            )
        )
    return out


@testcase("TC_B_53_CS")
async def test_base_report_required_variables(ctx: CaseContext) -> None:
    """B07 and Part 2 "Referenced Components and Variables": the FullInventory report holds
    every variable the specification marks required for the Core functional blocks, with
    the charging infrastructure (ChargingStation, each EVSE, each connector)."""
    parts = await _base_report(ctx, "FullInventory")
    keys = _reported_keys(_reported(parts))
    missing = [
        f"{c}.{v}" + (f"[{i}]" if i else "")
        for c, v, i in _REQUIRED_CORE
        if not any(k[0] == c and k[3] == v and k[4] == i for k in keys)
    ]
    for evse_id in ctx.dut.pixit.evse_ids:
        missing += [
            f"EVSE {evse_id}.{v}" for v in _PER_EVSE if ("EVSE", evse_id, None, v, None) not in keys
        ]
        for connector_id in range(1, ctx.dut.pixit.connectors(evse_id) + 1):
            missing += [
                f"Connector {evse_id}/{connector_id}.{v}"
                for v in _PER_CONNECTOR
                if ("Connector", evse_id, connector_id, v, None) not in keys
            ]
    ctx.check(
        not missing,
        f"the FullInventory report ({len(parts)} part(s), {len(keys)} variables) lacks the "
        f"required variable(s) {', '.join(missing)}",
        requirement="B07.FR.01",
    )


@testcase("TC_B_15_CS")
async def test_base_report_not_supported(ctx: CaseContext) -> None:
    """B07.FR.02: a base report the station does not support is answered NotSupported; one it
    accepts must then be delivered."""
    s = await states.booted(ctx)
    t0 = time.monotonic()
    result = await s.call("GetBaseReport", {"requestId": 4242, "reportBase": "SummaryInventory"})
    status = result.get("status")
    ctx.check(
        status in ("NotSupported", "Accepted", "EmptyResultSet"),
        f"GetBaseReportResponse for SummaryInventory says {status!r}; an unsupported report "
        f"base is answered NotSupported",
        requirement="B07.FR.02",
    )
    if status == "Accepted":
        await s.expect("NotifyReport", {"requestId": 4242}, predicate=states.after(t0))


# -- unknown / unsupported / read-only (B05, B06) -------------------------------------------


@testcase("TC_B_32_CS")
async def test_get_variables_unknown_component(ctx: CaseContext) -> None:
    """B06.FR.04: GetVariables for a component the station does not have: UnknownComponent."""
    s = await states.booted(ctx)
    result = await s.call(
        "GetVariables", {"getVariableData": [_get("UnknownCtrlr", "OfflineThreshold")]}
    )
    item = result["getVariableResult"][0]
    _check_result(ctx, item, "UnknownComponent", "B06.FR.04")
    ctx.check("attributeValue" not in item, "an UnknownComponent result carries a value")


@testcase("TC_B_33_CS")
async def test_get_variables_unknown_variable(ctx: CaseContext) -> None:
    """B06.FR.05: GetVariables for an unknown variable of a known component: UnknownVariable."""
    s = await states.booted(ctx)
    result = await s.call(
        "GetVariables", {"getVariableData": [_get("OCPPCommCtrlr", "UnknownVariable")]}
    )
    _check_result(ctx, result["getVariableResult"][0], "UnknownVariable", "B06.FR.05")


@testcase("TC_B_34_CS")
async def test_get_variables_unsupported_attribute(ctx: CaseContext) -> None:
    """B06.FR.06: an attribute type the variable does not have: NotSupportedAttributeType."""
    s = await states.booted(ctx)
    result = await s.call(
        "GetVariables",
        {"getVariableData": [_get("OCPPCommCtrlr", "OfflineThreshold", "Target")]},
    )
    item = result["getVariableResult"][0]
    ctx.check(
        item.get("attributeStatus") == "NotSupportedAttributeType",
        f"attributeStatus for the Target attribute of OCPPCommCtrlr.OfflineThreshold is "
        f"{item.get('attributeStatus')!r}, expected NotSupportedAttributeType",
        requirement="B06.FR.06",
    )


@testcase("TC_B_35_CS")
async def test_set_variables_unknown_component(ctx: CaseContext) -> None:
    """B05.FR.05: SetVariables for an unknown component: UnknownComponent."""
    s = await states.booted(ctx)
    items = await _set(ctx, s, [_set_item("UnknownCtrlr", "OfflineThreshold", "300")])
    _check_result(ctx, items[0], "UnknownComponent", "B05.FR.05")


@testcase("TC_B_36_CS")
async def test_set_variables_unknown_variable(ctx: CaseContext) -> None:
    """B05.FR.06: SetVariables for an unknown variable: UnknownVariable."""
    s = await states.booted(ctx)
    items = await _set(ctx, s, [_set_item("OCPPCommCtrlr", "UnknownVariable", "300")])
    _check_result(ctx, items[0], "UnknownVariable", "B05.FR.06")


@testcase("TC_B_37_CS")
async def test_set_variables_unsupported_attribute(ctx: CaseContext) -> None:
    """B05.FR.07: SetVariables for an attribute type the variable lacks:
    NotSupportedAttributeType."""
    s = await states.booted(ctx)
    items = await _set(ctx, s, [_set_item("OCPPCommCtrlr", "OfflineThreshold", "300", "Target")])
    ctx.check(
        items[0].get("attributeStatus") == "NotSupportedAttributeType",
        f"attributeStatus for the Target attribute is {items[0].get('attributeStatus')!r}, "
        f"expected NotSupportedAttributeType",
        requirement="B05.FR.07",
    )


@testcase("TC_B_39_CS")
async def test_set_variables_read_only(ctx: CaseContext) -> None:
    """B05.FR.08: a write to a read-only variable is Rejected and the value stays."""
    s = await states.booted(ctx)
    component = ctx.dut.pixit.readonly_component
    variable = ctx.dut.pixit.readonly_variable
    before = await states.get_variable(ctx, s, component, variable)
    items = await _set(ctx, s, [_set_item(component, variable, "FTP")])
    _check_result(ctx, items[0], "Rejected", "B05.FR.08")
    after = await states.get_variable(ctx, s, component, variable)
    ctx.check(
        after.get("attributeValue") == before.get("attributeValue"),
        f"{component}.{variable} changed from {before.get('attributeValue')!r} to "
        f"{after.get('attributeValue')!r} although it is read-only",
        requirement="B05.FR.08",
    )
