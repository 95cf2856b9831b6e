"""What the reference 1.6 Central System knows about its charge points, and how it answers them.

A correct Core Central System: a boot policy per charge point (Accepted unless an operator asked
for Pending or Rejected), Authorize / StartTransaction / StopTransaction judged against its idTag
list, transactionIds it assigns itself (unique across all charge points), and bookkeeping of
connectors, transactions and meter values for `GET /state`. Records survive reconnects: a charge
point that comes back online (or reboots) still has its open transactions, so queued
StartTransaction / StopTransaction messages (OCPP 1.6 section 4.7 and 4.8) are accepted.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.ocppj import Call
from conformance.sim.csms16_firmware import notification_error
from conformance.sim.csms16_link import Answer
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import CsmsOptions

# The stale-timestamp fault treats a StartTransaction older than this as not trustworthy.
_STALE_AFTER = _dt.timedelta(seconds=30)


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Tx16Record:
    """One transaction as the Central System saw it (StartTransaction .. StopTransaction)."""

    transaction_id: int
    connector_id: int
    id_tag: str
    meter_start: int
    started: str
    meter_stop: int | None = None
    stop_reason: str | None = None
    stopped: str | None = None
    meter_values: int = 0
    ended: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "connectorId": self.connector_id,
            "idTag": self.id_tag,
            "meterStart": self.meter_start,
            "started": self.started,
            "meterStop": self.meter_stop,
            "reason": self.stop_reason,
            "stopped": self.stopped,
            "meterValues": self.meter_values,
            "ended": self.ended,
        }


@dataclass
class ChargePointRecord:
    """Everything the Central System keeps per charge point id (it survives reconnects)."""

    station_id: str
    registration: str = "Unknown"  # Accepted / Pending / Rejected after a BootNotification
    next_boot: tuple[str, int] | None = None  # an operator's answer for the next boot
    boot: dict[str, Any] | None = None
    connectors: dict[int, dict[str, str]] = field(default_factory=dict)  # id → status/errorCode
    transactions: dict[int, Tx16Record] = field(default_factory=dict)
    meter_values: int = 0
    heartbeats: int = 0
    data_transfers: int = 0
    connections: int = 0
    # While Pending, requests the charge point may still send: those the CSMS triggered.
    allowed_while_pending: set[str] = field(default_factory=set)
    responses: dict[str, Any] = field(default_factory=dict)  # last answer per CSMS request
    # The Local Authorization List the Central System last sent (idTag -> idTagInfo).
    local_list: dict[str, dict[str, Any]] = field(default_factory=dict)
    list_version: int = 0
    reservations: dict[int, int] = field(default_factory=dict)  # reservationId -> connectorId

    def open_transaction(self, connector_id: int | None = None) -> Tx16Record | None:
        open_ = [
            t
            for t in self.transactions.values()
            if not t.ended and (connector_id is None or t.connector_id == connector_id)
        ]
        return open_[-1] if open_ else None

    def to_json(self) -> dict[str, Any]:
        return {
            "registration": self.registration,
            "boot": self.boot,
            "connectors": {str(k): dict(v) for k, v in self.connectors.items()},
            "transactions": {str(k): t.to_json() for k, t in self.transactions.items()},
            "meterValues": self.meter_values,
            "heartbeats": self.heartbeats,
            "dataTransfers": self.data_transfers,
            "connections": self.connections,
            "responses": dict(self.responses),
        }


# Notifications the Core Central System only acknowledges (their answers are empty objects).
_ACKNOWLEDGED = frozenset(
    {
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "LogStatusNotification",
        "SecurityEventNotification",
        "SignedFirmwareStatusNotification",
    }
)


class Csms16State:
    """The Central System's memory and its answers to charge point requests."""

    def __init__(self, options: CsmsOptions, faults: ActiveFaults) -> None:
        self.options = options
        self.faults = faults
        self.stations: dict[str, ChargePointRecord] = {}
        self.late_delay = float(options.extra.get("late_response_delay", 8.0))
        self._transaction_ids = itertools.count(1)

    def record(self, station_id: str) -> ChargePointRecord:
        rec = self.stations.get(station_id)
        if rec is None:
            rec = self.stations[station_id] = ChargePointRecord(station_id)
        return rec

    def connected(self, station_id: str) -> None:
        """A (new) connection of `station_id`; its records stay, as in a real back office."""
        rec = self.record(station_id)
        rec.connections += 1
        if rec.connections > 1 and self.faults.on("c16-forget-tx-on-reconnect"):
            rec.transactions.clear()

    def id_tag_info(self, id_tag: str) -> dict[str, Any]:
        o = self.options
        if id_tag in o.valid_tokens:
            status = "Accepted"
        elif id_tag in o.blocked_tokens:
            status = "Invalid" if self.faults.on("c16-blocked-as-invalid") else "Blocked"
        elif id_tag in o.expired_tokens:
            status = "Invalid" if self.faults.on("c16-expired-as-invalid") else "Expired"
        elif self.faults.on("c16-unknown-token-accepted"):
            status = "Accepted"
        else:
            status = "Invalid"
        info: dict[str, Any] = {"status": status}
        if status == "Accepted" and o.group_token and id_tag in o.valid_tokens:
            info["parentIdTag"] = o.group_token  # the valid tokens share a group (TC_053)
        return info

    # -- dispatch --------------------------------------------------------------------------

    async def handle(self, station_id: str, call: Call) -> Answer:
        rec = self.record(station_id)
        action = call.action
        if action != "BootNotification" and rec.registration in ("Pending", "Rejected"):
            # OCPP 1.6 section 4.2: until Accepted, a charge point sends only BootNotification
            # (and, while Pending, what the Central System itself asked for).
            if not (rec.registration == "Pending" and action in rec.allowed_while_pending):
                return Answer(
                    error="SecurityError",
                    description=f"charge point is {rec.registration}: only BootNotification",
                )
            rec.allowed_while_pending.discard(action)
        method = getattr(self, f"_on_{action}", None)
        if method is not None:
            answer: Answer = method(rec, call.payload, call.unique_id)
            return answer
        if action in _ACKNOWLEDGED:
            if notification_error(action, self.faults):
                return Answer(error="InternalError", description=f"{action} not stored")
            return Answer({})
        return Answer(error="NotSupported", description=f"{action} is not supported")

    # -- handlers (named after the action) -------------------------------------------------

    def _on_BootNotification(
        self, rec: ChargePointRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        status, interval = rec.next_boot or ("Accepted", self.options.heartbeat_interval)
        rec.next_boot = None
        if status == "Accepted" and self.faults.on("c16-boot-interval-zero"):
            interval = 0
        rec.registration = status
        rec.boot = dict(payload)
        rec.allowed_while_pending.clear()
        return Answer({"currentTime": now_iso(), "interval": interval, "status": status})

    def _on_Heartbeat(self, rec: ChargePointRecord, _p: Mapping[str, Any], _uid: str) -> Answer:
        rec.heartbeats += 1
        if self.faults.on("c16-heartbeat-no-time"):
            return Answer({})
        return Answer({"currentTime": now_iso()})

    def _on_StatusNotification(
        self, rec: ChargePointRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        rec.connectors[int(payload["connectorId"])] = {
            "status": str(payload["status"]),
            "errorCode": str(payload["errorCode"]),
        }
        if self.faults.on("c16-status-no-response"):
            return Answer(silent=True)
        return Answer({})

    def _on_Authorize(
        self, _rec: ChargePointRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        delay = self.late_delay if self.faults.on("c16-late-response") else 0.0
        return Answer({"idTagInfo": self.id_tag_info(str(payload["idTag"]))}, delay=delay)

    def _on_StartTransaction(
        self, rec: ChargePointRecord, payload: Mapping[str, Any], uid: str
    ) -> Answer:
        tx_id = next(self._transaction_ids)
        id_tag = str(payload["idTag"])
        tx = Tx16Record(
            tx_id,
            int(payload["connectorId"]),
            id_tag,
            int(payload["meterStart"]),
            str(payload["timestamp"]),
        )
        rec.transactions[tx_id] = tx
        info = self.id_tag_info(id_tag)
        if self.faults.on("c16-start-tx-ignores-idtag"):
            info = {"status": "Accepted"}
        reservation_id = payload.get("reservationId")
        if reservation_id is not None:
            rec.reservations.pop(int(reservation_id), None)  # used: the reservation ends
            if self.faults.on("c16-reservation-start-rejected"):
                info = {"status": "Invalid"}
        if self.faults.on("c16-stale-timestamp-rejected"):
            started = _parse_time(tx.started)
            if started is not None and _dt.datetime.now(_dt.UTC) - started > _STALE_AFTER:
                info = {"status": "Invalid"}
        out = {"idTagInfo": info, "transactionId": tx_id}
        if self.faults.on("c16-wrong-message-id"):
            return Answer(out, unique_id=(uid + "-x")[-36:])
        return Answer(out)

    def _on_StopTransaction(
        self, rec: ChargePointRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        tx_id = int(payload["transactionId"])
        tx = rec.transactions.get(tx_id)
        if tx is None and self.faults.on("c16-forget-tx-on-reconnect"):
            return Answer(
                error="PropertyConstraintViolation",
                description=f"transactionId {tx_id} is not an open transaction",
            )
        if tx is not None:
            tx.meter_stop = int(payload["meterStop"])
            tx.stop_reason = str(payload.get("reason", "Local"))
            tx.stopped = str(payload["timestamp"])
            tx.meter_values += len(payload.get("transactionData", []))
            tx.ended = True
        # OCPP 1.6 section 4.10: a StopTransaction is always confirmed, even for a transaction
        # the Central System does not know, or the charge point would retry it forever.
        out: dict[str, Any] = {}
        if "idTag" in payload:
            out["idTagInfo"] = self.id_tag_info(str(payload["idTag"]))
        return Answer(out)

    def _on_MeterValues(
        self, rec: ChargePointRecord, payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        rec.meter_values += 1
        tx_id = payload.get("transactionId")
        if tx_id is not None:
            if self.faults.on("c16-meter-values-callerror"):
                return Answer(error="InternalError", description="meter value store unavailable")
            tx = rec.transactions.get(int(tx_id))
            if tx is not None:
                tx.meter_values += len(payload.get("meterValue", []))
        return Answer({})

    def _on_DataTransfer(
        self, rec: ChargePointRecord, _payload: Mapping[str, Any], _uid: str
    ) -> Answer:
        rec.data_transfers += 1
        if self.faults.on("c16-datatransfer-callerror"):
            return Answer(error="NotImplemented", description="DataTransfer not implemented")
        # No vendor extensions: every vendorId is unknown (OCPP 1.6 section 4.3).
        return Answer({"status": "UnknownVendorId"})
