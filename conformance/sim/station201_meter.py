"""Meter values of the reference 2.0.1 station (J01 clock-aligned, J02 sampled).

A sample holds one sampledValue per configured measurand (SampledDataCtrlr.Tx*Measurands,
AlignedDataCtrlr.Measurands / TxEndedMeasurands), in the order the model lists them. The
clock-aligned loop takes a reading at every multiple of AlignedDataCtrlr.Interval since
midnight (UTC): an EVSE with a transaction reports it in a TransactionEvent (Updated,
MeterValueClock), the main meter (evseId 0) and idle EVSEs in a MeterValuesRequest; with
AlignedDataCtrlr.SendDuringIdle true nothing is sent while a transaction runs. Readings for
AlignedDataCtrlr.TxEndedInterval are kept with the transaction for its Ended event.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from conformance.sim.station201_model import MEASURANDS

if TYPE_CHECKING:
    from conformance.sim.station201_tx import Evse, TxEngine

UNITS = {
    "Energy.Active.Import.Register": "Wh",
    "Power.Active.Import": "W",
    "Current.Import": "A",
    "Voltage": "V",
    "SoC": "Percent",
}
VOLTAGE_V = 230.0


def iso(stamp: float) -> str:
    """A wall-clock time (epoch seconds) as the wire's date-time, in milliseconds."""
    moment = _dt.datetime.fromtimestamp(stamp, _dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ordered(measurands: Iterable[str]) -> list[str]:
    """Configured measurands in the model's order (a MemberList is a set)."""
    chosen = set(measurands)
    return [m for m in MEASURANDS if m in chosen]


def reading(evse: Evse | None, measurand: str, evses: Iterable[Evse], charging: bool) -> float:
    """What the meter of `evse` (None: the main meter, the sum of all EVSEs) reads now."""
    if measurand == "Energy.Active.Import.Register":
        if evse is None:
            return round(sum(e.energy() for e in evses), 1)
        return evse.energy()
    if measurand == "Power.Active.Import":
        return 7400.0 if charging else 0.0
    if measurand == "Current.Import":
        return round(7400.0 / VOLTAGE_V, 1) if charging else 0.0
    if measurand == "Voltage":
        return VOLTAGE_V
    return 50.0  # SoC: the simulated EV is always half full


class AlignedData:
    """The clock-aligned meter loop of one station (J01)."""

    def __init__(
        self,
        engine: TxEngine,
        send_meter_values: Callable[[dict[str, Any]], None],
        sample: Callable[..., dict[str, Any]],
    ) -> None:
        self.engine = engine
        self.send_meter_values = send_meter_values
        self.sample = sample  # TxEngine._meter_value
        self.wake = asyncio.Event()  # set when an AlignedDataCtrlr variable changes

    async def _pause(self, seconds: float) -> bool:
        """Wait `seconds` or until the configuration changes; True if it changed."""
        try:
            await asyncio.wait_for(self.wake.wait(), seconds)
        except TimeoutError:
            return False
        self.wake.clear()
        return True

    async def run(self) -> None:
        model = self.engine.model
        while True:
            interval = model.get_int("AlignedDataCtrlr", "Interval")
            ended = model.get_int("AlignedDataCtrlr", "TxEndedInterval")
            steps = [s for s in (interval, ended) if s > 0]
            if not steps:
                await self._pause(3600.0)  # nothing to do until the configuration changes
                continue
            now = time.time()
            # The next clock-aligned moment: a multiple of the interval since midnight UTC
            # (epoch time is aligned to it). The interval IS the behaviour; a configuration
            # change in the meantime starts over with the new values.
            due = min((now // s + 1) * s for s in steps)
            if await self._pause(max(0.0, due - now)):
                continue
            self.tick(
                due, send=interval > 0 and due % interval == 0, keep=ended > 0 and due % ended == 0
            )

    def tick(self, at: float, *, send: bool, keep: bool) -> None:
        engine = self.engine
        faults = engine.faults
        stamp = iso(at)
        busy = any(e.tx is not None for e in engine.evses.values())
        idle_only = engine.model.get_bool("AlignedDataCtrlr", "SendDuringIdle")
        if faults.on("s201-aligned-sent-during-transaction"):
            idle_only = False
        signed = engine.model.get_bool("AlignedDataCtrlr", "SignReadings") and not faults.on(
            "s201-readings-unsigned"
        )
        context = "Sample.Clock"
        if faults.on("s201-aligned-wrong-context"):
            context = "Sample.Periodic"
        if keep:
            for evse in engine.evses.values():
                if evse.tx is not None:
                    evse.tx.samples.append(
                        self.sample(
                            evse,
                            context,
                            signed=signed,
                            measurands=("AlignedDataCtrlr", "TxEndedMeasurands"),
                            stamp=stamp,
                        )
                    )
        if not send or (idle_only and busy):
            return
        measurands = ("AlignedDataCtrlr", "Measurands")
        main = self.sample(None, context, signed=signed, measurands=measurands, stamp=stamp)
        self.send_meter_values({"evseId": 0, "meterValue": [main]})
        for evse in engine.evses.values():
            value = self.sample(evse, context, signed=signed, measurands=measurands, stamp=stamp)
            if evse.tx is not None:
                engine.clock_event(evse, value)
            else:
                self.send_meter_values({"evseId": evse.id, "meterValue": [value]})
