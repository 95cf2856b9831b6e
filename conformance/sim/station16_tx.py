"""Connectors, transactions and meter values of the 1.6 reference charge point.

A connector's status (section 7.7 ChargePointStatus) is derived from its state: availability,
cable (Charge Point side and EV side), a pending authorization, a transaction and whether the
EV or the EVSE suspended the energy transfer. Every change is reported via the station's
`connector_changed`. Transactions get their transactionId from the StartTransaction.conf; the
messages that belong to a transaction (StartTransaction, sampled MeterValues, StopTransaction)
are queued as transaction messages, so they survive a lost connection (section 4.7).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.sim.faults import ActiveFaults
from conformance.sim.station16_config import Configuration

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16

POWER_W = 11000.0  # what the simulated EV draws while charging


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Transaction:
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    meter_start: int
    transaction_id: int | None = None  # from StartTransaction.conf
    meter_task: asyncio.Task[None] | None = None


@dataclass
class Connector:
    id: int
    plugged: bool = False  # cable in at the Charge Point side
    ev_side: bool = False  # cable in at the EV side
    locked: bool = False
    pending: tuple[str, str | None] | None = None  # (idTag, parentIdTag) waiting for a cable
    timeout_task: asyncio.Task[None] | None = None
    tx: Transaction | None = None
    finishing: bool = False  # a transaction ended while the cable is still in
    operative: bool = True
    scheduled: bool | None = None  # availability to apply when the transaction ends
    ev_suspended: bool = False
    evse_suspended: bool = False  # idTag found invalid, StopTransactionOnInvalidId false
    fixed_cable: bool = False  # a permanently attached cable: nothing to unlock
    jammed: bool = False  # the cable lock cannot open (operator verb jam_connector_lock)
    fault: str | None = None  # a ChargePointErrorCode while the connector is Faulted
    energy_wh: float = 0.0
    _since: float = field(default_factory=time.monotonic)

    def meter(self) -> int:
        """The energy register in Wh, advanced while energy flows."""
        now = time.monotonic()
        if self.tx is not None and self.ev_side and not (self.ev_suspended or self.evse_suspended):
            self.energy_wh += POWER_W * (now - self._since) / 3600.0
        self._since = now
        return int(self.energy_wh)


class TxEngine:
    def __init__(
        self,
        connectors: int,
        config: Configuration,
        station: ReferenceStation16,
        faults: ActiveFaults,
    ) -> None:
        # Connector 1 is a socket; with more than one, the last has a fixed cable.
        self.connectors = {
            i: Connector(i, fixed_cable=connectors > 1 and i == connectors)
            for i in range(1, connectors + 1)
        }
        self.config = config
        self.st = station
        self.faults = faults
        self.cp_operative = True  # connector 0

    # -- status ----------------------------------------------------------------------------

    def status(self, connector_id: int) -> str:
        if connector_id == 0:
            return "Available" if self.cp_operative else "Unavailable"
        c = self.connectors[connector_id]
        if c.fault is not None and c.tx is None:
            return "Faulted"
        if c.tx is not None:
            if not c.ev_side or c.ev_suspended:
                return "SuspendedEV"
            return "SuspendedEVSE" if c.evse_suspended else "Charging"
        if not c.operative or not self.cp_operative:
            return "Unavailable"
        if c.finishing:
            return "Finishing"
        if c.pending is not None or c.plugged:
            if self.faults.on("s16-plugin-reports-available") and c.pending is None:
                return "Available"
            return "Preparing"
        if self.st.reservations.reserved(connector_id):
            return "Reserved"
        return "Available"

    def error_code(self, connector_id: int) -> str:
        c = self.connectors.get(connector_id)
        return c.fault if c is not None and c.fault is not None else "NoError"

    def _changed(self, c: Connector) -> None:
        self.st.connector_changed(c.id)

    def transactions(self) -> list[Transaction]:
        return [c.tx for c in self.connectors.values() if c.tx is not None]

    def by_transaction_id(self, transaction_id: int) -> Connector | None:
        for c in self.connectors.values():
            if c.tx is not None and c.tx.transaction_id == transaction_id:
                return c
        return None

    def usable(self, c: Connector) -> bool:
        healthy = c.fault is None or self.faults.on("s16-faulted-still-charges")
        return c.operative and self.cp_operative and c.tx is None and healthy

    # -- physical events -------------------------------------------------------------------

    def plug_in(self, connector_id: int) -> None:
        c = self.connectors[connector_id]
        c.plugged = c.ev_side = True
        if c.tx is not None:  # the EV came back (StopTransactionOnEVSideDisconnect false)
            c.meter()
            self._changed(c)
            return
        c.finishing = False
        self._cancel_timeout(c)
        if self.faults.on("s16-auth-lost-at-plugin"):
            c.pending = None
        if c.pending is not None and self.usable(c):
            self.start(c)
            return
        self._changed(c)

    def plug_in_halfway(self, connector_id: int) -> None:
        """A cable that is not fully in: the lock cannot close, so no transaction may start
        (ConnectorLockFailure, section 7.6); a pending authorization is dropped."""
        c = self.connectors[connector_id]
        if self.faults.on("s16-lock-failure-charges"):
            self.plug_in(connector_id)
            return
        c.plugged, c.ev_side = True, False
        c.fault = "ConnectorLockFailure"
        c.pending = None
        self._cancel_timeout(c)
        self._changed(c)

    def set_fault(self, connector_id: int, error_code: str | None) -> None:
        """A hardware fault (Faulted with `error_code`, section 4.9) or its end."""
        c = self.connectors[connector_id]
        c.fault = error_code
        if error_code is not None:
            c.pending = None
            self._cancel_timeout(c)
            if c.tx is not None:
                self.stop(c, "Other")
        self._changed(c)

    def ev_side_disconnect(self, connector_id: int) -> None:
        """The cable leaves the EV; it stays in the Charge Point socket."""
        c = self.connectors[connector_id]
        c.meter()
        c.ev_side = False
        if c.tx is not None:
            stop = self.config.flag("StopTransactionOnEVSideDisconnect")
            if self.faults.on("s16-ev-disconnect-no-stop"):
                stop = False
            if self.faults.on("s16-ev-disconnect-always-stop"):
                stop = True
            if stop:
                self.stop(c, "EVDisconnected")
                if self.config.flag("UnlockConnectorOnEVSideDisconnect"):
                    c.locked = False
                return
        self._changed(c)

    def unplug(self, connector_id: int) -> None:
        c = self.connectors[connector_id]
        if c.tx is not None and c.ev_side:
            self.ev_side_disconnect(connector_id)
        c.plugged = c.ev_side = False
        c.finishing = False
        c.locked = False
        if c.fault == "ConnectorLockFailure":  # the half-inserted cable is out again
            c.fault = None
        self._changed(c)

    def ev_suspend(self, connector_id: int, suspended: bool) -> None:
        c = self.connectors[connector_id]
        c.meter()
        c.ev_suspended = suspended
        self._changed(c)

    # -- authorization ---------------------------------------------------------------------

    def authorize(self, c: Connector, id_tag: str, parent: str | None) -> None:
        """An accepted idTag for connector `c`: start now if the cable is in, else wait for it
        at most ConnectionTimeOut seconds (section 9.1.8)."""
        c.pending = (id_tag, parent)
        if c.plugged and not c.finishing:
            self.start(c)
            return
        self._changed(c)
        self._cancel_timeout(c)
        if not self.faults.on("s16-connection-timeout-ignored"):
            c.timeout_task = asyncio.ensure_future(self._connection_timeout(c))

    async def _connection_timeout(self, c: Connector) -> None:
        # The connection time-out IS the behaviour (ConnectionTimeOut).
        await asyncio.sleep(max(self.config.int("ConnectionTimeOut"), 0))
        c.timeout_task = None
        if c.pending is not None and c.tx is None:
            c.pending = None
            self._changed(c)

    def _cancel_timeout(self, c: Connector) -> None:
        if c.timeout_task is not None:
            c.timeout_task.cancel()
            c.timeout_task = None

    def cancel_pending(self) -> None:
        for c in self.connectors.values():
            self._cancel_timeout(c)
            c.pending = None

    # -- transactions ----------------------------------------------------------------------

    def start(self, c: Connector) -> None:
        assert c.pending is not None
        id_tag, parent = c.pending
        c.pending = None
        self._cancel_timeout(c)
        c.locked = True
        c.ev_suspended = c.evse_suspended = False
        reservation_id = self.st.reservations.consume(c, id_tag, parent)
        tx = Transaction(c.id, id_tag, parent, c.meter())
        c.tx = tx
        self.st.smart.transaction_started(c.id, tx)
        payload: dict[str, Any] = {
            "connectorId": c.id,
            "idTag": id_tag,
            "meterStart": tx.meter_start,
            "timestamp": now_iso(),
        }
        if reservation_id is not None and not self.faults.on("s16-start-no-reservation-id"):
            payload["reservationId"] = reservation_id

        def started(answer: Mapping[str, Any] | None) -> None:
            if answer is None:
                return
            tx.transaction_id = int(answer.get("transactionId", 0))
            info = answer.get("idTagInfo") or {}
            self.st.cache_store(id_tag, info)
            if tx.parent_id_tag is None and info.get("parentIdTag"):
                tx.parent_id_tag = str(info["parentIdTag"])
            if info.get("status") != "Accepted" and c.tx is tx:
                stop = self.config.flag("StopTransactionOnInvalidId")
                if stop and not self.faults.on("s16-invalid-id-not-stopped"):
                    self.stop(c, "DeAuthorized")
                elif not self.faults.on("s16-invalid-id-keeps-charging"):
                    c.meter()
                    c.evse_suspended = True
                    self._changed(c)

        self.st.send("StartTransaction", payload, tx=tx, on_answer=started)
        self._changed(c)
        if reservation_id is not None:
            self.st.reservations.report()
        tx.meter_task = asyncio.ensure_future(self._sample(c, tx))

    def stop(self, c: Connector, reason: str, id_tag: str | None = None) -> None:
        tx = c.tx
        if tx is None:
            return
        if tx.meter_task is not None:
            tx.meter_task.cancel()
        payload: dict[str, Any] = {
            "meterStop": c.meter(),
            "timestamp": now_iso(),
            "reason": reason,
        }
        if id_tag is not None:
            payload["idTag"] = id_tag
        c.tx = None
        self.st.smart.transaction_stopped(tx)
        c.ev_suspended = c.evse_suspended = False
        c.finishing = c.plugged
        if not c.plugged or (
            not c.ev_side and self.config.flag("UnlockConnectorOnEVSideDisconnect")
        ):
            c.locked = False
        self.st.send("StopTransaction", payload, tx=tx)
        if c.scheduled is not None:
            c.operative, c.scheduled = c.scheduled, None
        self._changed(c)

    def stop_all(self, reason: str) -> None:
        for c in self.connectors.values():
            if c.tx is not None:
                self.stop(c, reason)

    # -- meter values ----------------------------------------------------------------------

    def _sampled(self, c: Connector, measurands: list[str], context: str) -> dict[str, Any]:
        wh = c.meter()
        flowing = c.tx is not None and c.ev_side and not (c.ev_suspended or c.evse_suspended)
        values = {
            "Energy.Active.Import.Register": (str(wh), "Wh"),
            "Power.Active.Import": (str(int(POWER_W) if flowing else 0), "W"),
            "Current.Import": ("16.0" if flowing else "0.0", "A"),
            "Voltage": ("230.0", "V"),
        }
        sampled = []
        for m in measurands or ["Energy.Active.Import.Register"]:
            value, unit = values[m]
            sampled.append({"value": value, "context": context, "measurand": m, "unit": unit})
        return {"timestamp": now_iso(), "sampledValue": sampled}

    async def _sample(self, c: Connector, tx: Transaction) -> None:
        """Sampled meter values every MeterValueSampleInterval seconds (section 3.16.1)."""
        while c.tx is tx:
            interval = self.config.int("MeterValueSampleInterval")
            # The sample interval IS the behaviour; 0 means no sampled values.
            await asyncio.sleep(interval if interval > 0 else 1.0)
            if interval <= 0 or c.tx is not tx:
                continue
            if not self.st.online and self.faults.on("s16-offline-meter-values-dropped"):
                continue
            value = self._sampled(
                c, self.config.measurands("MeterValuesSampledData"), "Sample.Periodic"
            )
            self.st.send(
                "MeterValues",
                {"connectorId": c.id, "meterValue": [value]},
                tx=tx,
                fill_tx_id=not self.faults.on("s16-meter-no-transaction-id"),
            )

    def clock_aligned(self) -> None:
        """One clock-aligned reading per connector (section 3.16.2), with the transactionId
        of the transaction running on it."""
        measurands = self.config.measurands("MeterValuesAlignedData")
        for c in self.connectors.values():
            value = self._sampled(c, measurands, "Sample.Clock")
            payload = {"connectorId": c.id, "meterValue": [value]}
            if c.tx is not None:
                self.st.send("MeterValues", payload, tx=c.tx)
            else:
                self.st.send("MeterValues", payload)

    def triggered_meter_values(self, connector_ids: list[int]) -> None:
        """MeterValues.req asked for by a TriggerMessage (section 5.17): the sampled
        measurands, context Trigger, with the transactionId of a running transaction."""
        measurands = self.config.measurands("MeterValuesSampledData")
        for connector_id in connector_ids:
            c = self.connectors[connector_id]
            value = self._sampled(c, measurands, "Trigger")
            payload: dict[str, Any] = {"connectorId": c.id, "meterValue": [value]}
            if c.tx is not None and c.tx.transaction_id is not None:
                payload["transactionId"] = c.tx.transaction_id
            self.st.send("MeterValues", payload)

    def cancel_tasks(self) -> None:
        for c in self.connectors.values():
            self._cancel_timeout(c)
            if c.tx is not None and c.tx.meter_task is not None:
                c.tx.meter_task.cancel()

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "connectorId": c.id,
                "status": self.status(c.id),
                "plugged": c.plugged,
                "evSide": c.ev_side,
                "locked": c.locked,
                "fixedCable": c.fixed_cable,
                "operative": c.operative,
                "scheduled": c.scheduled,
                "pending": c.pending[0] if c.pending else None,
                "transactionId": c.tx.transaction_id if c.tx else None,
                "idTag": c.tx.id_tag if c.tx else None,
            }
            for c in self.connectors.values()
        ]
