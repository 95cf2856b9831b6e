"""The reference charge point for OCPP 1.6 (JSON): a small, correct Core charge point.

It connects to `<csms_url>/<chargeBoxIdentity>` offering `ocpp1.6`, boots (Accepted / Pending
/ Rejected with the interval honoured), reports connector 0 and every connector, sends
heartbeats, answers the Central System's Core requests (station16_handlers), runs
transactions with authorization cache and meter values (station16_tx) and queues transaction
messages while offline, and updates its firmware and uploads diagnostics over HTTP
(station16_firmware). Operator verbs arrive on the control API; `GET /state` shows
connectors, transactions and configuration. Every deviation it can be told to make is a
declared fault (station16_faults, `--fault s16-...`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.ocppj import CallError, OcppVersion
from conformance.sim import station16_faults as _faults
from conformance.sim.control import ControlServer
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import StationOptions
from conformance.sim.station16_auth import Authorizer
from conformance.sim.station16_config import Configuration
from conformance.sim.station16_firmware import FirmwareManagement
from conformance.sim.station16_handlers import SUPPORTED, RequestHandlers
from conformance.sim.station16_link import CentralSystemLink
from conformance.sim.station16_locallist import LocalList
from conformance.sim.station16_reservations import Reservations
from conformance.sim.station16_security import ACTIONS as SECURITY_ACTIONS
from conformance.sim.station16_security import Security16
from conformance.sim.station16_smart import SmartCharging
from conformance.sim.station16_tx import Transaction, TxEngine, now_iso
from conformance.sim.station16_variants import Variants16
from conformance.sim.station16_verbs import OperatorVerbs
from conformance.sim.tasks import BackgroundTasks
from conformance.transport.client import connect_station

log = logging.getLogger(__name__)
del _faults  # imported for its declarations

MESSAGE_TIMEOUT = 30.0  # how long the charge point waits for an answer to its own CALL
AnswerHook = Callable[[Mapping[str, Any] | None], None]


@dataclass
class Outgoing:
    action: str
    payload: dict[str, Any]
    future: asyncio.Future[Mapping[str, Any] | None]
    tx: Transaction | None = None  # a transaction message: kept while offline, retried
    fill_tx_id: bool = False  # put the transaction's id in at send time
    on_answer: AnswerHook | None = None
    attempts: int = 0


class ReferenceStation16:
    """`Simulator` for `ocpp-conformance sim station --ocpp 1.6`."""

    def __init__(self, options: StationOptions, faults: ActiveFaults) -> None:
        self.options = options
        self.faults = faults
        n = sum(options.evses) or 1  # 1.6 has no EVSE level: connectors 1..n
        self.config = Configuration(n)
        self.tx = TxEngine(n, self.config, self, faults)
        self.local_list = LocalList(self.config, faults)
        self.reservations = Reservations(self)
        self.auth = Authorizer(self)
        self.firmware = FirmwareManagement(self)
        self.verbs = OperatorVerbs(self)
        self.handlers = RequestHandlers(self)
        self.security = Security16(self)  # security profiles, certificates, security log
        self.variants = Variants16(self)  # start-up variants (no local list, ...)
        self.smart = SmartCharging(self)  # charging profiles, composite schedules
        self.registration = "None"  # None / Pending / Accepted / Rejected
        self.need_boot = True
        self.link: CentralSystemLink | None = None
        self.queue: list[Outgoing] = []
        self.reported: dict[int, str] = {}
        self.control: ControlServer | None = None
        self.connections = 0
        self.boots = 0
        self.online_wanted = asyncio.Event()  # cleared by the go_offline verb
        self.online_wanted.set()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._wake = asyncio.Event()
        self._hb_changed = asyncio.Event()
        self._clock_changed = asyncio.Event()
        self._last_sent = time.monotonic()
        self._tasks = BackgroundTasks(log, "charge point")
        self._rebooting = False
        self._generation = 0  # bumped at every reboot
        extra = options.extra
        self.message_timeout = float(extra.get("message_timeout", MESSAGE_TIMEOUT))
        self.reconnect_backoff = float(extra.get("reconnect_backoff", 0.5))
        # A back-up power source: at a power failure the transactions are stopped before the
        # charge point goes down; without one, only once the power is back (--no-backup-power).
        self.backup_power = bool(extra.get("backup_power", True))

    # -- Simulator -------------------------------------------------------------------------

    async def start(self) -> dict[str, str]:
        self.control = ControlServer(
            self.verbs.table(),
            self.state_json,
            host=self.options.control_host,
            port=self.options.control_port,
        )
        await self.control.start()
        self.spawn(self._connection_loop())
        self.spawn(self._sender())
        self.spawn(self._clock_aligned())
        return {"control": self.control.url}

    async def stop(self) -> None:
        self._stopping = True
        self._tasks.cancel_all()
        self.tx.cancel_tasks()
        self.reservations.cancel_tasks()
        self.firmware.cancel_tasks()
        self.security.close()
        if self.link is not None:
            self.link.cancel_tasks()
            await self.link.close(1001, "charge point shutting down")
        if self.control is not None:
            await self.control.close()
        self._stopped.set()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    def spawn(self, coro: Awaitable[None]) -> None:
        self._tasks.spawn(coro)

    # -- outbox ----------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.link is not None and not self.link.closed.is_set()

    def send(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        tx: Transaction | None = None,
        fill_tx_id: bool | None = None,
        on_answer: AnswerHook | None = None,
    ) -> asyncio.Future[Mapping[str, Any] | None]:
        """Queue a CALL; the future gets the answer payload (None for a CallError)."""
        fut: asyncio.Future[Mapping[str, Any] | None] = asyncio.get_running_loop().create_future()
        if tx is not None and not self.online and self.faults.on("s16-offline-tx-dropped"):
            fut.set_result(None)
            return fut
        fill = action != "StartTransaction" and tx is not None if fill_tx_id is None else fill_tx_id
        self.queue.append(Outgoing(action, payload, fut, tx, fill, on_answer))
        self._wake.set()
        return fut

    def cache_store(self, id_tag: str, info: Mapping[str, Any]) -> None:
        self.auth.store(id_tag, info)

    def connector_changed(self, connector_id: int) -> None:
        """Report a connector's status when it changed (section 4.9)."""
        status = self.tx.status(connector_id)
        if self.reported.get(connector_id) == status:
            return
        if self.registration != "Accepted" or not self.online:
            return  # reported after the next accepted boot or reconnect
        self.reported[connector_id] = status
        self.send_status(connector_id)

    def send_status(self, connector_id: int) -> None:
        status = self.tx.status(connector_id)
        self.reported[connector_id] = status
        payload = {
            "connectorId": connector_id,
            "errorCode": self.tx.error_code(connector_id),
            "status": status,
            "timestamp": now_iso(),
        }
        self.send("StatusNotification", payload)

    # -- the connection --------------------------------------------------------------------

    async def _connection_loop(self) -> None:
        while not self._stopping:
            await self.online_wanted.wait()
            try:
                ws, _hs = await connect_station(
                    self.options.csms_url,
                    self.options.station_id,
                    OcppVersion.V16,
                    password=self.security.basic_auth_password(),
                    ssl_context=self.security.ssl_context(),
                )
            except Exception as exc:
                log.info("connect failed: %r", exc)
                self.security.connect_failed(exc)
                # The back-off between connection attempts IS the behaviour.
                await asyncio.sleep(self.reconnect_backoff)
                continue
            link = CentralSystemLink(
                ws, self.handlers.handle, supported=SUPPORTED | SECURITY_ACTIONS
            )
            self.link = link
            self.connections += 1
            reader = asyncio.ensure_future(link.run())
            heartbeat = asyncio.ensure_future(self._heartbeat(link))
            try:
                if self.need_boot:
                    await self._boot(link)
                else:
                    self._report_changed()
                    self.security.booted()  # security events logged while it was offline
                    self._wake.set()  # send what queued up while offline
                await link.closed.wait()
            finally:
                heartbeat.cancel()
                reader.cancel()
                self.link = None
                self._drop_non_tx()
            if not self._rebooting and self.online_wanted.is_set() and not self._stopping:
                # The Central System closed the connection: reconnect after the back-off.
                await asyncio.sleep(self.reconnect_backoff)
            self._rebooting = False

    def _drop_non_tx(self) -> None:
        """On a lost connection only transaction messages are kept (section 4.7)."""
        keep = []
        for item in self.queue:
            if item.tx is not None and not self.faults.on("s16-offline-tx-dropped"):
                keep.append(item)
            elif not item.future.done():
                item.future.set_exception(ConnectionError("connection lost"))
                item.future.exception()  # mark retrieved: nobody may be waiting
        self.queue = keep

    async def _boot(self, link: CentralSystemLink) -> None:
        """Section 4.2: BootNotification until Accepted, `interval` seconds between tries."""
        self.registration = "None"
        while not link.closed.is_set():
            payload = self.boot_payload()
            generation = self._generation
            try:
                answer = await link.call("BootNotification", payload, timeout=self.message_timeout)
            except (ConnectionError, TimeoutError):
                return
            if generation != self._generation or link.closed.is_set():
                return  # a reboot began while the answer was on its way
            self._last_sent = time.monotonic()
            interval = 60
            if isinstance(answer, CallError):
                status = "Rejected"
            else:
                status = str(answer.payload.get("status"))
                interval = int(answer.payload.get("interval", 60))
            self.registration = status
            if status == "Accepted":
                self.need_boot = False
                self.boots += 1
                if interval > 0:
                    self.config.set("HeartbeatInterval", str(interval))
                    self._hb_changed.set()
                self._report_all()
                self.firmware.booted()
                self.security.booted()
                self._wake.set()
                return
            wait = float(interval if interval > 0 else 60)
            if self.faults.on("s16-boot-retry-early"):
                wait = wait / 2
            # The retry interval IS the behaviour (section 4.2: wait at least `interval`).
            await asyncio.sleep(wait)

    def boot_payload(self) -> dict[str, Any]:
        return {
            "chargePointVendor": "ocpp-conformance",
            "chargePointModel": "reference-station",
            "chargePointSerialNumber": self.options.station_id,
            "firmwareVersion": self.firmware.version,
        }

    def _report_all(self) -> None:
        ids = [0, *self.tx.connectors]
        if self.faults.on("s16-no-connector0-status"):
            ids = ids[1:]
        for connector_id in ids:
            self.send_status(connector_id)

    def _report_changed(self) -> None:
        """After a reconnect: the connectors whose status changed while offline."""
        for connector_id in [0, *self.tx.connectors]:
            if self.reported.get(connector_id) != self.tx.status(connector_id):
                self.send_status(connector_id)

    async def _sender(self) -> None:
        """One CALL at a time, in order; transaction messages are retried (section 4.7)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.queue:
                link = self.link
                if link is None or link.closed.is_set() or self.registration != "Accepted":
                    break
                item = self.queue[0]
                payload = dict(item.payload)
                if item.fill_tx_id and item.tx is not None:
                    tx_id = item.tx.transaction_id or 0
                    if item.action == "StopTransaction" and self.faults.on(
                        "s16-stop-wrong-transaction-id"
                    ):
                        tx_id += 1
                    payload["transactionId"] = tx_id
                try:
                    answer = await link.call(item.action, payload, timeout=self.message_timeout)
                except ConnectionError:
                    break
                except TimeoutError:
                    answer = None
                self._last_sent = time.monotonic()
                if answer is None or isinstance(answer, CallError):
                    if item.tx is not None and item.attempts + 1 < self._attempts():
                        item.attempts += 1
                        # The retry interval IS the behaviour (TransactionMessageRetryInterval).
                        await asyncio.sleep(self._retry_interval() * item.attempts)
                        continue
                    self._finish(item, None)
                    continue
                self._finish(item, answer.payload)

    def _finish(self, item: Outgoing, payload: Mapping[str, Any] | None) -> None:
        with contextlib.suppress(ValueError):
            self.queue.remove(item)
        if item.on_answer is not None:
            item.on_answer(payload)  # before the next CALL: it may carry the transactionId
        if not item.future.done():
            item.future.set_result(payload)

    def _attempts(self) -> int:
        return max(1, self.config.int("TransactionMessageAttempts"))

    def _retry_interval(self) -> int:
        return self.config.int("TransactionMessageRetryInterval")

    def heartbeat_changed(self) -> None:
        self._hb_changed.set()

    def clock_changed(self) -> None:
        self._clock_changed.set()

    async def _heartbeat(self, link: CentralSystemLink) -> None:
        """Heartbeat after HeartbeatInterval seconds without any message sent (section 4.6)."""
        while not link.closed.is_set():
            interval = float(self.config.int("HeartbeatInterval"))
            if self.faults.on("s16-heartbeat-early"):
                interval /= 2
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

    async def _clock_aligned(self) -> None:
        """Clock-aligned meter values every ClockAlignedDataInterval seconds, at the clock
        times that are a multiple of the interval after midnight (section 9.1.2)."""
        while True:
            interval = self.config.int("ClockAlignedDataInterval")
            self._clock_changed.clear()
            if interval <= 0:
                await self._clock_changed.wait()
                continue
            now = time.time()
            due = (int(now // interval) + 1) * interval - now
            if self.faults.on("s16-clock-not-aligned"):
                due += interval / 2
            # The aligned interval IS the behaviour.
            try:
                await asyncio.wait_for(self._clock_changed.wait(), due)
                continue
            except TimeoutError:
                pass
            if self.registration == "Accepted":
                self.tx.clock_aligned()

    # -- reboot ----------------------------------------------------------------------------

    async def reboot(self) -> None:
        """Close the connection, forget the registration, reconnect and boot."""
        self._generation += 1
        self.need_boot = True
        self.registration = "None"
        self.reported.clear()
        self.tx.cancel_pending()
        if self.faults.on("s16-availability-not-persisted"):
            self.tx.cp_operative = True
            for c in self.tx.connectors.values():
                c.operative, c.scheduled = True, None
        link = self.link
        if link is not None:
            self._rebooting = True
            await link.close(1000, "rebooting")

    async def flush_then_reboot(self) -> None:
        """Send what is queued (the StopTransaction.req of a reset), then reboot."""
        pending = [i.future for i in self.queue]
        if pending and self.online:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*pending, return_exceptions=True), self.message_timeout
                )
        await self.reboot()

    async def power_lost(self) -> None:
        """A power failure without a back-up power source: the charge point goes down at
        once, sending nothing more; the transactions it kept are stopped (reason PowerLoss)
        when the power is back, and those StopTransaction.req go out after the boot."""
        self.registration = "None"  # nothing more leaves before the next accepted boot
        if self.faults.on("s16-no-backup-tx-lost"):
            self.forget_transactions()
        else:
            reason = "Reboot" if self.faults.on("s16-no-backup-stop-reason-reboot") else "PowerLoss"
            self.tx.stop_all(reason)  # queued as transaction messages, kept over the reboot
        await self.reboot()

    def forget_transactions(self) -> None:
        """The s16-reset-no-stop fault: transactions vanish without a StopTransaction.req."""
        for c in self.tx.connectors.values():
            if c.tx is not None:
                if c.tx.meter_task is not None:
                    c.tx.meter_task.cancel()
                c.tx = None
                c.finishing = c.plugged

    # -- state -----------------------------------------------------------------------------

    def state_json(self) -> Mapping[str, Any]:
        return {
            "stationId": self.options.station_id,
            "registration": self.registration,
            "connected": self.online,
            "connections": self.connections,
            "boots": self.boots,
            "queued": [i.action for i in self.queue],
            "connectors": self.tx.to_json(),
            "transactions": [
                {"transactionId": t.transaction_id, "connectorId": t.connector_id}
                for t in self.tx.transactions()
            ],
            "cache": sorted(self.auth.cache),
            "reservations": self.reservations.to_json(),
            "chargingProfiles": self.smart.to_json(),
            "localList": {
                "version": self.local_list.version,
                "idTags": sorted(self.local_list.entries),
            },
            "configuration": {k.name: k.value for k in self.config.keys.values()},
        }
