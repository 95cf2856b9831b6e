"""EVSEs, connectors, authorization and transactions of the reference 2.0.1 station.

The transaction logic follows OCPP 2.0.1 Part 2 E01-E15: a transaction starts at the first
configured TxStartPoint that becomes true and ends at the first TxStopPoint that becomes false;
every TransactionEvent carries the triggerReason of the event that caused it and a seqNo that
starts at 0 per transaction and increments by one per message.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import itertools
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.sim.faults import ActiveFaults
from conformance.sim.station201_meter import UNITS, AlignedData, ordered, reading
from conformance.sim.station201_model import DeviceModel

CHARGING_POWER_W = 7400.0


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Outbox(Protocol):
    """How the transaction engine hands messages to the station's sender."""

    def send(
        self, action: str, payload: dict[str, Any], *, tx_id: str | None = None
    ) -> asyncio.Future[Mapping[str, Any] | None]: ...

    def connector_changed(self, evse_id: int, connector_id: int) -> None: ...

    def spawn(self, coro: Any) -> None: ...

    @property
    def online(self) -> bool: ...


@dataclass
class Authorization:
    id_token: dict[str, Any]
    group: str | None = None
    remote_start_id: int | None = None
    reported: bool = False  # the idToken was sent in a TransactionEvent already
    reservation_id: int | None = None  # H03: the reservation this authorization used


@dataclass
class Transaction:
    transaction_id: str
    evse_id: int
    connector_id: int
    seq: itertools.count[int] = field(default_factory=itertools.count)
    charging_state: str = "Idle"
    stop_reason: str | None = None  # set when deauthorized but not yet ended
    ended: bool = False
    samples: list[dict[str, Any]] = field(default_factory=list)
    meter_task: asyncio.Task[None] | None = None
    started_at: float = field(default_factory=time.time)  # wall clock: K01 Relative profiles


@dataclass
class Evse:
    id: int
    connectors: dict[int, bool]  # connector id -> operative
    operative: bool = True
    pending_inoperative: bool = False
    pending_connectors: set[int] = field(default_factory=set)  # Inoperative after the tx (G03)
    plugged: int | None = None  # connector id with a cable in it
    cable_used: bool = False  # a transaction ended while this cable stayed plugged
    ev_away: bool = False  # the cable is in the station's socket but not in the EV (E09/E10)
    fixed_cable: bool = False  # the cable is permanently attached to the station (E10.FR.02)
    locked_by: str | None = None  # idToken that unlocks the cable after an EV-side disconnect
    bay_occupied: bool = False
    ev_suspended: bool = False
    invalid_id: bool = False  # the CSMS refused the idToken, StopTxOnInvalidId false: no power
    # J02 / E03.FR.11: authorized at the station-wide reader with no cable in yet, so the
    # transaction (TxStartPoint Authorized) starts before the EVSE is known; it is reported
    # with the EVSE and its Transaction.Begin reading once the cable is plugged in here.
    evse_unknown: bool = False
    auth: Authorization | None = None
    tx: Transaction | None = None
    energy_wh: float = 0.0
    charging_since: float | None = None
    timeout_task: asyncio.Task[None] | None = None

    def energy(self) -> float:
        extra = 0.0
        if self.charging_since is not None:
            extra = (time.monotonic() - self.charging_since) * CHARGING_POWER_W / 3600.0
        return round(self.energy_wh + extra, 1)


class TxEngine:
    def __init__(
        self,
        evses: tuple[int, ...],
        model: DeviceModel,
        outbox: Outbox,
        faults: ActiveFaults,
    ) -> None:
        self.evses = {
            i: Evse(i, dict.fromkeys(range(1, n + 1), True)) for i, n in enumerate(evses, start=1)
        }
        self.model = model
        self.out = outbox
        self.faults = faults
        self.station_operative = True
        self.on_idle: list[Callable[[], None]] = []  # run when the last transaction ended
        self.ended_ids: set[str] = set()  # transactions that have ended (E14)
        # C10.FR.05: told the idTokenInfo of each TransactionEventResponse (the station caches it)
        self.token_answered: Callable[[Mapping[str, Any], Mapping[str, Any]], None] | None = None
        # H01: is this (evseId, connectorId) kept Reserved? (station201_reservations)
        self.reserved: Callable[[int, int], bool] | None = None
        self._meter_key: ec.EllipticCurvePrivateKey | None = None  # the signing meter's key
        self.aligned = AlignedData(  # J01: started with the station (`aligned.run()`)
            self, lambda p: self._send_meter_values(p), self._meter_value
        )

    # -- status ----------------------------------------------------------------------------

    def connector_status(self, evse_id: int, connector_id: int) -> str:
        evse = self.evses[evse_id]
        operative = self.station_operative and evse.operative and evse.connectors[connector_id]
        if operative and self.reserved is not None and self.reserved(evse_id, connector_id):
            return "Reserved"  # G01.FR.09: a cable plugged in does not change that
        if evse.plugged == connector_id and not evse.ev_away:
            return "Occupied"
        if not operative:
            return "Unavailable"
        return "Available"

    def transactions(self) -> list[Transaction]:
        return [e.tx for e in self.evses.values() if e.tx is not None]

    def find_tx(self, transaction_id: str) -> Transaction | None:
        for tx in self.transactions():
            if tx.transaction_id == transaction_id:
                return tx
        return None

    # -- conditions ------------------------------------------------------------------------

    def _powered(self, evse: Evse) -> bool:
        """Power may flow: cable in, authorized, EVSE usable."""
        return (
            evse.plugged is not None
            and not evse.cable_used
            and not evse.ev_away
            and evse.auth is not None
            and self.station_operative
            and (evse.operative or evse.tx is not None)
        )

    def _charging_state(self, evse: Evse) -> str:
        if evse.plugged is None:
            return "Idle"
        if evse.ev_away:  # no EV at the end of the cable
            return "EVConnected" if self.faults.on("s201-ev-disconnect-not-idle") else "Idle"
        if not self._powered(evse):
            return "EVConnected"
        if evse.invalid_id:
            return "SuspendedEVSE"
        if evse.ev_suspended and not self.faults.on("s201-suspended-ev-as-charging"):
            return "SuspendedEV"
        return "Charging"

    def _start_due(self, evse: Evse) -> set[str]:
        points = self.model.members("TxCtrlr", "TxStartPoint")
        if self.faults.on("s201-tx-start-point-ignored"):
            points = {"PowerPathClosed"}
        fresh_cable = evse.plugged is not None and not evse.cable_used and not evse.ev_away
        due = set()
        if "ParkingBayOccupied" in points and evse.bay_occupied:
            due.add("ParkingBayOccupied")
        if "EVConnected" in points and fresh_cable:
            due.add("EVConnected")
        if "Authorized" in points and evse.auth is not None:
            due.add("Authorized")
        if "PowerPathClosed" in points and fresh_cable and evse.auth is not None:
            due.add("PowerPathClosed")
        charging = self._charging_state(evse) == "Charging"
        if "EnergyTransfer" in points and charging:
            due.add("EnergyTransfer")
        if "DataSigned" in points and charging:
            due.add("DataSigned")  # signed meter data is available once energy flows
        return due

    # -- messages --------------------------------------------------------------------------

    def _meter_value(
        self,
        evse: Evse | None,
        context: str,
        *,
        signed: bool = False,
        measurands: tuple[str, str] | None = None,
        stamp: str | None = None,
    ) -> dict[str, Any]:
        """One MeterValue of `evse` (None: the main meter): a sampledValue per measurand of the
        `measurands` MemberList variable (component, name); energy only without one."""
        stamp = stamp or now_iso()
        chosen = ["Energy.Active.Import.Register"]
        if measurands is not None and not self.faults.on("s201-measurands-ignored"):
            chosen = ordered(self.model.members(*measurands)) or chosen
        charging = evse is not None and self._charging_state(evse) == "Charging"
        samples = []
        for measurand in chosen:
            sample: dict[str, Any] = {
                "value": reading(evse, measurand, self.evses.values(), charging),
                "context": context,
                "measurand": measurand,
                "unitOfMeasure": {"unit": UNITS[measurand]},
            }
            if (
                signed
                and measurand == "Energy.Active.Import.Register"
                and not self.faults.on("s201-data-signed-unsigned")
            ):
                sample["signedMeterValue"] = self._signed(evse, sample["value"], stamp)
            samples.append(sample)
        return {"timestamp": stamp, "sampledValue": samples}

    def _send_meter_values(self, payload: dict[str, Any]) -> None:
        fut = self.out.send("MeterValues", payload)
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # nobody waits

    def clock_event(self, evse: Evse, value: dict[str, Any]) -> None:
        """J01: a clock-aligned reading of a transaction's EVSE goes in a TransactionEvent."""
        trigger = "MeterValueClock"
        if self.faults.on("s201-clock-event-wrong-trigger"):
            trigger = "MeterValuePeriodic"
        self._event(evse, "Updated", trigger, meter=[value])

    def _sign_readings(self) -> bool:
        """SampledDataCtrlr.SignReadings (J02.FR.21): sampled readings carry signed data."""
        return self.model.get_bool("SampledDataCtrlr", "SignReadings") and not self.faults.on(
            "s201-readings-unsigned"
        )

    def _signed(self, evse: Evse | None, value: float, stamp: str) -> dict[str, str]:
        """A signed meter reading (OCMF, ECDSA P-256), as a signing meter would give it."""
        if self._meter_key is None:
            self._meter_key = ec.generate_private_key(ec.SECP256R1())
        data = json.dumps(
            {"FV": "1.0", "GI": "reference-meter", "RD": [{"TM": stamp, "RV": value, "RU": "Wh"}]},
            separators=(",", ":"),
        )
        signature = self._meter_key.sign(data.encode(), ec.ECDSA(hashes.SHA256())).hex()
        ocmf = f'OCMF|{data}|{{"SA":"ECDSA-secp256r1-SHA256","SD":"{signature}"}}'
        public = self._meter_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "signedMeterData": base64.b64encode(ocmf.encode()).decode(),
            "signingMethod": "ECDSA-secp256r1-SHA256",
            "encodingMethod": "OCMF",
            "publicKey": base64.b64encode(public).decode(),
        }

    def _event(
        self,
        evse: Evse,
        event_type: str,
        trigger: str,
        *,
        stopped_reason: str | None = None,
        id_token: dict[str, Any] | None = None,
        meter: list[dict[str, Any]] | None = None,
        remote_start_id: int | None = None,
        charging_state: str | None = None,
    ) -> None:
        tx = evse.tx
        assert tx is not None
        seq = next(tx.seq)
        if self.faults.on("s201-seqno-stuck") and event_type != "Started":
            seq = 1
        info: dict[str, Any] = {"transactionId": tx.transaction_id}
        state = charging_state or self._charging_state(evse)
        if state != tx.charging_state or event_type == "Started":
            info["chargingState"] = state
            tx.charging_state = state
        if stopped_reason is not None:
            info["stoppedReason"] = stopped_reason
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        if self.faults.on("s201-wrong-trigger-reason") and trigger == "CablePluggedIn":
            trigger = "Authorized"
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": now_iso(),
            "triggerReason": trigger,
            "seqNo": seq,
            "transactionInfo": info,
        }
        hide = self.faults.on("s201-started-no-evse") and event_type == "Started"
        if not hide and not evse.evse_unknown:  # J02: no EVSE yet for a station-wide start
            payload["evse"] = {"id": evse.id, "connectorId": tx.connector_id}
        if id_token is not None:
            payload["idToken"] = id_token
            if evse.auth is not None and evse.auth.reservation_id is not None:
                payload["reservationId"] = evse.auth.reservation_id  # H03: the one it used
        if meter:
            payload["meterValue"] = meter
        if not self.out.online and not self.faults.on("s201-offline-not-flagged"):
            payload["offline"] = True
        fut = self.out.send("TransactionEvent", payload, tx_id=tx.transaction_id)
        if id_token is not None:
            token = id_token
            fut.add_done_callback(lambda f: self._on_tx_response(evse, tx, f, token))

    def _on_tx_response(
        self,
        evse: Evse,
        tx: Transaction,
        fut: asyncio.Future[Mapping[str, Any] | None],
        id_token: Mapping[str, Any],
    ) -> None:
        if fut.cancelled() or fut.exception() is not None:
            return
        result = fut.result() or {}
        if result.get("idTokenInfo") and self.token_answered is not None:
            self.token_answered(id_token, result["idTokenInfo"])
        status = (result.get("idTokenInfo") or {}).get("status", "Accepted")
        if self.faults.on("s201-invalid-id-continues"):
            return
        if status != "Accepted" and evse.tx is tx and not tx.ended:
            limit = self.model.get_int("TxCtrlr", "MaxEnergyOnInvalidId")
            if limit > 0 and not self.faults.on("s201-max-energy-ignored"):
                self.out.spawn(self._energy_limit(evse, tx, limit))
                return
            self._refused(evse, tx)

    def _refused(self, evse: Evse, tx: Transaction) -> None:
        """The CSMS refused the transaction's idToken: deauthorize it (StopTxOnInvalidId
        true) or keep it without delivering energy (false)."""
        stop = self.model.get_bool("TxCtrlr", "StopTxOnInvalidId")
        if self.faults.on("s201-stop-tx-on-invalid-id-ignored"):
            stop = True
        if stop:
            self.deauthorize(evse, "Deauthorized", "DeAuthorized")
            return
        # StopTxOnInvalidId false: the transaction goes on, the energy delivery stops.
        evse.invalid_id = True
        self.event(evse, "ChargingStateChanged")

    async def _energy_limit(self, evse: Evse, tx: Transaction, limit_wh: int) -> None:
        """TxCtrlr.MaxEnergyOnInvalidId: after the refusal the EV may still draw `limit_wh`;
        then the refusal applies. The limit IS the behaviour: wait until it is drawn."""
        start = evse.energy()
        while evse.tx is tx and not tx.ended:
            left = limit_wh - (evse.energy() - start)
            if left <= 0:
                self._refused(evse, tx)
                return
            charging = evse.charging_since is not None
            await asyncio.sleep(min(1.0, left / CHARGING_POWER_W * 3600) if charging else 0.5)

    def _auth_token(self, evse: Evse) -> dict[str, Any] | None:
        """The idToken to report, once per transaction (E03.FR.02 / E02.FR.05)."""
        if evse.auth is None or evse.auth.reported:
            return None
        evse.auth.reported = True
        if self.faults.on("s201-no-idtoken-in-tx"):
            return None
        return evse.auth.id_token

    # -- events ----------------------------------------------------------------------------

    def event(self, evse: Evse, trigger: str) -> None:
        """Something changed on `evse`: start, update or leave the transaction as it is."""
        self._update_energy(evse)
        # F01 / F02: the remoteStartId goes with the first event that reports the authorization
        # (Started at plug-in when the remote start came first, else the RemoteStart event).
        remote = evse.auth.remote_start_id if evse.auth and not evse.auth.reported else None
        if self.faults.on("s201-remote-start-no-remote-id"):
            remote = None
        if evse.tx is None:
            due = self._start_due(evse)
            if not due:
                return
            reason = "ChargingStateChanged" if due <= {"EnergyTransfer", "DataSigned"} else trigger
            if due == {"ParkingBayOccupied"}:
                reason = "EVDetected"
            if due == {"DataSigned"}:
                reason = "SignedDataReceived"  # E01.FR.04: the meter's signed data arrived
            tx_id = str(uuid.uuid4())
            connector = evse.plugged or 1
            evse.tx = Transaction(tx_id, evse.id, connector)
            signed = "DataSigned" in due or self.model.get_bool("SampledDataCtrlr", "SignReadings")
            begin = self._meter_value(
                evse,
                "Transaction.Begin",
                signed=signed,
                measurands=("SampledDataCtrlr", "TxStartedMeasurands"),
            )
            not_ready = self._ev_not_ready(evse, reason)
            evse.evse_unknown = evse.evse_unknown and evse.plugged is None
            self._event(
                evse,
                "Started",
                reason,
                id_token=self._auth_token(evse),
                meter=None
                if self.faults.on("s201-started-no-meter") or evse.evse_unknown
                else [begin],
                remote_start_id=remote,
                charging_state="EVConnected" if not_ready else None,
            )
            if not_ready:  # E03 / TC_E_38: then the EV says it is not ready (yet)
                self._event(evse, "Updated", "ChargingStateChanged")
            evse.tx.meter_task = asyncio.ensure_future(self._sample(evse, evse.tx))
            self._update_energy(evse)
            return
        tx = evse.tx
        if evse.plugged is not None and tx.connector_id != evse.plugged:
            tx.connector_id = evse.plugged
        state = self._charging_state(evse)
        token = self._auth_token(evse)
        if (
            state != tx.charging_state
            or token is not None
            or trigger
            in (
                "CablePluggedIn",
                "RemoteStart",
            )
        ):
            not_ready = self._ev_not_ready(evse, trigger) and tx.charging_state != "SuspendedEV"
            # E10: an EV connected again is reported as such, then its charging state.
            not_ready = not_ready or (trigger == "CablePluggedIn" and state == "Charging")
            known_now: list[dict[str, Any]] | None = None
            if evse.evse_unknown and evse.plugged is not None:  # J02: now the EVSE is known
                evse.evse_unknown = False
                if not self.faults.on("s201-begin-meter-lost"):
                    known_now = [
                        self._meter_value(
                            evse,
                            "Transaction.Begin",
                            signed=self._sign_readings(),
                            measurands=("SampledDataCtrlr", "TxStartedMeasurands"),
                        )
                    ]
            self._event(
                evse,
                "Updated",
                trigger,
                id_token=token,
                meter=known_now,
                remote_start_id=remote,
                charging_state="EVConnected" if not_ready else None,
            )
            if not_ready:
                self._event(evse, "Updated", "ChargingStateChanged")
        self._update_energy(evse)

    def _ev_not_ready(self, evse: Evse, trigger: str) -> bool:
        """The power path closes (plug-in / authorization) to an EV that does not take energy:
        report EVConnected for that event, then the EV's own change to SuspendedEV."""
        return trigger != "ChargingStateChanged" and self._charging_state(evse) == "SuspendedEV"

    def _update_energy(self, evse: Evse) -> None:
        charging = self._charging_state(evse) == "Charging" and evse.tx is not None
        if charging and evse.charging_since is None:
            evse.charging_since = time.monotonic()
        elif not charging and evse.charging_since is not None:
            evse.energy_wh = evse.energy()
            evse.charging_since = None

    def end(self, evse: Evse, trigger: str, stopped_reason: str) -> None:
        tx = evse.tx
        if tx is None or tx.ended:
            return
        tx.ended = True
        self.ended_ids.add(tx.transaction_id)
        self._cancel_timeout(evse)  # EVConnectionTimeOut no longer applies to this EVSE
        self._update_energy(evse)
        if tx.meter_task is not None:
            tx.meter_task.cancel()
        last = self._meter_value(
            evse,
            "Transaction.End",
            signed=self._sign_readings(),
            measurands=("SampledDataCtrlr", "TxEndedMeasurands"),
        )
        kept = [] if self.faults.on("s201-tx-ended-no-samples") else tx.samples
        meter = [*kept, last]
        # An end caused by a charging-state change (E06, TxStopPoint EnergyTransfer) reports
        # the state it changed to; any other end reports the state after the power is off.
        state = self._charging_state(evse) if trigger == "ChargingStateChanged" else None
        evse.auth = None
        self._update_energy(evse)
        self._event(
            evse,
            "Ended",
            trigger,
            stopped_reason=tx.stop_reason or stopped_reason,
            meter=meter,
            charging_state=state,
        )
        evse.tx = None
        evse.charging_since = None
        evse.invalid_id = False
        evse.evse_unknown = False
        if evse.plugged is not None:
            evse.cable_used = True
        if evse.pending_inoperative:
            evse.pending_inoperative = False
            evse.operative = False
            for connector_id in evse.connectors:
                self.out.connector_changed(evse.id, connector_id)
        for connector_id in sorted(evse.pending_connectors):  # G03.FR.05, one connector
            evse.connectors[connector_id] = False
            self.out.connector_changed(evse.id, connector_id)
        evse.pending_connectors.clear()
        if not self.transactions():
            for action in list(self.on_idle):
                action()
            self.on_idle.clear()

    async def _sample(self, evse: Evse, tx: Transaction) -> None:
        """Periodic meter values: TxUpdatedInterval (sent) and TxEndedInterval (kept)."""
        last_updated = last_ended = time.monotonic()
        while not tx.ended:
            updated = self.model.get_int("SampledDataCtrlr", "TxUpdatedInterval")
            ended = self.model.get_int("SampledDataCtrlr", "TxEndedInterval")
            due = [
                t
                for t in (
                    last_updated + updated if updated else None,
                    last_ended + ended if ended else None,
                )
                if t is not None
            ]
            # The sample interval IS the behaviour; re-read the variables at least each second.
            wait = min([*(d - time.monotonic() for d in due), 1.0])
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            now = time.monotonic()
            if tx.ended or evse.tx is not tx:
                return
            if updated and now >= last_updated + updated:
                last_updated = now
                self._event(
                    evse,
                    "Updated",
                    "MeterValuePeriodic",
                    meter=[
                        self._meter_value(
                            evse,
                            "Sample.Clock"
                            if self.faults.on("s201-periodic-wrong-context")
                            else "Sample.Periodic",
                            signed=self._sign_readings(),
                            measurands=("SampledDataCtrlr", "TxUpdatedMeasurands"),
                        )
                    ],
                )
            if ended and now >= last_ended + ended:
                last_ended = now
                tx.samples.append(
                    self._meter_value(
                        evse,
                        "Sample.Periodic",
                        signed=self._sign_readings(),
                        measurands=("SampledDataCtrlr", "TxEndedMeasurands"),
                    )
                )

    # -- operator and CSMS actions ---------------------------------------------------------

    def plug_in(self, evse_id: int, connector_id: int) -> None:
        evse = self.evses[evse_id]
        if connector_id not in evse.connectors:
            raise KeyError(f"connector {connector_id} of EVSE {evse_id}")
        if evse.ev_away and evse.plugged == connector_id:  # E10: the EV is connected again
            evse.ev_away = False
            self._cancel_timeout(evse)
            self.out.connector_changed(evse_id, connector_id)
            self.event(evse, "CablePluggedIn")
            return
        evse.plugged = connector_id
        evse.cable_used = False
        self._cancel_timeout(evse)
        self.out.connector_changed(evse_id, connector_id)
        self.event(evse, "CablePluggedIn")

    def unplug(self, evse_id: int) -> None:
        evse = self.evses[evse_id]
        connector = evse.plugged
        if evse.ev_away:
            self._cancel_timeout(evse)  # a fixed cable's EV-side timeout (E10.FR.02)
        evse.plugged = None
        evse.cable_used = False
        evse.ev_away = False
        evse.locked_by = None
        if connector is not None:
            self.out.connector_changed(evse_id, connector)
        if evse.tx is None:
            evse.auth = None
            return
        stop = self.model.members("TxCtrlr", "TxStopPoint")
        # StopTxOnEVSideDisconnect is about an authorized session losing its EV; after a stop
        # authorization only the TxStopPoint decides (E06: e.g. ParkingBayOccupied ends later).
        stop_on_disconnect = evse.auth is not None and self.model.get_bool(
            "TxCtrlr", "StopTxOnEVSideDisconnect"
        )
        if stop & {"EVConnected", "PowerPathClosed", "EnergyTransfer"} or stop_on_disconnect:
            self.end(evse, "EVCommunicationLost", "EVDisconnected")
        else:
            self.event(evse, "EVCommunicationLost")

    def ev_side_disconnect(self, evse_id: int) -> None:
        """E09 / E10: the cable leaves the EV but stays in the station's socket. The
        transaction ends if StopTxOnEVSideDisconnect is true or a TxStopPoint condition is
        gone; otherwise it is suspended until the EV is connected again."""
        evse = self.evses[evse_id]
        connector = evse.plugged
        if connector is None or evse.ev_away:
            return
        evse.ev_away = True
        self.out.connector_changed(evse_id, connector)
        if evse.tx is None:
            return
        stop = self.model.members("TxCtrlr", "TxStopPoint")
        ends = bool(stop & {"EVConnected", "PowerPathClosed", "EnergyTransfer", "DataSigned"})
        ends = ends or self.model.get_bool("TxCtrlr", "StopTxOnEVSideDisconnect")
        if self.faults.on("s201-ev-disconnect-no-stop"):
            ends = False
        if not ends:
            self.event(evse, "EVCommunicationLost")
            if evse.fixed_cable and not self.faults.on("s201-fixed-cable-no-timeout"):
                self._start_timeout(evse)  # E10.FR.02: deauthorize if the EV stays away
            return
        if evse.auth is not None and not self.model.get_bool(
            "OCPPCommCtrlr", "UnlockOnEVSideDisconnect"
        ):
            evse.locked_by = str(evse.auth.id_token.get("idToken"))  # E09.FR.03: stays locked
        self.end(evse, "EVCommunicationLost", "EVDisconnected")

    def occupy_bay(self, evse_id: int) -> None:
        evse = self.evses[evse_id]
        evse.bay_occupied = True
        self.event(evse, "EVDetected")

    def vacate_bay(self, evse_id: int) -> None:
        evse = self.evses[evse_id]
        evse.bay_occupied = False
        if self.faults.on("s201-bay-stop-ignored"):
            return
        if evse.tx is not None and "ParkingBayOccupied" in self.model.members(
            "TxCtrlr", "TxStopPoint"
        ):
            self.end(evse, "EVDeparted", "EVDisconnected")

    def ev_suspend(self, evse_id: int, suspended: bool) -> None:
        evse = self.evses[evse_id]
        evse.ev_suspended = suspended
        if (
            suspended
            and evse.tx is not None
            and "EnergyTransfer" in self.model.members("TxCtrlr", "TxStopPoint")
            and not self.faults.on("s201-suspended-ev-continues")
        ):
            self.end(evse, "ChargingStateChanged", "StoppedByEV")
            return
        self.event(evse, "ChargingStateChanged")

    def authorize(
        self, evse: Evse, auth: Authorization, trigger: str, *, evse_known: bool = True
    ) -> None:
        evse.auth = auth
        evse.invalid_id = False
        evse.evse_unknown = not evse_known and evse.plugged is None
        if evse.plugged is None or evse.cable_used:
            self._start_timeout(evse)
        self.event(evse, trigger)

    def deauthorize(self, evse: Evse, trigger: str, stopped_reason: str) -> None:
        """Stop authorization (local / remote stop, invalid token): end or suspend the tx."""
        if self.faults.on("s201-local-stop-wrong-reason") and trigger == "StopAuthorized":
            stopped_reason = "Remote"
        tx = evse.tx
        if tx is None:
            evse.auth = None
            self._cancel_timeout(evse)
            return
        stop = self.model.members("TxCtrlr", "TxStopPoint")
        if stop & {"Authorized", "PowerPathClosed", "EnergyTransfer"}:
            self.end(evse, trigger, stopped_reason)
            return
        evse.auth = None
        tx.stop_reason = stopped_reason
        self._update_energy(evse)
        self._event(evse, "Updated", trigger)

    def _start_timeout(self, evse: Evse) -> None:
        self._cancel_timeout(evse)
        if self.faults.on("s201-no-ev-connection-timeout"):
            return
        evse.timeout_task = asyncio.ensure_future(self._connection_timeout(evse))

    def _cancel_timeout(self, evse: Evse) -> None:
        if evse.timeout_task is not None:
            evse.timeout_task.cancel()
            evse.timeout_task = None

    async def _connection_timeout(self, evse: Evse) -> None:
        # EVConnectionTimeOut IS the behaviour: no cable within it ends the authorization.
        await asyncio.sleep(self.model.get_int("TxCtrlr", "EVConnectionTimeOut"))
        evse.timeout_task = None
        if evse.ev_away and evse.tx is not None:  # E10.FR.02: a fixed cable's EV stayed away
            self.deauthorize(evse, "EVConnectTimeout", "Timeout")
            return
        if evse.plugged is not None and not evse.cable_used:
            return
        if evse.tx is not None:
            self.end(evse, "EVConnectTimeout", "Timeout")
        else:
            evse.auth = None

    def stop_all(self, trigger: str, stopped_reason: str) -> None:
        for evse in self.evses.values():
            self.end(evse, trigger, stopped_reason)

    def trigger_event(self, evse: Evse, trigger: str = "Trigger") -> None:
        """TriggerMessage TransactionEvent: an Updated with the current meter value and the
        current chargingState (reported even though it did not change, F06)."""
        assert evse.tx is not None
        evse.tx.charging_state = ""  # forget what was reported, so it is reported again
        self._event(evse, "Updated", trigger, meter=[self._meter_value(evse, "Trigger")])

    def meter_values(self, evse_id: int) -> dict[str, Any]:
        evse = self.evses.get(evse_id)
        if evse is not None:
            value = self._meter_value(evse, "Trigger")
        else:  # EVSE 0: the station's main meter, the sum of all EVSEs
            total = round(sum(e.energy() for e in self.evses.values()), 1)
            value = {
                "timestamp": now_iso(),
                "sampledValue": [
                    {
                        "value": total,
                        "context": "Trigger",
                        "measurand": "Energy.Active.Import.Register",
                        "unitOfMeasure": {"unit": "Wh"},
                    }
                ],
            }
        return {"evseId": evse_id, "meterValue": [value]}

    def to_json(self) -> list[dict[str, Any]]:
        out = []
        for e in self.evses.values():
            out.append(
                {
                    "id": e.id,
                    "operative": e.operative,
                    "connectors": {str(c): self.connector_status(e.id, c) for c in e.connectors},
                    "plugged": e.plugged,
                    "parkingBayOccupied": e.bay_occupied,
                    "evSuspended": e.ev_suspended,
                    "authorized": e.auth.id_token if e.auth else None,
                    "chargingState": self._charging_state(e),
                    "energyWh": e.energy(),
                    "transaction": None
                    if e.tx is None
                    else {"transactionId": e.tx.transaction_id, "connectorId": e.tx.connector_id},
                }
            )
        return out
