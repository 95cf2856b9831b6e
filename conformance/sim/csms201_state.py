"""What the reference 2.0.1 CSMS knows about its stations, and how it answers their requests.

A correct Core CSMS: a boot policy per station (Accepted unless an operator asked for Pending
or Rejected), SecurityError for requests a Pending/Rejected station may not send (B02.FR.09,
B03.FR.07), Authorize and TransactionEvent judged against its token list, and bookkeeping of
connectors, transactions (seqNo per transaction), reports and events for `GET /state`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.ocppj import Call
from conformance.sim.csms201_link import Answer
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import CsmsOptions


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class TxRecord:
    """One transaction as the CSMS saw it through TransactionEvent."""

    transaction_id: str
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: dict[str, Any] | None = None
    remote_start_id: int | None = None
    seq_nos: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    charging_state: str | None = None
    stopped_reason: str | None = None
    ended: bool = False


@dataclass
class StationRecord:
    """Everything the CSMS keeps per station id (it survives reconnects, as in a real CSMS)."""

    station_id: str
    registration: str = "Unknown"  # Accepted / Pending / Rejected after a BootNotification
    next_boot: tuple[str, int] | None = None  # an operator's answer for the next boot
    boot: dict[str, Any] | None = None
    connectors: dict[str, str] = field(default_factory=dict)  # "evse/connector" → status
    transactions: dict[str, TxRecord] = field(default_factory=dict)
    reports: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    meter_values: int = 0
    # J01/J02: the last energy register per EVSE ("0" is the main meter), from MeterValues and
    # from the meterValue of TransactionEvents, and how many signed samples came in.
    meter_registers: dict[str, float] = field(default_factory=dict)
    signed_meter_values: int = 0
    # G05: connectors whose plug retention lock reported a Problem (NotifyEvent).
    lock_problems: dict[str, bool] = field(default_factory=dict)
    # G03/G04: the operational status the station accepted, per "station", "evse" or
    # "evse/connector"; a Scheduled change waits in pending_availability.
    availability: dict[str, str] = field(default_factory=dict)
    pending_availability: dict[str, str] = field(default_factory=dict)
    heartbeats: int = 0
    # While Pending, requests the station may still send: those the CSMS itself triggered.
    allowed_while_pending: set[str] = field(default_factory=set)
    responses: dict[str, Any] = field(default_factory=dict)  # last answer per CSMS request
    last_seq_no: int = -1  # only used by the seqNo-per-station fault

    def open_transaction(self) -> TxRecord | None:
        open_ = [t for t in self.transactions.values() if not t.ended]
        return open_[-1] if open_ else None

    def to_json(self) -> dict[str, Any]:
        return {
            "registration": self.registration,
            "boot": self.boot,
            "connectors": dict(self.connectors),
            "transactions": {
                k: {
                    "evseId": t.evse_id,
                    "connectorId": t.connector_id,
                    "idToken": t.id_token,
                    "remoteStartId": t.remote_start_id,
                    "seqNos": list(t.seq_nos),
                    "events": list(t.events),
                    "chargingState": t.charging_state,
                    "stoppedReason": t.stopped_reason,
                    "ended": t.ended,
                }
                for k, t in self.transactions.items()
            },
            "reports": {str(k): len(v) for k, v in self.reports.items()},
            "events": len(self.events),
            "meterValues": self.meter_values,
            "meterRegisters": dict(self.meter_registers),
            "signedMeterValues": self.signed_meter_values,
            "lockProblems": dict(self.lock_problems),
            "availability": dict(self.availability),
            "pendingAvailability": dict(self.pending_availability),
            "heartbeats": self.heartbeats,
            "responses": dict(self.responses),
        }


# Answers to station requests the reference CSMS only acknowledges (schema-valid minimal ones).
_ACKNOWLEDGED: dict[str, dict[str, Any]] = {
    "SecurityEventNotification": {},
    "FirmwareStatusNotification": {},
    "LogStatusNotification": {},
    "PublishFirmwareStatusNotification": {},
    "NotifyMonitoringReport": {},
    "NotifyChargingLimit": {},
    "ClearedChargingLimit": {},
    "ReportChargingProfiles": {},
    "ReservationStatusUpdate": {},
    "NotifyCustomerInformation": {},
    "NotifyDisplayMessages": {},
    "SignCertificate": {"status": "Rejected"},
    "GetCertificateStatus": {"status": "Failed"},
    "NotifyEVChargingNeeds": {"status": "Rejected"},
    "NotifyEVChargingSchedule": {"status": "Rejected"},
}


# The vendorId of the reference CSMS's own DataTransfer messages; it defines no messageId.
OWN_VENDOR_ID = "ocpp-conformance"


def _has_custom_data(value: Any) -> bool:
    """Whether a payload carries customData at any depth (every 2.0.1 type allows it)."""
    if isinstance(value, Mapping):
        return "customData" in value or any(_has_custom_data(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_custom_data(v) for v in value)
    return False


class Csms201State:
    """The CSMS's memory and its answers to station requests."""

    def __init__(self, options: CsmsOptions, faults: ActiveFaults) -> None:
        self.options = options
        self.faults = faults
        self.stations: dict[str, StationRecord] = {}
        self.late_delay = float(options.extra.get("late_response_delay", 8.0))

    def record(self, station_id: str) -> StationRecord:
        rec = self.stations.get(station_id)
        if rec is None:
            rec = self.stations[station_id] = StationRecord(station_id)
        return rec

    def token_info(self, id_token: str) -> dict[str, Any]:
        """idTokenInfo for `id_token`: its status and, when Accepted, the group it belongs to
        (C09: the valid tokens share a groupIdToken; C16: a master pass carries the
        MasterPassGroupId, which is how the station recognises it)."""
        o = self.options
        info: dict[str, Any] = {"status": self.token_status(id_token)}
        group = None
        if id_token in o.valid_tokens and not self.faults.on("c201-group-id-missing"):
            group = o.group_token
        elif id_token in o.master_pass_tokens and not self.faults.on("c201-master-pass-no-group"):
            group = o.master_pass_group
        if group and info["status"] == "Accepted":
            info["groupIdToken"] = {"idToken": group, "type": "Central"}
        return info

    def token_status(self, id_token: str) -> str:
        o = self.options
        if id_token in o.valid_tokens or id_token in o.master_pass_tokens:
            return "Accepted"
        if id_token in o.blocked_tokens:
            return "Accepted" if self.faults.on("c201-blocked-token-accepted") else "Blocked"
        if id_token in o.expired_tokens:
            return "Accepted" if self.faults.on("c201-expired-token-accepted") else "Expired"
        if self.faults.on("c201-unknown-token-accepted"):
            return "Accepted"
        return "Invalid"

    # -- dispatch --------------------------------------------------------------------------

    async def handle(self, station_id: str, call: Call) -> Answer:
        rec = self.record(station_id)
        action = call.action
        if action != "BootNotification" and rec.registration in ("Pending", "Rejected"):
            allowed = rec.registration == "Pending" and action in rec.allowed_while_pending
            if not allowed and not self.faults.on("c201-no-security-error"):
                return Answer(
                    error="SecurityError",
                    description=f"station is {rec.registration}: only BootNotification allowed",
                )
            if action != "NotifyReport":
                rec.allowed_while_pending.discard(action)
        if self.faults.on("c201-custom-data-rejected") and _has_custom_data(call.payload):
            return Answer(
                error="FormatViolation", description="customData is not an allowed property"
            )
        method = getattr(self, f"_on_{action}", None)
        if method is not None:
            answer: Answer = method(rec, call.payload, call.unique_id)
            return answer
        if action in _ACKNOWLEDGED:
            return Answer(_ACKNOWLEDGED[action])
        return Answer(error="NotSupported", description=f"{action} is not supported")

    # -- handlers (named after the action) -------------------------------------------------

    def _on_BootNotification(
        self, rec: StationRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        status, interval = rec.next_boot or ("Accepted", self.options.heartbeat_interval)
        rec.next_boot = None
        if self.faults.on("c201-pending-ignored"):
            status = "Accepted"
        if status == "Accepted" and self.faults.on("c201-boot-interval-zero"):
            interval = 0
        current = now_iso()
        if self.faults.on("c201-boot-bad-time"):
            current = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S")  # no T, no zone
        rec.registration = status
        rec.boot = dict(payload)
        rec.allowed_while_pending.clear()
        return Answer({"currentTime": current, "interval": interval, "status": status})

    def _on_Heartbeat(self, rec: StationRecord, _p: Mapping[str, Any], _uid: str) -> Answer:
        rec.heartbeats += 1
        if self.faults.on("c201-heartbeat-no-time"):
            return Answer({})
        return Answer({"currentTime": now_iso()})

    def _on_StatusNotification(
        self, rec: StationRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        where = f"{payload['evseId']}/{payload['connectorId']}"
        rec.connectors[where] = payload["connectorStatus"]
        if payload["connectorStatus"] == "Unavailable":
            # A Scheduled ChangeAvailability took effect once the transaction ended (G03.FR.05).
            for target in ("station", str(payload["evseId"]), where):
                if rec.pending_availability.get(target) == "Inoperative":
                    rec.availability[target] = rec.pending_availability.pop(target)
        if self.faults.on("c201-no-response"):
            return Answer(silent=True)
        return Answer({})

    def _on_NotifyEvent(self, rec: StationRecord, payload: Mapping[str, Any], _uid: str) -> Answer:
        events = payload.get("eventData", [])
        rec.events.extend(events)
        for event in events:
            if event["variable"]["name"] != "Problem":
                continue
            if self.faults.on("c201-notify-event-problem-error"):
                return Answer(error="InternalError", description="no handler for Problem events")
            comp = event["component"]
            if comp["name"] == "ConnectorPlugRetentionLock":
                evse = comp.get("evse") or {}
                where = f"{evse.get('id', 0)}/{evse.get('connectorId', 0)}"
                rec.lock_problems[where] = str(event["actualValue"]).lower() == "true"
        return Answer({})

    def _on_NotifyReport(self, rec: StationRecord, payload: Mapping[str, Any], _uid: str) -> Answer:
        rec.reports.setdefault(int(payload["requestId"]), []).extend(payload.get("reportData", []))
        if not payload.get("tbc", False):
            rec.allowed_while_pending.discard("NotifyReport")
        if self.faults.on("c201-callerror-instead-of-result"):
            return Answer(error="InternalError", description="report store unavailable")
        return Answer({})

    def _on_MeterValues(self, rec: StationRecord, payload: Mapping[str, Any], _uid: str) -> Answer:
        evse_id = int(payload["evseId"])
        if evse_id == 0 and self.faults.on("c201-meter-evse0-rejected"):
            return Answer(
                error="PropertyConstraintViolation", description="evseId 0 is not an EVSE"
            )
        problem = self._meter_problem(payload["meterValue"], transaction=False)
        if problem is not None:
            return problem
        rec.meter_values += 1
        self._book_meter_values(rec, str(evse_id), payload["meterValue"])
        return Answer({})

    def _meter_problem(self, values: list[dict[str, Any]], *, transaction: bool) -> Answer | None:
        """The CALLERROR a faulty CSMS answers meter values with (None: a correct CSMS)."""
        for mv in values:
            for sv in mv["sampledValue"]:
                context = sv.get("context", "Sample.Periodic")
                if "signedMeterValue" in sv and self.faults.on("c201-signed-meter-rejected"):
                    return Answer(error="FormatViolation", description="signedMeterValue")
                if (
                    transaction
                    and context != "Sample.Periodic"
                    and self.faults.on("c201-tx-meter-context-rejected")
                ):
                    return Answer(
                        error="PropertyConstraintViolation",
                        description=f"context {context} is not expected in a transaction",
                    )
                value = float(sv["value"])
                if value != int(value) and self.faults.on("c201-meter-decimal-rejected"):
                    return Answer(
                        error="TypeConstraintViolation", description="value is not an integer"
                    )
        return None

    @staticmethod
    def _book_meter_values(rec: StationRecord, evse: str, values: list[dict[str, Any]]) -> None:
        for mv in values:
            for sv in mv["sampledValue"]:
                if "signedMeterValue" in sv:
                    rec.signed_meter_values += 1
                measurand = sv.get("measurand", "Energy.Active.Import.Register")
                if measurand == "Energy.Active.Import.Register" and "phase" not in sv:
                    rec.meter_registers[evse] = float(sv["value"])

    def _on_DataTransfer(
        self, _rec: StationRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        """P02: the reference CSMS implements no vendor extension of its own."""
        if self.faults.on("c201-data-transfer-accepted"):
            return Answer({"status": "Accepted"})
        if payload["vendorId"] != OWN_VENDOR_ID:
            return Answer({"status": "UnknownVendorId"})  # P02.FR.06
        return Answer({"status": "UnknownMessageId"})  # P02.FR.07: none of its messageIds

    def _on_Authorize(self, _rec: StationRecord, payload: Mapping[str, Any], _uid: str) -> Answer:
        info = self.token_info(str(payload["idToken"]["idToken"]))
        delay = self.late_delay if self.faults.on("c201-late-response") else 0.0
        return Answer({"idTokenInfo": info}, delay=delay)

    def _on_TransactionEvent(
        self, rec: StationRecord, payload: Mapping[str, Any], uid: str
    ) -> Answer:
        info = payload["transactionInfo"]
        seq_no = int(payload["seqNo"])
        if self.faults.on("c201-seqno-per-station") and seq_no <= rec.last_seq_no:
            return Answer(
                error="PropertyConstraintViolation",
                description=f"seqNo {seq_no} is not above the last one ({rec.last_seq_no})",
            )
        rec.last_seq_no = seq_no
        tx_id = str(info["transactionId"])
        tx = rec.transactions.get(tx_id)
        if tx is None:
            tx = rec.transactions[tx_id] = TxRecord(tx_id)
        tx.seq_nos.append(seq_no)
        tx.events.append(f"{payload['eventType']}/{payload['triggerReason']}")
        evse = payload.get("evse")
        if evse:
            tx.evse_id = evse.get("id", tx.evse_id)
            tx.connector_id = evse.get("connectorId", tx.connector_id)
        if "remoteStartId" in info:
            tx.remote_start_id = info["remoteStartId"]
        tx.charging_state = info.get("chargingState", tx.charging_state)
        tx.stopped_reason = info.get("stoppedReason", tx.stopped_reason)
        meter = payload.get("meterValue") or []
        problem = self._meter_problem(meter, transaction=True)
        if problem is not None:
            return problem
        evse_key = str(tx.evse_id) if tx.evse_id is not None else "?"
        self._book_meter_values(rec, evse_key, meter)
        if payload["eventType"] == "Ended":
            tx.ended = True
        out: dict[str, Any] = {}
        token = payload.get("idToken")
        if token is not None:
            tx.id_token = dict(token)
            event = payload["eventType"]
            omit = (event == "Started" and self.faults.on("c201-tx-started-no-idtokeninfo")) or (
                event == "Updated" and self.faults.on("c201-tx-updated-no-idtokeninfo")
            )
            # C12: a token the station authorized from its cache is still judged by the CSMS.
            trusted = event == "Updated" and self.faults.on("c201-tx-updated-token-trusted")
            info = self.token_info(str(token["idToken"]))
            if trusted:
                info["status"] = "Accepted"
            if not omit:
                out["idTokenInfo"] = info
        if self.faults.on("c201-wrong-message-id"):
            return Answer(out, unique_id=(uid + "-x")[-36:])
        return Answer(out)
