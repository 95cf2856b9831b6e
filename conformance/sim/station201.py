"""The reference charging station for OCPP 2.0.1: a small, correct Core station with faults.

It connects to `<csms_url>/<station id>` offering `ocpp2.0.1`, boots (B01-B03), reports its
connectors, sends heartbeats at the interval the CSMS gave, answers the CSMS's Core requests
(station201_handlers) and runs transactions (station201_tx). Operator verbs (plug in, present a
card, reboot, go offline, ...) arrive on the control API; `GET /state` shows EVSEs, connectors,
transactions and device-model variables. Every deviation from the spec it can be told to make
is a declared fault (`--fault s201-...`), so the suite can prove it catches each one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import logging
import random
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.ocppj import CallError
from conformance.sim import station201_faults as _faults
from conformance.sim.control import ControlServer, VerbError, VerbHandler
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import StationOptions
from conformance.sim.station201_auth import AuthCache, is_master_pass
from conformance.sim.station201_customer import CustomerData
from conformance.sim.station201_diagnostics import LogUpload
from conformance.sim.station201_firmware import FirmwareUpdate
from conformance.sim.station201_handlers import SUPPORTED, RequestHandlers
from conformance.sim.station201_link import CsmsLink
from conformance.sim.station201_locallist import LocalAuthList, csms_asker
from conformance.sim.station201_model import build_model
from conformance.sim.station201_network import NetworkSelector
from conformance.sim.station201_reservations import Reservations
from conformance.sim.station201_security import StationSecurity
from conformance.sim.station201_smart import SmartCharging
from conformance.sim.station201_tx import Authorization, TxEngine, now_iso
from conformance.sim.station201_variants import VariantBehaviour
from conformance.sim.tasks import BackgroundTasks
from conformance.transport.client import connect_station

log = logging.getLogger(__name__)
del _faults  # imported for its declarations

MESSAGE_TIMEOUT = 30.0  # how long the station waits for an answer to its own CALL


@dataclass
class Outgoing:
    action: str
    payload: dict[str, Any]
    future: asyncio.Future[Mapping[str, Any] | None]
    tx_id: str | None = None
    pending_ok: bool = False  # may go out while the registration is Pending (B02.FR.02)
    attempts: int = 0


class ReferenceStation201:
    """`Simulator` for `ocpp-conformance sim station --ocpp 2.0.1`."""

    def __init__(self, options: StationOptions, faults: ActiveFaults) -> None:
        self.options = options
        self.faults = faults
        self.model = build_model(options.evses, options.security_profile)
        self.security = StationSecurity(options, self.model, faults, self.send)
        self.tx = TxEngine(options.evses, self.model, self, faults)
        self.logs = LogUpload(lambda action, payload: self.send(action, payload), faults)
        self.firmware = FirmwareUpdate(self)  # L01 (station201_firmware)
        self.variants = VariantBehaviour(self)  # cable lock, Master Pass UI (--variant)
        self.handlers = RequestHandlers(self)
        self.customers = CustomerData(self)  # N09 / N10
        self.reservations = Reservations(self)  # H01-H04 (station201_reservations)
        self.tx.reserved = self.reservations.reserved
        self.smart = SmartCharging(self, enabled=bool(options.extra.get("smart_charging", True)))
        # B10: the configuration slot to dial (the installed profile, or a SetNetworkProfile one).
        self.network = NetworkSelector(
            self.model, self.handlers.network_profiles, lambda: self.security.url, faults
        )
        self.registration = "None"  # None / Pending / Accepted / Rejected
        self.boot_reason = "PowerUp"
        self.need_boot = True
        self.link: CsmsLink | None = None
        self.queue: list[Outgoing] = []
        self.in_flight: Outgoing | None = None
        self.reported: dict[tuple[int, int], str] = {}
        self.control: ControlServer | None = None
        self.connections = 0
        self.last_boot: dict[str, Any] = {}
        self.auth_cache = AuthCache(self.model, faults)  # idToken -> idTokenInfo (C10)
        # D01 / D02, used for C13 / C14 (station201_locallist): asked before the cache.
        self.local_list = LocalAuthList(
            self.model, faults, csms_asker(self.send, self.auth_cache.store)
        )
        self.tx.token_answered = lambda token, info: self.auth_cache.store(
            str(token.get("idToken")), info, from_tx=True
        )  # C10.FR.05
        self._online = asyncio.Event()
        self._online.set()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._wake = asyncio.Event()
        self._boot_now = asyncio.Event()
        self._hb_changed = asyncio.Event()
        self._last_sent = time.monotonic()
        self._offline_since = time.monotonic()  # when the last connection was lost
        self._boot_settled = asyncio.Event()  # clear: a BootNotification answer is not in yet
        self._boot_settled.set()
        self._unsent_status: set[tuple[int, int]] = set()  # status changes lost with a link
        self._tasks = BackgroundTasks(log, "station")
        self._reboot_reason: str | None = None
        self._generation = 0  # bumped at every reboot
        extra = options.extra
        self.model.find("OCPPCommCtrlr", "MessageTimeout", "Default").value = str(
            int(float(extra.get("message_timeout", MESSAGE_TIMEOUT)))
        )
        self.late_delay = float(extra.get("late_response_delay", 8.0))
        self.reconnect_backoff = float(extra.get("reconnect_backoff", 0.5))
        # Start-up option: the station cannot reset a single EVSE (B11.FR.09 / B12.FR.09).
        self.reset_evse = bool(extra.get("reset_evse", True))
        # Start-up option: EVSEs with a permanently attached cable (E10.FR.02).
        for evse_id in extra.get("fixed_cable_evses", ()):
            self.tx.evses[int(evse_id)].fixed_cable = True

    # -- Simulator -------------------------------------------------------------------------

    async def start(self) -> dict[str, str]:
        self.control = ControlServer(
            self._verbs(),
            self.state_json,
            host=self.options.control_host,
            port=self.options.control_port,
        )
        await self.control.start()
        self.spawn(self._connection_loop())
        self.spawn(self._sender())
        self.spawn(self.tx.aligned.run())  # J01 clock-aligned meter values
        return {"control": self.control.url}

    async def stop(self) -> None:
        self._stopping = True
        self._tasks.cancel_all()
        for evse in self.tx.evses.values():
            if evse.tx is not None and evse.tx.meter_task is not None:
                evse.tx.meter_task.cancel()
            if evse.timeout_task is not None:
                evse.timeout_task.cancel()
        if self.link is not None:
            self.link.cancel_tasks()
            await self.link.close(1001, "station shutting down")
        if self.control is not None:
            await self.control.close()
        self.security.close()
        self._stopped.set()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    def spawn(self, coro: Awaitable[None]) -> None:
        self._tasks.spawn(coro)

    # -- Outbox (for the transaction engine) -----------------------------------------------

    @property
    def online(self) -> bool:
        return self._online.is_set() and self.link is not None and not self.link.closed.is_set()

    def send(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        tx_id: str | None = None,
        pending_ok: bool = False,
    ) -> asyncio.Future[Mapping[str, Any] | None]:
        """Queue a CALL; the future gets the answer payload (None for a CallError)."""
        fut: asyncio.Future[Mapping[str, Any] | None] = asyncio.get_running_loop().create_future()
        if tx_id is not None and not self.online and self.faults.on("s201-offline-queue-dropped"):
            fut.set_result(None)  # fault: a transaction message made while offline is lost
            return fut
        self.logs.journal.sent(action, payload)  # N01: what the station's log files hold
        self.queue.append(Outgoing(action, payload, fut, tx_id, pending_ok))
        self._wake.set()
        return fut

    def connector_changed(self, evse_id: int, connector_id: int, *, force: bool = False) -> None:
        """Report a connector's status if it changed (B01.FR.?? / G01: on every change)."""
        self.reservations.status_changing()  # H01 / H04: reservations follow the EVSEs
        status = self.tx.connector_status(evse_id, connector_id)
        key = (evse_id, connector_id)
        if not force and self.reported.get(key) == status:
            return
        previous = self.reported.get(key)
        self.reported[key] = status
        if self.registration != "Accepted" and not force:
            return  # reported after the next accepted boot
        if status == "Occupied" and self.faults.on("s201-occupied-not-reported"):
            return
        if previous == "Occupied" and self.faults.on("s201-freed-not-reported"):
            return
        self.send_status(evse_id, connector_id, pending_ok=force)

    def send_status(self, evse_id: int, connector_id: int, *, pending_ok: bool = False) -> None:
        stamp = now_iso()
        if self.faults.on("s201-status-bad-timestamp"):
            stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        payload = {
            "timestamp": stamp,
            "connectorStatus": self.tx.connector_status(evse_id, connector_id),
            "evseId": evse_id,
            "connectorId": connector_id,
        }
        self.send("StatusNotification", payload, pending_ok=pending_ok)

    # -- the connection --------------------------------------------------------------------

    async def _connection_loop(self) -> None:
        failures = 0  # failed connection attempts since the last successful one
        while not self._stopping:
            await self._online.wait()
            try:
                ws, _hs = await connect_station(
                    self.network.url(),
                    self.options.station_id,
                    self.options.version,  # 2.0.1, or 2.1 (a superset of 2.0.1's messages)
                    password=self.security.password,
                    username=self.security.username,
                    ssl_context=self.security.ssl_context(),
                )
            except Exception as exc:
                log.info("connect failed: %r", exc)
                failures += 1
                self.network.failed()  # B10.FR.03: maybe the next profile
                self.security.connection_failed()  # M05: maybe the fallback CSMS root
                # The back-off between connection attempts IS the behaviour.
                await asyncio.sleep(self._retry_backoff(failures))
                continue
            failures = 0
            self.network.connected()
            self.security.connection_succeeded()  # M05: a new CSMS root worked
            link = CsmsLink(
                ws,
                self.handlers.handle,
                supported=SUPPORTED,
                reuse_ids=self.faults.on("s201-duplicate-message-id"),
                version=self.options.version,
            )
            self.link = link
            self.connections += 1
            reader = asyncio.ensure_future(link.run())
            heartbeat = asyncio.ensure_future(self._heartbeat(link))
            try:
                if self.need_boot:
                    await self._boot(link)
                else:
                    self._report_after_offline()
                    self._wake.set()  # send what queued up while offline
                await link.closed.wait()
            finally:
                heartbeat.cancel()
                reader.cancel()
                self.link = None
                self._drop_non_tx()
                self._offline_since = time.monotonic()
            if self._reboot_reason is None and self._online.is_set() and not self._stopping:
                # The CSMS closed the connection: reconnect after the back-off (behaviour).
                await asyncio.sleep(self._retry_backoff())
            self._reboot_reason = None

    async def boot_settled(self) -> None:
        """Messages are taken in the order they came: a CSMS request that arrives right after
        the answer to our BootNotification waits until the boot has taken that answer in (so a
        Rejected / Pending answer governs the request). Bounded, in case the request came
        before the BootNotification was even out."""
        link = self.link
        if self._boot_settled.is_set() or link is None or link.awaiting_answer():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._boot_settled.wait(), 1.0)

    def _retry_backoff(self, failures: int = 0) -> float:
        """The wait before a reconnection attempt (Part 4 5.3, OCPPCommCtrlr): after a lost
        connection RetryBackOffWaitMinimum plus a random part of at most
        RetryBackOffRandomRange; each failed attempt doubles the wait, at most
        RetryBackOffRepeatTimes times. A minimum of 0 means the simulator's own short back-off."""
        minimum = self.model.get_int("OCPPCommCtrlr", "RetryBackOffWaitMinimum")
        if minimum <= 0 or self.faults.on("s201-reconnect-ignores-backoff"):
            return self.reconnect_backoff
        doublings = min(failures, self.model.get_int("OCPPCommCtrlr", "RetryBackOffRepeatTimes"))
        if self.faults.on("s201-reconnect-no-doubling"):
            doublings = 0
        wait = float(minimum * 2**doublings)
        spread = self.model.get_int("OCPPCommCtrlr", "RetryBackOffRandomRange")
        if spread > 0:
            wait += random.uniform(0, spread)
        return wait

    def _report_after_offline(self) -> None:
        """B04: back online without a new boot. Offline for longer than OfflineThreshold:
        report every connector (B04.FR.01), in place of the status changes queued meanwhile;
        shorter: the queued status changes go out as they are (B04.FR.02)."""
        offline = time.monotonic() - self._offline_since
        threshold = self.model.get_int("OCPPCommCtrlr", "OfflineThreshold")
        full = offline > threshold and not self.faults.on("s201-offline-changed-only")
        unsent, self._unsent_status = self._unsent_status, set()
        if full or self.faults.on("s201-offline-no-status"):
            for item in [i for i in self.queue if i.action == "StatusNotification"]:
                self.queue.remove(item)
                item.future.cancel()
        if self.faults.on("s201-offline-no-status"):
            return
        if not full:
            queued = {
                (i.payload["evseId"], i.payload["connectorId"])
                for i in self.queue
                if i.action == "StatusNotification"
            }
            for key in sorted(unsent - queued):  # changes that went with the lost connection
                self.send_status(*key)
            return
        for evse in self.tx.evses.values():
            for connector_id in evse.connectors:
                key = (evse.id, connector_id)
                self.reported[key] = self.tx.connector_status(*key)
                self.send_status(*key)

    def _drop_non_tx(self) -> None:
        """On a lost connection only transaction messages are kept (E04/E12 queueing)."""
        keep = []
        for item in self.queue:
            if item.tx_id is not None:
                keep.append(item)
                continue
            if item.action == "StatusNotification":  # owed after the reconnect (B04.FR.02)
                self._unsent_status.add((item.payload["evseId"], item.payload["connectorId"]))
            if not item.future.done():
                item.future.set_exception(ConnectionError("connection lost"))
                item.future.exception()  # mark retrieved: nobody may be waiting
        self.queue = keep

    async def _boot(self, link: CsmsLink) -> None:
        """B01-B03: BootNotification until Accepted, waiting `interval` between tries."""
        self.registration = "None"
        while not link.closed.is_set():
            reason = self.boot_reason
            if self.faults.on("s201-boot-wrong-reason") and reason == "RemoteReset":
                reason = "PowerUp"
            payload = {
                "reason": reason,
                "chargingStation": {
                    "model": "reference-station",
                    "vendorName": "ocpp-conformance",
                    "firmwareVersion": self.firmware.version,
                    "serialNumber": self.options.station_id,
                },
            }
            self._boot_now.clear()
            generation = self._generation
            self._boot_settled.clear()
            try:
                answer = await link.call("BootNotification", payload, timeout=self.message_timeout)
            except (ConnectionError, TimeoutError):
                self._boot_settled.set()
                return
            if generation != self._generation or link.closed.is_set():
                self._boot_settled.set()
                return  # a reboot began while the answer was on its way: it no longer counts
            self._last_sent = time.monotonic()
            interval = 60
            if isinstance(answer, CallError):
                status = "Rejected"
            else:
                status = str(answer.payload.get("status"))
                interval = int(answer.payload.get("interval", 60))
                self.last_boot = dict(answer.payload)
            self.registration = status
            self._boot_settled.set()
            if status == "Accepted":
                self.need_boot = False
                if interval > 0:
                    self.model.find("OCPPCommCtrlr", "HeartbeatInterval").value = str(interval)
                    self._hb_changed.set()
                self._report_all_connectors()
                self.firmware.on_boot_accepted()  # L01: Installed after the update's reboot
                self._wake.set()
                return
            wait = float(interval if interval > 0 else 60)
            if self.faults.on("s201-boot-retry-early"):
                wait = wait / 2
            if status == "Rejected" and self.faults.on("s201-rejected-chatty"):
                self.send_status(1, 1, pending_ok=True)
            self._wake.set()
            # The retry interval IS the behaviour (B02.FR.?? / B03.FR.04); a TriggerMessage
            # BootNotification while Pending cuts it short.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._boot_now.wait(), wait)

    def _report_all_connectors(self) -> None:
        self._unsent_status.clear()
        pairs = [(e.id, c) for e in self.tx.evses.values() for c in e.connectors]
        if self.faults.on("s201-no-status-notification"):
            pairs = pairs[:-1]
        for evse_id, connector_id in pairs:
            self.reported[(evse_id, connector_id)] = self.tx.connector_status(evse_id, connector_id)
            self.send_status(evse_id, connector_id)

    def _may_send(self, item: Outgoing) -> bool:
        if self.registration == "Accepted":
            return True
        if self.registration == "Pending":
            return item.pending_ok
        return self.registration == "Rejected" and self.faults.on("s201-rejected-chatty")

    async def _sender(self) -> None:
        """One CALL at a time, in order; transaction messages are retried (E12)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.queue:
                link = self.link
                if link is None or link.closed.is_set():
                    break
                item = next((i for i in self.queue if self._may_send(i)), None)
                if item is None:
                    break
                self.in_flight = item
                try:
                    answer = await link.call(
                        item.action, item.payload, timeout=self.message_timeout
                    )
                except ConnectionError:
                    break
                except TimeoutError:
                    answer = None
                finally:
                    self.in_flight = None
                self._last_sent = time.monotonic()
                if answer is None or isinstance(answer, CallError):
                    attempts = self._tx_attempts()
                    if self.faults.on("s201-tx-no-retry"):
                        attempts = 1
                    elif self.faults.on("s201-tx-retry-extra"):
                        attempts += 1
                    if item.tx_id is not None and item.attempts + 1 < attempts:
                        item.attempts += 1
                        # The retry interval IS the behaviour (E13: MessageAttemptInterval times
                        # the number of attempts so far).
                        wait = self._tx_retry_interval() * item.attempts
                        if self.faults.on("s201-tx-retry-no-backoff"):
                            wait = 0
                        await asyncio.sleep(wait)
                        continue
                    self._finish(item, None)
                    continue
                self._finish(item, answer.payload)

    def _finish(self, item: Outgoing, payload: Mapping[str, Any] | None) -> None:
        with contextlib.suppress(ValueError):
            self.queue.remove(item)
        if not item.future.done():
            item.future.set_result(payload)

    @property
    def message_timeout(self) -> float:
        """How long the station waits for the answer to its own CALL (OCPPCommCtrlr.
        MessageTimeout[Default], which the CSMS may change)."""
        return float(max(1, self.model.get_int("OCPPCommCtrlr", "MessageTimeout", "Default")))

    def _tx_attempts(self) -> int:
        return max(1, self.model.get_int("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"))

    def _tx_retry_interval(self) -> int:
        return self.model.get_int("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")

    def tx_messages_queued(
        self, transaction_id: str | None = None, *, count_in_flight: bool = True
    ) -> bool:
        """E14: transaction messages not yet delivered (sent but unanswered ones included)."""
        items = [*self.queue]
        link = self.link
        answered = link is not None and not link.awaiting_answer()
        if self.in_flight in items and (answered or not count_in_flight):
            items.remove(self.in_flight)  # answered: delivered, just not taken in yet
        return any(
            i.tx_id is not None and (transaction_id is None or i.tx_id == transaction_id)
            for i in items
        )

    async def _heartbeat(self, link: CsmsLink) -> None:
        """Heartbeat after HeartbeatInterval seconds without any message sent (B01.FR.??)."""
        while not link.closed.is_set():
            interval = self.model.get_int("OCPPCommCtrlr", "HeartbeatInterval")
            due = self._last_sent + interval - time.monotonic() if interval > 0 else 3600.0
            if due > 0 or self.registration != "Accepted":
                self._hb_changed.clear()
                # The heartbeat interval IS the behaviour.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hb_changed.wait(), max(due, 0.05))
                continue
            self._last_sent = time.monotonic()
            fut = self.send("Heartbeat", {})
            with contextlib.suppress(Exception):
                await fut

    # -- reboot ----------------------------------------------------------------------------

    async def reboot(self, reason: str) -> None:
        """Close the connection, forget the registration, reconnect and boot with `reason`."""
        self._generation += 1
        self.need_boot = True
        self.boot_reason = reason
        self.registration = "None"
        self._reboot_reason = reason
        self.network.reload()  # B10.FR.01: the priority takes effect at the reboot
        self.auth_cache.rebooted()  # C10.FR.02
        self.reservations.rebooted()  # reservations persist over a reboot (TC_B_24_CS)
        self.local_list.rebooted()  # the local authorization list is persistent too
        for evse in self.tx.evses.values():
            evse.auth = None
            if (reason == "RemoteReset" and self.faults.on("s201-availability-lost-on-reset")) or (
                reason != "RemoteReset" and self.faults.on("s201-availability-lost-on-reboot")
            ):
                evse.operative = True
                evse.connectors = dict.fromkeys(evse.connectors, True)
                self.tx.station_operative = True
        link = self.link
        if link is not None:
            await link.close(1000, "rebooting")
            self._boot_now.set()  # a boot retry waiting out a Pending / Rejected interval ends
        else:
            self._reboot_reason = None

    async def reconnect(self) -> None:
        """Drop the connection and open a new one without a reboot (A01: new credentials)."""
        link = self.link
        if link is not None:
            await link.close(1000, "reconnecting with new credentials")

    async def flush_then_reboot(self, reason: str) -> None:
        """Send what is queued (the Ended events of a reset), then reboot."""
        pending = [i.future for i in self.queue if self._may_send(i)]  # the rest cannot go
        if pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*pending, return_exceptions=True), self.message_timeout
                )
        await self.reboot(reason)

    # -- operator verbs --------------------------------------------------------------------

    def _verbs(self) -> dict[str, VerbHandler]:
        return {
            "plug_in": self.verb_plug_in,
            "unplug": self.verb_unplug,
            "present_id_token": self.verb_present_id_token,
            "ev_side_disconnect": self.verb_ev_side_disconnect,
            "reboot": self.verb_reboot,
            "power_cycle": self.verb_power_cycle,
            "go_offline": self.verb_go_offline,
            "go_online": self.verb_go_online,
            "ev_suspend": self.verb_ev_suspend,
            "ev_resume": self.verb_ev_resume,
            "occupy_parking_bay": self.verb_occupy_parking_bay,
            "vacate_parking_bay": self.verb_vacate_parking_bay,
            "store_customer_identifier": self.verb_store_customer_identifier,
            "set_external_charging_limit": self.smart.verb_set_external_limit,  # K12
            "clear_external_charging_limit": self.smart.verb_clear_external_limit,  # K13
            **self.variants.verbs(),
        }

    def _evse_id(self, args: Mapping[str, Any]) -> int:
        evse_id = int(args.get("evse_id") or 1)
        if evse_id not in self.tx.evses:
            raise VerbError(f"EVSE {evse_id} does not exist")
        return evse_id

    async def verb_plug_in(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        evse_id = self._evse_id(args)
        connector_id = int(args.get("connector_id") or 1)
        evse = self.tx.evses[evse_id]
        if evse.plugged is not None and not evse.ev_away:
            raise VerbError(f"a cable is already plugged in at EVSE {evse_id}")
        if (locked := self.variants.plug_in_refused(evse)) is not None:
            raise VerbError(locked)
        try:
            self.tx.plug_in(evse_id, connector_id)
        except KeyError as exc:
            raise VerbError(f"unknown {exc}") from None
        return None

    async def verb_unplug(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.tx.unplug(self._evse_id(args))
        return None

    async def verb_ev_side_disconnect(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        evse_id = self._evse_id(args)
        if self.tx.evses[evse_id].plugged is None:
            raise VerbError(f"no cable is plugged in at EVSE {evse_id}")
        self.tx.ev_side_disconnect(evse_id)
        return None

    async def verb_occupy_parking_bay(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.tx.occupy_bay(self._evse_id(args))
        return None

    async def verb_vacate_parking_bay(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.tx.vacate_bay(self._evse_id(args))
        return None

    async def verb_store_customer_identifier(
        self, args: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        ident = str(args.get("customer_identifier") or "")
        if not ident or len(ident) > 64:
            raise VerbError("customer_identifier must be 1 to 64 characters")
        self.customers.store_identifier(ident)
        return None

    async def verb_ev_suspend(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.tx.ev_suspend(self._evse_id(args), True)
        return None

    async def verb_ev_resume(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.tx.ev_suspend(self._evse_id(args), False)
        return None

    async def verb_present_id_token(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        token = {"idToken": str(args["id_token"]), "type": str(args.get("type") or "ISO14443")}
        evse_id = int(args["evse_id"]) if args.get("evse_id") else None
        if evse_id is not None and evse_id not in self.tx.evses:
            raise VerbError(f"EVSE {evse_id} does not exist")
        self.spawn(self._present(token, evse_id))
        return None

    async def _present(self, token: dict[str, Any], evse_id: int | None) -> None:
        """C01 / E06: a card at the reader starts an authorization or stops a transaction."""
        for evse in self.tx.evses.values():
            if evse.locked_by is not None and evse.locked_by == token["idToken"]:
                evse.locked_by = None  # E09: the driver unlocks the cable with the same card
                return
        for evse in self.tx.evses.values():
            if evse_id is not None and evse.id != evse_id:
                continue
            if evse.tx is not None and evse.auth is not None and evse.auth.id_token == token:
                self.tx.deauthorize(evse, "StopAuthorized", "Local")
                return
        remote_allowed = not self.model.get_bool("AuthCtrlr", "DisableRemoteAuthorization")
        if self.faults.on("s201-remote-authorization-not-disabled"):
            remote_allowed = True
        caching = self.model.get_bool("AuthCacheCtrlr", "Enabled")
        info: Mapping[str, Any]
        cached = self.auth_cache.get(str(token["idToken"])) if caching else None
        pre_authorize = self.model.get_bool("AuthCtrlr", "LocalPreAuthorize")
        if self.faults.on("s201-cache-without-pre-authorize"):
            pre_authorize = True
        usable_status = cached is not None and cached.get("status") == "Accepted"
        if self.faults.on("s201-cached-status-ignored"):
            usable_status = cached is not None
        pre_authorized = pre_authorize and usable_status
        if self.faults.on("s201-pre-authorize-ignored"):
            pre_authorized = False
        # C12.FR.05 / AuthCacheCtrlr.DisablePostAuthorize: a cached idToken that is not
        # Accepted is asked for again at the CSMS, unless post-authorization is disabled.
        no_post = self.model.get_bool("AuthCacheCtrlr", "DisablePostAuthorize")
        if self.faults.on("s201-post-authorize-not-disabled"):
            no_post = False
        if pre_authorize and cached is not None and not usable_status and no_post:
            pre_authorized = True
        listed = await self.local_list.authorize(
            token,
            online=self.online,
            remote_allowed=remote_allowed,
            cached=self.auth_cache.entry(str(token["idToken"])) is not None,
            running_groups={
                e.auth.group for e in self.tx.evses.values() if e.auth and e.auth.group
            },
        )
        if listed is not None:
            info = listed  # C13 / C14: the local authorization list decides before the cache
        elif self.online and remote_allowed and pre_authorized and cached is not None:
            info = cached  # LocalPreAuthorize (C10): a cached Accepted idToken starts at once
        elif self.online and remote_allowed:
            result = await self.send("Authorize", {"idToken": token})
            info = (result or {}).get("idTokenInfo") or {}
            if info.get("status") is not None and caching:
                self.auth_cache.store(token["idToken"], info)  # C10.FR.04: cache the answer
        elif self.online:
            # DisableRemoteAuthorization: no AuthorizeRequest, only the cache decides.
            cached = self.auth_cache.get(str(token["idToken"]))
            usable = cached is not None and self.model.get_bool("AuthCacheCtrlr", "Enabled")
            info = cached if usable and cached is not None else {"status": "Invalid"}
        else:
            info = self._offline_authorization(token)
        status = info.get("status")
        if self.variants.unlocks_refused(status):
            status = "Accepted"
        if status != "Accepted" and self.faults.on("s201-auth-status-ignored"):
            status = "Accepted"
        if status != "Accepted" and self.faults.on("s201-group-stop-invalid"):
            self._group_stop(info, evse_id)  # fault: a refused idToken of the group stops
        if status != "Accepted":
            return
        if is_master_pass(self.model, info) and not self.faults.on("s201-master-pass-starts"):
            self._master_pass_stop()  # C16: a master pass stops transactions, starts none
            return
        group = (info.get("groupIdToken") or {}).get("idToken")
        for evse in self.tx.evses.values():
            if evse_id is not None and evse.id != evse_id:
                continue
            same_group = group and evse.auth is not None and evse.auth.group == group
            if self.faults.on("s201-group-stop-ignored"):
                same_group = False
            if evse.auth is not None and self.faults.on("s201-stop-with-any-token"):
                same_group = True
            if same_group and not self.online and self.faults.on("s201-offline-group-stop-ignored"):
                same_group = False
            if evse.tx is not None and same_group:
                self.tx.deauthorize(evse, "StopAuthorized", "Local")
                return
        target = self._pick_evse(evse_id, token, group)
        if target is None:
            return
        # Presented at the station-wide reader (no evse_id): the EVSE is known once a cable is in.
        known = evse_id is not None
        reservation = self.reservations.consume(target, token, group)  # H03
        auth = Authorization(token, group, reservation_id=reservation)
        self.tx.authorize(target, auth, "Authorized", evse_known=known)

    def _group_stop(self, info: Mapping[str, Any], evse_id: int | None) -> None:
        group = (info.get("groupIdToken") or {}).get("idToken")
        for evse in self.tx.evses.values():
            if evse_id is not None and evse.id != evse_id:
                continue
            if group and evse.tx is not None and evse.auth and evse.auth.group == group:
                self.tx.deauthorize(evse, "StopAuthorized", "Local")

    def _master_pass_stop(self) -> None:
        """C16.FR.02: no user interface to choose from, so every ongoing transaction stops."""
        if self.variants.master_pass_presented():
            return  # C16.FR.01: the user interface lets the holder select (station201_variants)
        for evse in self.tx.evses.values():
            if evse.tx is not None:
                self.tx.deauthorize(evse, "StopAuthorized", "MasterPass")
                if self.faults.on("s201-master-pass-stops-one"):
                    return

    def _offline_authorization(self, token: Mapping[str, Any]) -> Mapping[str, Any]:
        """C12 / C15: offline, a cached idToken is accepted when LocalAuthorizeOffline is true;
        an unknown one only when OfflineTxForUnknownIdEnabled is true."""
        cached = self.auth_cache.get(str(token["idToken"]))
        if cached is not None:
            if self.model.get_bool("AuthCtrlr", "LocalAuthorizeOffline"):
                return cached
            return {"status": "Invalid"}
        if self.model.get_bool("AuthCtrlr", "OfflineTxForUnknownIdEnabled"):
            return {"status": "Accepted"}
        return {"status": "Invalid"}

    def _pick_evse(
        self,
        evse_id: int | None,
        token: Mapping[str, Any] | None = None,
        group: str | None = None,
    ) -> Any:
        evses = list(self.tx.evses.values())

        def free_for(evse: Any) -> bool:  # H03: a reserved EVSE only for its reservation
            return token is None or self.reservations.allows(evse, token, group)

        if evse_id is not None:
            evse = self.tx.evses[evse_id]
            return evse if evse.auth is None and free_for(evse) else None
        for evse in evses:  # a cable waiting for authorization
            waiting = evse.auth is None and evse.plugged is not None and not evse.cable_used
            if waiting and free_for(evse):
                return evse
        for evse in evses:
            idle = evse.auth is None and evse.tx is None and evse.plugged is None
            if idle and evse.operative and free_for(evse):
                return evse
        return None

    async def verb_reboot(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.tx.stop_all("AbnormalCondition", "Reboot")
        self.spawn(self.flush_then_reboot("LocalReset"))
        return None

    async def verb_power_cycle(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.tx.stop_all("AbnormalCondition", "PowerLoss")
        self.spawn(self.reboot("PowerUp"))
        return None

    async def verb_go_offline(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self._online.clear()
        if self.link is not None:
            await self.link.close(1001, "going offline")
        return None

    async def verb_go_online(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self._online.set()
        return None

    # -- state -----------------------------------------------------------------------------

    def state_json(self) -> Mapping[str, Any]:
        return {
            "stationId": self.options.station_id,
            "registration": self.registration,
            "connected": self.online,
            "connections": self.connections,
            "queued": [i.action for i in self.queue],
            "evses": self.tx.to_json(),
            "reservations": self.reservations.to_json(),
            "transactions": [
                {"transactionId": t.transaction_id, "evseId": t.evse_id}
                for t in self.tx.transactions()
            ],
            "variables": {
                ".".join(
                    p
                    for p in (
                        v.component,
                        str(v.evse) if v.evse is not None else "",
                        str(v.connector) if v.connector is not None else "",
                        v.name,
                        v.instance or "",
                    )
                    if p
                ): v.value
                for v in self.model.variables
            },
        }
