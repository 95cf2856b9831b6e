"""OCPP 2.0.1, DUT = CSMS, functional block N (Diagnostics): logs, customer information,
variable monitoring.

N01: the CSMS asks for a log upload (GetLogRequest) and takes the station's upload states
(LogStatusNotification); a second request while one is uploading cancels the first. N09/N10:
the CSMS asks a station to report and/or clear what it keeps about a customer and takes the
reports (NotifyCustomerInformation); a cleared customer's idToken also leaves the station's
Local Authorization List (N10.FR.02). N04: the CSMS sets several monitors in one request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.clock import now_iso
from conformance.session import Incoming
from testcases.ocpp201.csms import locallist, states

EVSE = 1  # <Configured evseId>
# OCPPCommCtrlr.FileTransferProtocols: the protocols a log upload location may use.
TRANSFER_SCHEMES = ("ftp", "ftps", "http", "https", "sftp")
CUSTOMER_IDENTIFIER = "OpenChargeAlliance"  # the value the official case prescribes


# -- N01 Retrieve Log Information ---------------------------------------------------------


async def _get_log(ctx: CaseContext, st: MockStation, log_type: str | None = None) -> Incoming:
    """The operator asks for a log (of `log_type`, checked when given); check the request's
    upload location and return it, not yet answered."""
    msg = await states.operator_request(ctx, st, "GetLog", "get_log", log_type=log_type)
    if log_type is not None:
        ctx.check(
            msg.payload.get("logType") == log_type,
            f"GetLogRequest logType is {msg.payload.get('logType')!r}, expected {log_type}",
        )
    location = str(msg.payload.get("log", {}).get("remoteLocation", ""))
    url = urlsplit(location)
    ctx.check(
        url.scheme.lower() in TRANSFER_SCHEMES and bool(url.netloc),
        f"GetLogRequest log.remoteLocation {location!r} is no URL the station can upload to "
        f"(an absolute {'/'.join(TRANSFER_SCHEMES)} URL is due)",
    )
    return msg


async def _log_status(st: MockStation, status: str, request_id: int) -> None:
    """The station reports an upload state; the CSMS must answer it (a CALLERROR fails)."""
    await st.conn.call("LogStatusNotification", {"status": status, "requestId": request_id})


async def _log_uploaded(ctx: CaseContext, log_type: str) -> None:
    st = await states.booted_station(ctx)
    msg = await _get_log(ctx, st, log_type)
    await msg.reply({"status": "Accepted", "filename": f"{log_type.lower()}.log"})
    request_id = int(msg.payload["requestId"])
    await _log_status(st, "Uploading", request_id)
    await _log_status(st, "Uploaded", request_id)


@testcase("TC_N_25_CSMS", verbs=("get_log",))
async def test_get_diagnostics_log(ctx: CaseContext) -> None:
    """N01: GetLog for the DiagnosticsLog; the station uploads it (Uploading, Uploaded with
    the request's requestId) and the CSMS answers each LogStatusNotification."""
    await _log_uploaded(ctx, "DiagnosticsLog")


@testcase("TC_N_35_CSMS", verbs=("get_log",))
async def test_get_security_log(ctx: CaseContext) -> None:
    """N01: the same for the SecurityLog."""
    await _log_uploaded(ctx, "SecurityLog")


@testcase("TC_N_34_CSMS", verbs=("get_log",))
async def test_get_log_rejected(ctx: CaseContext) -> None:
    """N01: the station rejects the GetLogRequest; the CSMS goes on serving it."""
    st = await states.booted_station(ctx)
    msg = await _get_log(ctx, st)
    await msg.reply({"status": "Rejected"})
    await states.still_serving(ctx, st, "a GetLogResponse with status Rejected")


@testcase("TC_N_36_CSMS", verbs=("get_log",))
async def test_get_log_second_request(ctx: CaseContext) -> None:
    """N01 (N01.FR.12 on the station's side): a second GetLog while the first log uploads;
    the station cancels the first upload (AcceptedCanceled) and uploads the second. The two
    requests need distinct requestIds, or their LogStatusNotifications cannot be told apart."""
    st = await states.booted_station(ctx)
    first = await _get_log(ctx, st)
    await first.reply({"status": "Accepted"})
    first_id = int(first.payload["requestId"])
    await _log_status(st, "Uploading", first_id)
    second = await _get_log(ctx, st)
    second_id = int(second.payload["requestId"])
    ctx.check(
        second_id != first_id,
        f"the second GetLogRequest reuses requestId {first_id} of the upload it cancels, so "
        f"the station's LogStatusNotifications of the two uploads cannot be told apart",
    )
    await second.reply({"status": "AcceptedCanceled"})
    await _log_status(st, "AcceptedCanceled", first_id)
    await _log_status(st, "Uploading", second_id)
    await _log_status(st, "Uploaded", second_id)


# -- N09 Get / N10 Clear Customer Information ---------------------------------------------


def _check_customer_request(
    ctx: CaseContext, msg: Incoming, report: bool, clear: bool | None, identifier: str | None
) -> None:
    """The CustomerInformationRequest asks for the report (`report`) and the clearing (`clear`,
    None: not checked) the operator chose, for the customer named by `identifier`, else by the
    configured valid idToken."""
    p = msg.payload
    ctx.check(
        p.get("report") is report,
        f"CustomerInformationRequest report is {p.get('report')}, expected {report}",
        requirement="N09.FR.01" if report else None,
    )
    if clear is not None:
        ctx.check(
            p.get("clear") is clear,
            f"CustomerInformationRequest clear is {p.get('clear')}, expected {clear}",
            requirement="N10.FR.08" if clear else None,
        )
    if identifier is not None:
        ctx.check(
            p.get("customerIdentifier") == identifier,
            f"CustomerInformationRequest customerIdentifier is {p.get('customerIdentifier')!r}, "
            f"expected {identifier!r}",
            requirement="N09.FR.04",
        )
    else:
        token = states.valid_token(ctx)
        got = p.get("idToken") or {}
        ctx.check(
            (got.get("idToken"), got.get("type")) == (token["idToken"], token["type"]),
            f"CustomerInformationRequest idToken is {got or None}, expected the configured "
            f"valid idToken {token}",
            requirement="N09.FR.04",
        )


async def _customer_information(
    ctx: CaseContext,
    *,
    report: bool,
    clear: bool,
    check_clear: bool = True,
    identifier: str | None = None,
    status: str = "Accepted",
    data: str | None = None,
) -> None:
    """The operator asks the CSMS to report (`report`) and/or clear (`clear`) a customer's
    data, named by the configured valid idToken or by `identifier`. Check the
    CustomerInformationRequest, answer `status` and, with `data`, send the report."""
    st = await states.booted_station(ctx)
    args: dict[str, Any] = {"report": report, "clear": clear}
    token = states.valid_token(ctx)
    if identifier is not None:
        args["customer_identifier"] = identifier
    else:
        args.update(id_token=token["idToken"], type=token["type"])
    msg = await states.operator_request(
        ctx, st, "CustomerInformation", "customer_information", **args
    )
    p = msg.payload
    _check_customer_request(ctx, msg, report, clear if check_clear else None, identifier)
    await msg.reply({"status": status})
    if data is not None:
        await st.conn.call(
            "NotifyCustomerInformation",
            {"data": data, "seqNo": 0, "generatedAt": now_iso(), "requestId": p["requestId"]},
        )
    if status != "Accepted":
        await states.still_serving(ctx, st, f"a CustomerInformationResponse {status}")


_DATA = "idToken {token}: 3 transactions, last one 2026-01-05T10:00:00Z, 21.4 kWh"
_NO_DATA = "No customer information found"


@testcase("TC_N_27_CSMS", verbs=("customer_information",))
async def test_get_customer_information_data(ctx: CaseContext) -> None:
    """N09.FR.01, N09.FR.04: report the customer's data (idToken); the station sends it."""
    data = _DATA.format(token=ctx.dut.pixit.valid_idtoken_idtoken)
    await _customer_information(ctx, report=True, clear=False, check_clear=False, data=data)


@testcase("TC_N_28_CSMS", verbs=("customer_information",))
async def test_get_customer_information_no_data(ctx: CaseContext) -> None:
    """N09.FR.01, N09.FR.04: the same, and the station has no data for the customer."""
    await _customer_information(ctx, report=True, clear=False, check_clear=False, data=_NO_DATA)


@testcase("TC_N_29_CSMS", verbs=("customer_information",))
async def test_get_customer_information_rejected(ctx: CaseContext) -> None:
    """N09.FR.01, N09.FR.04: the station rejects the request; the CSMS goes on serving it."""
    await _customer_information(ctx, report=True, clear=False, check_clear=False, status="Rejected")


@testcase("TC_N_30_CSMS", verbs=("customer_information",))
async def test_clear_customer_information_data(ctx: CaseContext) -> None:
    """N10.FR.08: clear and report the customer's data (idToken); the station reports it."""
    data = _DATA.format(token=ctx.dut.pixit.valid_idtoken_idtoken)
    await _customer_information(ctx, report=True, clear=True, data=data)


@testcase("TC_N_31_CSMS", verbs=("customer_information",))
async def test_clear_customer_information_no_data(ctx: CaseContext) -> None:
    """N10.FR.08: clear and report; the station has no data for the customer."""
    await _customer_information(ctx, report=True, clear=True, data=_NO_DATA)


@testcase("TC_N_32_CSMS", verbs=("customer_information",))
async def test_clear_customer_information_no_report(ctx: CaseContext) -> None:
    """N10.FR.08: clear the customer's data without a report."""
    await _customer_information(ctx, report=False, clear=True)


@testcase("TC_N_62_CSMS", verbs=("customer_information",))
async def test_clear_customer_information_identifier(ctx: CaseContext) -> None:
    """N10.FR.08, N09.FR.04: clear and report raw customer data named by the
    customerIdentifier "OpenChargeAlliance"; the station reports it."""
    await _customer_information(
        ctx,
        report=True,
        clear=True,
        identifier=CUSTOMER_IDENTIFIER,
        data=f"customerIdentifier {CUSTOMER_IDENTIFIER}: 1 stored record",
    )


@testcase("TC_N_46_CSMS", verbs=("send_local_list", "customer_information"))
async def test_clear_customer_information_local_list(ctx: CaseContext) -> None:
    """N10.FR.02, N10.FR.08, D01.FR.01, D01.FR.17: the CSMS put the configured valid idToken
    on the station's Local Authorization List (memory state). The operator clears (and
    reports) that customer's data; once the station accepted, the CSMS must take the idToken
    off the station's list: a Differential update whose entry for it has no idTokenInfo, with
    the version after the list's (the official text asks for exactly one above it)."""
    st = await states.booted_station(ctx)
    token = states.valid_token(ctx)
    await locallist.list_installed(ctx, st, [token])
    version = st.model.local_list_version
    st.conn.hold("SendLocalList")  # the CSMS may update the list before or after the report
    args = {"report": True, "clear": True, "id_token": token["idToken"], "type": token["type"]}
    msg = await states.operator_request(
        ctx, st, "CustomerInformation", "customer_information", **args
    )
    _check_customer_request(ctx, msg, report=True, clear=True, identifier=None)
    await msg.reply({"status": "Accepted"})
    await st.conn.call(
        "NotifyCustomerInformation",
        {
            "data": _DATA.format(token=token["idToken"]),
            "seqNo": 0,
            "generatedAt": now_iso(),
            "requestId": msg.payload["requestId"],
        },
    )
    update = await states.csms_request(
        ctx,
        st,
        "SendLocalList",
        why=f"N10.FR.02: the cleared customer's idToken {token['idToken']!r} is on the "
        f"station's Local Authorization List",
    )
    entries = locallist.check_request(ctx, update, "Differential")
    entry = next((e for e in entries if locallist.token_of(e) == token["idToken"]), None)
    ctx.check(
        entry is not None and "idTokenInfo" not in entry,
        f"the SendLocalListRequest after the customer's data was cleared does not remove the "
        f"idToken {token['idToken']!r}: that needs an entry for it without idTokenInfo, but "
        f"the entries are {[(locallist.token_of(e), 'idTokenInfo' in e) for e in entries]} "
        f"(idToken, has idTokenInfo)",
        requirement="D01.FR.17",
        frame=update.text,
    )
    locallist.check_version_above(ctx, update, version)
    got = update.payload.get("versionNumber")
    ctx.warn(
        got == version + 1,
        f"the SendLocalListRequest versionNumber is {got!r}; the official case expects "
        f"{version + 1}, one above the station's list version {version}",
        frame=update.text,
    )
    await locallist.answer(ctx, st, update)


# -- N04 Set Variable Monitoring ----------------------------------------------------------

_MONITORS = [
    {"component": "EVSE", "evse_id": EVSE, "variable": "AvailabilityState"},
    {"component": "ChargingStation", "variable": "AvailabilityState"},
]


@testcase("TC_N_09_CSMS", verbs=("set_variable_monitoring",))
async def test_set_monitoring_multiple(ctx: CaseContext) -> None:
    """N04.FR.01, N04.FR.17: one SetVariableMonitoringRequest sets Delta monitors (value 1,
    severity 8) on EVSE <evseId>.AvailabilityState and ChargingStation.AvailabilityState."""
    st = await states.booted_station(ctx)
    monitors = [{**m, "type": "Delta", "value": 1, "severity": 8} for m in _MONITORS]
    msg = await states.operator_request(
        ctx, st, "SetVariableMonitoring", "set_variable_monitoring", monitors=monitors
    )
    data = msg.payload.get("setMonitoringData", [])
    for want in _MONITORS:
        name, variable = want["component"], want["variable"]
        found = [
            d
            for d in data
            if d["component"].get("name") == name and d["variable"].get("name") == variable
        ]
        if not ctx.check(
            len(found) == 1,
            f"SetVariableMonitoringRequest has {len(found)} setMonitoringData element(s) for "
            f"{name}.{variable}, expected one",
        ):
            continue
        item = found[0]
        ctx.check(
            (item.get("type"), item.get("value"), item.get("severity")) == ("Delta", 1, 8),
            f"SetVariableMonitoringRequest monitor on {name}.{variable} is type "
            f"{item.get('type')!r}, value {item.get('value')}, severity {item.get('severity')}; "
            f"expected Delta, value 1 (the recommended value for a non-numeric variable), 8",
            requirement="N04.FR.17",
        )
        if "evse_id" in want:
            evse = item["component"].get("evse") or {}
            ctx.check(
                evse.get("id") == want["evse_id"],
                f"SetVariableMonitoringRequest monitor on {name}.{variable} names evse "
                f"{evse or None}, expected evse.id {want['evse_id']}",
            )
    # N04.FR.01/02 (the station's side): one result per element, same component/variable.
    results = [
        {
            "id": n,
            "status": "Accepted",
            "type": item["type"],
            "severity": item["severity"],
            "component": item["component"],
            "variable": item["variable"],
        }
        for n, item in enumerate(data, start=1)
    ]
    await msg.reply({"setMonitoringResult": results})
