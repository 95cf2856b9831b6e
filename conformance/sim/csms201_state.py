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
    "DataTransfer": {"status": "UnknownVendorId"},
    "SignCertificate": {"status": "Rejected"},
    "GetCertificateStatus": {"status": "Failed"},
    "NotifyEVChargingNeeds": {"status": "Rejected"},
    "NotifyEVChargingSchedule": {"status": "Rejected"},
}


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

    def token_status(self, id_token: str) -> str:
        o = self.options
        if id_token in o.valid_tokens:
            return "Accepted"
        if id_token in o.blocked_tokens:
            return "Blocked"
        if id_token in o.expired_tokens:
            return "Expired"
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
        rec.connectors[f"{payload['evseId']}/{payload['connectorId']}"] = payload["connectorStatus"]
        if self.faults.on("c201-no-response"):
            return Answer(silent=True)
        return Answer({})

    def _on_NotifyEvent(self, rec: StationRecord, payload: Mapping[str, Any], _uid: str) -> Answer:
        rec.events.extend(payload.get("eventData", []))
        return Answer({})

    def _on_NotifyReport(self, rec: StationRecord, payload: Mapping[str, Any], _uid: str) -> Answer:
        rec.reports.setdefault(int(payload["requestId"]), []).extend(payload.get("reportData", []))
        if not payload.get("tbc", False):
            rec.allowed_while_pending.discard("NotifyReport")
        if self.faults.on("c201-callerror-instead-of-result"):
            return Answer(error="InternalError", description="report store unavailable")
        return Answer({})

    def _on_MeterValues(self, rec: StationRecord, _p: Mapping[str, Any], _uid: str) -> Answer:
        rec.meter_values += 1
        return Answer({})

    def _on_Authorize(self, _rec: StationRecord, payload: Mapping[str, Any], _uid: str) -> Answer:
        status = self.token_status(str(payload["idToken"]["idToken"]))
        delay = self.late_delay if self.faults.on("c201-late-response") else 0.0
        return Answer({"idTokenInfo": {"status": status}}, delay=delay)

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
        if payload["eventType"] == "Ended":
            tx.ended = True
        out: dict[str, Any] = {}
        token = payload.get("idToken")
        if token is not None:
            tx.id_token = dict(token)
            omit = payload["eventType"] == "Started" and self.faults.on(
                "c201-tx-started-no-idtokeninfo"
            )
            if not omit:
                out["idTokenInfo"] = {"status": self.token_status(str(token["idToken"]))}
        if self.faults.on("c201-wrong-message-id"):
            return Answer(out, unique_id=(uid + "-x")[-36:])
        return Answer(out)
