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
from conformance.session import Incoming, Responder, Session, SessionInfo, Timeouts
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
    # Local Auth List Management (D01, D02): the list's version (0: none installed) and its
    # entries, idToken -> idTokenInfo.
    local_list_version: int = 0
    local_list: dict[str, dict[str, Any]] = field(default_factory=dict)

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


@dataclass
class Transaction16:
    """A 1.6 transaction as the charge point sees it: the Central System assigns its id."""

    connector_id: int
    id_tag: str
    meter_start: int = 0
    meter: int = 0  # the connector's energy register in Wh
    transaction_id: int | None = None  # from StartTransaction.conf
    started: str = ""
    ended: bool = False


# OCPP 1.6 section 9.1, Core profile keys: value and whether the key is read-only.
CORE_KEYS_16: dict[str, tuple[str, bool]] = {
    "AuthorizeRemoteTxRequests": ("true", False),
    "AuthorizationCacheEnabled": ("true", False),
    "ClockAlignedDataInterval": ("0", False),
    "ConnectionTimeOut": ("60", False),
    "ConnectorPhaseRotation": ("0.RST", False),
    "GetConfigurationMaxKeys": ("50", True),
    "HeartbeatInterval": ("60", False),
    "LocalAuthorizeOffline": ("true", False),
    "LocalPreAuthorize": ("false", False),
    "MeterValuesAlignedData": ("Energy.Active.Import.Register", False),
    "MeterValuesSampledData": ("Energy.Active.Import.Register", False),
    "MeterValueSampleInterval": ("60", False),
    "NumberOfConnectors": ("1", True),
    "ResetRetries": ("1", False),
    "StopTransactionOnEVSideDisconnect": ("true", False),
    "StopTransactionOnInvalidId": ("true", False),
    "StopTxnAlignedData": ("", False),
    "StopTxnSampledData": ("", False),
    "SupportedFeatureProfiles": ("Core", True),
    "TransactionMessageAttempts": ("3", False),
    "TransactionMessageRetryInterval": ("60", False),
    "UnlockConnectorOnEVSideDisconnect": ("true", False),
}
_INTEGER_KEYS_16 = frozenset(
    {
        "ClockAlignedDataInterval",
        "ConnectionTimeOut",
        "HeartbeatInterval",
        "MeterValueSampleInterval",
        "ResetRetries",
        "TransactionMessageAttempts",
        "TransactionMessageRetryInterval",
    }
)
_BOOLEAN_KEYS_16 = frozenset(
    {
        "AuthorizeRemoteTxRequests",
        "AuthorizationCacheEnabled",
        "LocalAuthorizeOffline",
        "LocalPreAuthorize",
        "StopTransactionOnEVSideDisconnect",
        "StopTransactionOnInvalidId",
        "UnlockConnectorOnEVSideDisconnect",
    }
)


@dataclass
class ChargePoint16:
    """What a 1.6 charge point knows about itself: connectors 1..n (0 is the charge point as a
    whole), configuration keys, and its transactions."""

    connectors: int = 1
    statuses: dict[int, str] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    readonly: set[str] = field(default_factory=set)
    transactions: list[Transaction16] = field(default_factory=list)
    local_list_version: int = 0  # Local Auth List Management: 0 while the list is empty
    local_list: dict[str, dict[str, Any]] = field(default_factory=dict)
    reservations: dict[int, int] = field(default_factory=dict)  # reservationId -> connectorId

    def __post_init__(self) -> None:
        for c in range(0, self.connectors + 1):
            self.statuses.setdefault(c, "Available")
        for key, (value, readonly) in CORE_KEYS_16.items():
            self.config.setdefault(key, value)
            if readonly:
                self.readonly.add(key)
        self.config["NumberOfConnectors"] = str(self.connectors)

    def open_transaction(self, connector_id: int | None = None) -> Transaction16 | None:
        for tx in reversed(self.transactions):
            if not tx.ended and connector_id in (None, tx.connector_id):
                return tx
        return None

    def change(self, key: str, value: str) -> str:
        """ChangeConfiguration as a correct charge point does it; returns the status."""
        if key not in self.config:
            return "NotSupported"
        if key in self.readonly:
            return "Rejected"
        if key in _INTEGER_KEYS_16 and not (value.isdigit() and len(value) < 10):
            return "Rejected"
        if key in _BOOLEAN_KEYS_16 and value.lower() not in ("true", "false"):
            return "Rejected"
        self.config[key] = value
        return "Accepted"


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
        username: str | None = None,  # basic-auth user if not the station id (TC_A_02_CSMS)
        vendor: str = "ocpp-conformance",
        model: str = "MockStation",
    ) -> None:
        self.csms_url = csms_url
        self.station_id = station_id
        self.version = version
        self.recorder = recorder
        self.timeouts = timeouts or Timeouts()
        self.password = password
        self.username = username
        self.ssl_context = ssl_context
        self.vendor = vendor
        self.model_name = model
        self.model = StationModel(evses=dict(evses or {1: 1}))
        # 1.6 has no EVSEs: the connectors of all EVSEs are numbered 1..n in order.
        self.cp = ChargePoint16(connectors=sum(self.model.evses.values()))
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
            username=self.username,
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
        if self.version is OcppVersion.V16:
            return await self.status16(self.connector_number(evse_id, connector_id), status)
        self.model.statuses[(evse_id, connector_id)] = status
        return await self.conn.call(
            "StatusNotification",
            {
                "timestamp": now_iso(),
                "connectorStatus": status,
                "evseId": evse_id,
                "connectorId": connector_id,
            },
        )

    def connector_number(self, evse_id: int, connector_id: int) -> int:
        """The 1.6 connectorId of 2.x-style (EVSE, connector): connectors counted in order."""
        before = sum(n for e, n in self.model.evses.items() if e < evse_id)
        return before + connector_id

    async def status16(
        self,
        connector_id: int,
        status: str,
        *,
        error_code: str = "NoError",
        info: str | None = None,
    ) -> dict[str, Any]:
        """A 1.6 StatusNotification for `connector_id` (0: the charge point as a whole)."""
        self.cp.statuses[connector_id] = status
        payload: dict[str, Any] = {
            "connectorId": connector_id,
            "errorCode": error_code,
            "status": status,
            "timestamp": now_iso(),
        }
        if info:
            payload["info"] = info
        return await self.conn.call("StatusNotification", payload)

    async def report_all_connectors(self, *, notify_event: bool = False) -> None:
        if self.version is OcppVersion.V16:
            # OCPP 1.6 section 4.9: after boot, a StatusNotification for connectorId 0 (the
            # charge point) and for every connector.
            for connector_id, status in sorted(self.cp.statuses.items()):
                await self.status16(connector_id, status)
            return
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

    # -- 1.6 transactions -------------------------------------------------------------------

    async def authorize16(self, id_tag: str) -> dict[str, Any]:
        return await self.conn.call("Authorize", {"idTag": id_tag})

    async def start_transaction(
        self,
        connector_id: int,
        id_tag: str,
        *,
        timestamp: str | None = None,
        reservation_id: int | None = None,
    ) -> tuple[Transaction16, dict[str, Any]]:
        """StartTransaction for `id_tag` on `connector_id`; keeps the transactionId assigned."""
        previous = [t.meter for t in self.cp.transactions if t.connector_id == connector_id]
        meter = max(previous, default=0)
        tx = Transaction16(connector_id, id_tag, meter_start=meter, meter=meter)
        tx.started = timestamp or now_iso()
        self.cp.transactions.append(tx)
        payload: dict[str, Any] = {
            "connectorId": connector_id,
            "idTag": id_tag,
            "meterStart": tx.meter_start,
            "timestamp": tx.started,
        }
        if reservation_id is not None:
            payload["reservationId"] = reservation_id
        res = await self.conn.call("StartTransaction", payload)
        if isinstance(res.get("transactionId"), int):
            tx.transaction_id = res["transactionId"]
        return tx, res

    async def stop_transaction(
        self,
        tx: Transaction16,
        reason: str | None = None,
        *,
        id_tag: str | None = None,
        timestamp: str | None = None,
        transaction_data: bool = False,
    ) -> dict[str, Any]:
        """StopTransaction for `tx` (the transactionId the Central System assigned)."""
        if tx.transaction_id is None:
            raise RuntimeError("StopTransaction for a transaction that never got a transactionId")
        tx.ended = True
        when = timestamp or now_iso()
        payload: dict[str, Any] = {
            "transactionId": tx.transaction_id,
            "meterStop": tx.meter,
            "timestamp": when,
        }
        if reason is not None:
            payload["reason"] = reason
        if id_tag is not None:
            payload["idTag"] = id_tag
        if transaction_data:
            payload["transactionData"] = [
                self.meter_value16(tx.meter_start, context="Transaction.Begin", at=tx.started),
                self.meter_value16(tx.meter, context="Transaction.End", at=when),
            ]
        return await self.conn.call("StopTransaction", payload)

    async def meter_values16(
        self, tx: Transaction16, energy_wh: int, *, context: str = "Sample.Periodic"
    ) -> dict[str, Any]:
        """MeterValues for the connector of `tx` with its transactionId and the new register."""
        tx.meter = energy_wh
        payload: dict[str, Any] = {
            "connectorId": tx.connector_id,
            "meterValue": [self.meter_value16(energy_wh, context=context)],
        }
        if tx.transaction_id is not None:
            payload["transactionId"] = tx.transaction_id
        return await self.conn.call("MeterValues", payload)

    @staticmethod
    def meter_value16(
        energy_wh: int, *, context: str = "Sample.Periodic", at: str | None = None
    ) -> dict[str, Any]:
        """One 1.6 MeterValue: the energy register in Wh (1.6 values are strings)."""
        return {
            "timestamp": at or now_iso(),
            "sampledValue": [
                {
                    "value": str(energy_wh),
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                }
            ],
        }

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

        def get_local_list_version(_msg: Incoming) -> Mapping[str, Any]:
            return {"versionNumber": m.local_list_version}

        def send_local_list(msg: Incoming) -> Mapping[str, Any]:
            # D01: Full replaces the list; a Differential update must be newer than the list
            # it updates, and its entries without idTokenInfo remove their idToken (D01.FR.17).
            version = int(msg.payload["versionNumber"])
            full = msg.payload["updateType"] == "Full"
            if not full and version <= m.local_list_version:
                return {"status": "VersionMismatch"}
            new = {} if full else dict(m.local_list)
            for item in msg.payload.get("localAuthorizationList") or []:
                token = str(item["idToken"]["idToken"])
                if "idTokenInfo" in item:
                    new[token] = dict(item["idTokenInfo"])
                else:
                    new.pop(token, None)
            m.local_list, m.local_list_version = new, version
            return {"status": "Accepted"}

        return {
            "GetLocalListVersion": get_local_list_version,
            "SendLocalList": send_local_list,
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
        """Answers of a correct 1.6 Core charge point, kept consistent with its own state."""
        cp = self.cp

        def get_configuration(msg: Incoming) -> Mapping[str, Any]:
            keys = msg.payload.get("key") or list(cp.config)
            known = [
                {"key": k, "readonly": k in cp.readonly, "value": cp.config[k]}
                for k in keys
                if k in cp.config
            ]
            unknown = [k for k in keys if k not in cp.config]
            out: dict[str, Any] = {"configurationKey": known}
            if unknown:
                out["unknownKey"] = unknown
            return out

        def change_configuration(msg: Incoming) -> Mapping[str, Any]:
            return {"status": cp.change(str(msg.payload["key"]), str(msg.payload["value"]))}

        def remote_start(msg: Incoming) -> Mapping[str, Any]:
            connector = msg.payload.get("connectorId")
            if connector is None:
                free = [c for c in range(1, cp.connectors + 1) if cp.open_transaction(c) is None]
                ok = bool(free)
            else:
                ok = 1 <= int(connector) <= cp.connectors and cp.open_transaction(connector) is None
            return {"status": "Accepted" if ok else "Rejected"}

        def remote_stop(msg: Incoming) -> Mapping[str, Any]:
            tx_id = msg.payload.get("transactionId")
            ok = any(t.transaction_id == tx_id and not t.ended for t in cp.transactions)
            return {"status": "Accepted" if ok else "Rejected"}

        def change_availability(msg: Incoming) -> Mapping[str, Any]:
            connector = int(msg.payload.get("connectorId", 0))
            if connector > cp.connectors:
                return {"status": "Rejected"}
            busy = cp.open_transaction(None if connector == 0 else connector) is not None
            return {"status": "Scheduled" if busy else "Accepted"}

        def unlock(msg: Incoming) -> Mapping[str, Any]:
            connector = int(msg.payload.get("connectorId", 0))
            return {"status": "Unlocked" if 1 <= connector <= cp.connectors else "NotSupported"}

        def trigger(msg: Incoming) -> Mapping[str, Any]:
            known = {
                "BootNotification",
                "DiagnosticsStatusNotification",
                "FirmwareStatusNotification",
                "Heartbeat",
                "MeterValues",
                "StatusNotification",
            }
            requested = msg.payload.get("requestedMessage")
            return {"status": "Accepted" if requested in known else "NotImplemented"}

        def accepted(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "Accepted"}

        def data_transfer(_msg: Incoming) -> Mapping[str, Any]:
            return {"status": "UnknownVendorId"}

        def get_local_list_version(_msg: Incoming) -> Mapping[str, Any]:
            return {"listVersion": cp.local_list_version if cp.local_list else 0}

        def send_local_list(msg: Incoming) -> Mapping[str, Any]:
            # OCPP 1.6 section 5.15: Full replaces, Differential must be newer; an entry
            # without idTagInfo removes the idTag.
            version = int(msg.payload.get("listVersion", 0))
            full = msg.payload.get("updateType") == "Full"
            if not full and version <= cp.local_list_version:
                return {"status": "VersionMismatch"}
            new = {} if full else dict(cp.local_list)
            for item in msg.payload.get("localAuthorizationList") or []:
                if "idTagInfo" in item:
                    new[str(item["idTag"])] = dict(item["idTagInfo"])
                else:
                    new.pop(str(item["idTag"]), None)
            cp.local_list, cp.local_list_version = new, version
            return {"status": "Accepted"}

        def reserve_now(msg: Incoming) -> Mapping[str, Any]:
            connector = int(msg.payload.get("connectorId", 0))
            if connector > cp.connectors:
                return {"status": "Rejected"}
            if cp.open_transaction(None if connector == 0 else connector) is not None:
                return {"status": "Occupied"}
            cp.reservations[int(msg.payload["reservationId"])] = connector
            return {"status": "Accepted"}

        def cancel_reservation(msg: Incoming) -> Mapping[str, Any]:
            known = cp.reservations.pop(int(msg.payload["reservationId"]), None) is not None
            return {"status": "Accepted" if known else "Rejected"}

        return {
            "GetLocalListVersion": get_local_list_version,
            "SendLocalList": send_local_list,
            "ReserveNow": reserve_now,
            "CancelReservation": cancel_reservation,
            "GetConfiguration": get_configuration,
            "ChangeConfiguration": change_configuration,
            "Reset": accepted,
            "RemoteStartTransaction": remote_start,
            "RemoteStopTransaction": remote_stop,
            "ChangeAvailability": change_availability,
            "ClearCache": accepted,
            "TriggerMessage": trigger,
            "UnlockConnector": unlock,
            "DataTransfer": data_transfer,
        }
