"""MockStation: the harness as a charging station, for cases whose DUT is a CSMS.

It keeps the state a real station would (EVSEs and connectors, transactions with their seqNo,
device-model variables or 1.6 configuration keys), so a case can say "start a transaction on
EVSE 1" without re-describing the station every time. Incoming CSMS requests get answers a
correct station would give; a case overrides them with `session.on(...)`.
"""

from __future__ import annotations

import itertools
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.ocppj import OcppVersion
from conformance.roles.clock import now_iso
from conformance.session import Incoming, Reject, Responder, Session, SessionInfo, Timeouts
from conformance.trace import Recorder
from conformance.transport.client import connect_station


@dataclass
class Transaction:
    """A 2.0.1 transaction as the station sees it: every event carries the next seqNo."""

    transaction_id: str
    evse_id: int
    connector_id: int
    seq_no: int = 0
    id_token: dict[str, Any] | None = None
    remote_start_id: int | None = None
    ended: bool = False

    def next_seq(self) -> int:
        n = self.seq_no
        self.seq_no += 1
        return n


@dataclass
class StationModel:
    """What the mock station knows about itself."""

    evses: dict[int, int] = field(default_factory=lambda: {1: 1})  # evse id → connectors
    variables: dict[tuple[str, str], str] = field(default_factory=dict)
    readonly: set[tuple[str, str]] = field(default_factory=set)
    statuses: dict[tuple[int, int], str] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for evse, n in self.evses.items():
            for c in range(1, n + 1):
                self.statuses.setdefault((evse, c), "Available")
        base = {
            ("OCPPCommCtrlr", "HeartbeatInterval"): "60",
            ("OCPPCommCtrlr", "NetworkConfigurationPriority"): "1",
            ("OCPPCommCtrlr", "OfflineThreshold"): "60",
            ("TxCtrlr", "TxStartPoint"): "PowerPathClosed",
            ("TxCtrlr", "TxStopPoint"): "PowerPathClosed",
            ("TxCtrlr", "EVConnectionTimeOut"): "60",
            ("AuthCtrlr", "AuthorizeRemoteStart"): "true",
            ("AuthCtrlr", "LocalPreAuthorize"): "false",
            ("SampledDataCtrlr", "TxUpdatedInterval"): "60",
            ("ChargingStation", "Model"): "MockStation",
            ("ChargingStation", "VendorName"): "ocpp-conformance",
        }
        for k, v in base.items():
            self.variables.setdefault(k, v)
        self.readonly.update({("ChargingStation", "Model"), ("ChargingStation", "VendorName")})

    def open_transaction(self, evse_id: int) -> Transaction | None:
        for tx in self.transactions.values():
            if tx.evse_id == evse_id and not tx.ended:
                return tx
        return None


class MockStation:
    """One simulated station connection to the CSMS under test."""

    def __init__(
        self,
        *,
        csms_url: str,
        station_id: str,
        version: OcppVersion,
        recorder: Recorder,
        timeouts: Timeouts | None = None,
        evses: Mapping[int, int] | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        vendor: str = "ocpp-conformance",
        model: str = "MockStation",
    ) -> None:
        self.csms_url = csms_url
        self.station_id = station_id
        self.version = version
        self.recorder = recorder
        self.timeouts = timeouts or Timeouts()
        self.password = password
        self.ssl_context = ssl_context
        self.vendor = vendor
        self.model_name = model
        self.model = StationModel(evses=dict(evses or {1: 1}))
        self.session: Session | None = None
        self._remote_ids = itertools.count(1)
        self._event_ids = itertools.count(1)
        self._event_seq = itertools.count(0)

    @property
    def conn(self) -> Session:
        if self.session is None:
            raise RuntimeError("MockStation.connect() first")
        return self.session

    async def connect(self, *, subprotocols: list[str] | None = None) -> Session:
        ws, hs = await connect_station(
            self.csms_url,
            self.station_id,
            self.version,
            password=self.password,
            ssl_context=self.ssl_context,
            timeout=self.timeouts.response,
            subprotocols=subprotocols,
        )
        session = Session(
            ws,
            version=self.version,
            station_id=self.station_id,
            side="station",
            recorder=self.recorder,
            timeouts=self.timeouts,
            info=SessionInfo(hs.subprotocol, tuple(subprotocols or ()), hs.url, "", hs.tls),
        )
        self.recorder.trace.record(
            "event",
            self.station_id,
            f"connected to {hs.url}, subprotocol {hs.subprotocol!r}"
            + (f", TLS {hs.tls}" if hs.tls else ""),
        )
        for problem in hs.findings:
            self.recorder.findings.violation(problem)
        session.defaults = self._defaults()
        session.start()
        self.session = session
        return session

    async def close(self) -> None:
        if self.session is not None and not self.session.closed.is_set():
            await self.session.close()

    # -- what the station sends ------------------------------------------------------------

    async def boot(self, reason: str = "PowerUp") -> dict[str, Any]:
        if self.version is OcppVersion.V16:
            payload: dict[str, Any] = {
                "chargePointVendor": self.vendor[:20],
                "chargePointModel": self.model_name[:20],
            }
        else:
            payload = {
                "chargingStation": {"model": self.model_name, "vendorName": self.vendor},
                "reason": reason,
            }
        return await self.conn.call("BootNotification", payload)

    async def status(self, evse_id: int, connector_id: int, status: str) -> dict[str, Any]:
        self.model.statuses[(evse_id, connector_id)] = status
        if self.version is OcppVersion.V16:
            return await self.conn.call(
                "StatusNotification",
                {"connectorId": connector_id, "errorCode": "NoError", "status": status},
            )
        return await self.conn.call(
            "StatusNotification",
            {
                "timestamp": now_iso(),
                "connectorStatus": status,
                "evseId": evse_id,
                "connectorId": connector_id,
            },
        )

    async def report_all_connectors(self, *, notify_event: bool = False) -> None:
        for (evse, conn), status in sorted(self.model.statuses.items()):
            if notify_event:
                await self.connector_changed(evse, conn, status)
            else:
                await self.status(evse, conn, status)

    async def notify_event(
        self,
        component: str,
        variable: str,
        actual_value: str,
        *,
        evse_id: int | None = None,
        connector_id: int | None = None,
        trigger: str = "Delta",
    ) -> dict[str, Any]:
        """Send a 2.0.1 NotifyEvent with one event (the device model's way to report a change)."""
        comp: dict[str, Any] = {"name": component}
        if evse_id is not None:
            comp["evse"] = {"id": evse_id}
            if connector_id is not None:
                comp["evse"]["connectorId"] = connector_id
        event = {
            "eventId": next(self._event_ids),
            "timestamp": now_iso(),
            "trigger": trigger,
            "actualValue": actual_value,
            "component": comp,
            "variable": {"name": variable},
            "eventNotificationType": "HardWiredNotification",
        }
        payload = {"generatedAt": now_iso(), "seqNo": next(self._event_seq), "eventData": [event]}
        return await self.conn.call("NotifyEvent", payload)

    async def connector_changed(self, evse_id: int, connector_id: int, status: str) -> None:
        """A connector's new state: StatusNotification, and in 2.x the NotifyEvent that goes with
        it (Connector.AvailabilityState), as the official cases' station does."""
        await self.status(evse_id, connector_id, status)
        if self.version is not OcppVersion.V16:
            await self.notify_event(
                "Connector",
                "AvailabilityState",
                status,
                evse_id=evse_id,
                connector_id=connector_id,
            )

    async def transaction_event(
        self,
        tx: Transaction,
        event_type: str,
        trigger_reason: str,
        *,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        id_token: Mapping[str, Any] | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        extra: Mapping[str, Any] | None = None,
        offline: bool = False,
    ) -> dict[str, Any]:
        """Send a 2.0.1 TransactionEvent for `tx` with the next seqNo.

        remoteStartId goes with the Started event and with a RemoteStart trigger (F01/F02).
        """
        info: dict[str, Any] = {"transactionId": tx.transaction_id}
        if charging_state:
            info["chargingState"] = charging_state
        if stopped_reason:
            info["stoppedReason"] = stopped_reason
        if tx.remote_start_id is not None and (
            event_type == "Started" or trigger_reason == "RemoteStart"
        ):
            info["remoteStartId"] = tx.remote_start_id
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": now_iso(),
            "triggerReason": trigger_reason,
            "seqNo": tx.next_seq(),
            "transactionInfo": info,
        }
        if event_type == "Started":
            payload["evse"] = {"id": tx.evse_id, "connectorId": tx.connector_id}
        if id_token is not None:
            payload["idToken"] = dict(id_token)
        if meter_value:
            payload["meterValue"] = meter_value
        if offline:
            payload["offline"] = True
        if extra:
            payload.update(extra)
        if event_type == "Ended":
            tx.ended = True
        return await self.conn.call("TransactionEvent", payload)

    @staticmethod
    def meter_value(
        value: float,
        *,
        context: str = "Sample.Periodic",
        measurand: str = "Energy.Active.Import.Register",
    ) -> dict[str, Any]:
        """One 2.0.1 MeterValueType with one sampled value, stamped now."""
        return {
            "timestamp": now_iso(),
            "sampledValue": [{"value": value, "context": context, "measurand": measurand}],
        }

    def new_transaction(
        self, evse_id: int = 1, connector_id: int = 1, *, remote_start_id: int | None = None
    ) -> Transaction:
        tx = Transaction(
            uuid.uuid4().hex[:20], evse_id, connector_id, remote_start_id=remote_start_id
        )
        self.model.transactions[tx.transaction_id] = tx
        return tx

    # -- what the station answers ----------------------------------------------------------

    def _defaults(self) -> dict[str, Responder]:
        if self.version is OcppVersion.V16:
            return self._defaults_16()
        return self._defaults_2x()

    def _defaults_2x(self) -> dict[str, Responder]:
        m = self.model

        def get_variables(msg: Incoming) -> Mapping[str, Any]:
            results = []
            for item in msg.payload.get("getVariableData", []):
                comp = item["component"]["name"]
                var = item["variable"]["name"]
                value = m.variables.get((comp, var))
                entry: dict[str, Any] = {
                    "component": item["component"],
                    "variable": item["variable"],
                }
                if "attributeType" in item:
                    entry["attributeType"] = item["attributeType"]
                if value is None:
                    known = any(c == comp for c, _ in m.variables)
                    entry["attributeStatus"] = "UnknownVariable" if known else "UnknownComponent"
                elif item.get("attributeType", "Actual") != "Actual":
                    entry["attributeStatus"] = "NotSupportedAttributeType"
                else:
                    entry["attributeStatus"] = "Accepted"
                    entry["attributeValue"] = value
                results.append(entry)
            return {"getVariableResult": results}

        def set_variables(msg: Incoming) -> Mapping[str, Any]:
            results = []
            for item in msg.payload.get("setVariableData", []):
                key = (item["component"]["name"], item["variable"]["name"])
                entry: dict[str, Any] = {
                    "component": item["component"],
                    "variable": item["variable"],
                }
                if key not in m.variables:
                    known = any(c == key[0] for c, _ in m.variables)
                    entry["attributeStatus"] = "UnknownVariable" if known else "UnknownComponent"
                elif key in m.readonly:
                    entry["attributeStatus"] = "Rejected"
                else:
                    m.variables[key] = str(item["attributeValue"])
                    entry["attributeStatus"] = "Accepted"
                results.append(entry)
            return {"setVariableResult": results}

        def accepted(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "Accepted"}

        def transaction_status(msg: Incoming) -> Mapping[str, Any]:
            tx_id = msg.payload.get("transactionId")
            tx = m.transactions.get(tx_id) if tx_id else None
            out: dict[str, Any] = {"messagesInQueue": False}
            if tx_id:
                out["ongoingIndicator"] = tx is not None and not tx.ended
            return out

        def request_stop(msg: Incoming) -> Mapping[str, Any]:
            tx = m.transactions.get(msg.payload.get("transactionId", ""))
            return {"status": "Accepted" if tx is not None and not tx.ended else "Rejected"}

        def data_transfer(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "UnknownVendorId"}

        def unlock(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "Unlocked"}

        return {
            "GetVariables": get_variables,
            "SetVariables": set_variables,
            "GetBaseReport": accepted,
            "Reset": accepted,
            "RequestStartTransaction": accepted,
            "RequestStopTransaction": request_stop,
            "ChangeAvailability": accepted,
            "TriggerMessage": accepted,
            "ClearCache": accepted,
            "SetNetworkProfile": accepted,
            "UnlockConnector": unlock,
            "GetTransactionStatus": transaction_status,
            "DataTransfer": data_transfer,
        }

    def _defaults_16(self) -> dict[str, Responder]:
        m = self.model
        config: dict[str, str] = {
            "HeartbeatInterval": "60",
            "MeterValueSampleInterval": "60",
            "NumberOfConnectors": str(sum(m.evses.values())),
        }

        def get_configuration(msg: Incoming) -> Mapping[str, Any]:
            keys = msg.payload.get("key") or list(config)
            known = [
                {"key": k, "readonly": k == "NumberOfConnectors", "value": config[k]}
                for k in keys
                if k in config
            ]
            unknown = [k for k in keys if k not in config]
            out: dict[str, Any] = {"configurationKey": known}
            if unknown:
                out["unknownKey"] = unknown
            return out

        def change_configuration(msg: Incoming) -> Mapping[str, Any] | Reject:
            key = msg.payload["key"]
            if key not in config:
                return {"status": "NotSupported"}
            if key == "NumberOfConnectors":
                return {"status": "Rejected"}
            config[key] = msg.payload["value"]
            return {"status": "Accepted"}

        def accepted(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "Accepted"}

        def data_transfer(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "UnknownVendorId"}

        def unlock(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "Unlocked"}

        return {
            "GetConfiguration": get_configuration,
            "ChangeConfiguration": change_configuration,
            "Reset": accepted,
            "RemoteStartTransaction": accepted,
            "RemoteStopTransaction": accepted,
            "ChangeAvailability": accepted,
            "ClearCache": accepted,
            "TriggerMessage": accepted,
            "UnlockConnector": unlock,
            "DataTransfer": data_transfer,
        }
