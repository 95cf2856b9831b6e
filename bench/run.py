"""Benchmark: the harness against a raw-websockets floor, measured side by side in one run.

(a) floor: a raw `websockets` server process and client process exchanging a 2.0.1
    BootNotification CALL / CALLRESULT with nothing but json.loads/dumps;
(b) harness: the same exchange through MockCsms (server session: strict parse, request
    schema validation, default responder) and MockStation (client session: correlation,
    response schema validation).
Both sequential (one outstanding CALL, as OCPP-J requires), N exchanges each. Last line:
`harness/floor ratio: X.XX`. Ratios, not absolute times, are the target (goal >= 0.60), since
absolute numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BOOT = {
    "chargingStation": {"model": "BenchModel", "vendorName": "BenchVendor"},
    "reason": "PowerUp",
}


def _boot_result() -> dict[str, Any]:
    return {"currentTime": "2026-11-24T12:00:00.000Z", "interval": 300, "status": "Accepted"}


async def serve_raw(port_file: Path) -> None:
    from websockets.asyncio.server import serve

    async def handler(ws: Any) -> None:
        async for text in ws:
            msg = json.loads(text)
            await ws.send(json.dumps([3, msg[1], _boot_result()]))

    async with serve(
        handler, "127.0.0.1", 0, subprotocols=["ocpp2.0.1"], compression=None, ping_interval=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        port_file.write_text(str(port))
        await asyncio.Future()


async def serve_harness(port_file: Path) -> None:
    from conformance.ocppj import OcppVersion
    from conformance.roles import MockCsms
    from conformance.trace import Recorder

    csms = MockCsms(version=OcppVersion.V201, recorder=Recorder())
    await csms.start()
    port_file.write_text(str(csms.port))
    await asyncio.Future()


def _start(mode: str) -> tuple[subprocess.Popen[bytes], int]:
    port_file = Path(f"/tmp/ocpp-bench-{os.getpid()}-{mode}.port")
    port_file.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, __file__, mode, str(port_file)])
    deadline = time.monotonic() + 20
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"{mode} server did not start")
        time.sleep(0.02)  # polling a child's start-up file in the benchmark driver only
    port = int(port_file.read_text())
    port_file.unlink()
    return proc, port


async def client_raw(port: int, n: int) -> list[float]:
    from websockets.asyncio.client import connect

    lat = []
    async with connect(
        f"ws://127.0.0.1:{port}/ocpp/BENCH",
        subprotocols=["ocpp2.0.1"],
        compression=None,
        ping_interval=None,
    ) as ws:
        for i in range(n):
            t0 = time.perf_counter()
            await ws.send(json.dumps([2, str(i), "BootNotification", BOOT]))
            reply = json.loads(await ws.recv())
            assert reply[1] == str(i)
            lat.append(time.perf_counter() - t0)
    return lat


async def client_harness(port: int, n: int) -> list[float]:
    from conformance.ocppj import OcppVersion
    from conformance.roles import MockStation
    from conformance.trace import Recorder

    recorder = Recorder()
    st = MockStation(
        csms_url=f"ws://127.0.0.1:{port}/ocpp",
        station_id="BENCH",
        version=OcppVersion.V201,
        recorder=recorder,
    )
    await st.connect()
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        result = await st.conn.call("BootNotification", BOOT)
        assert result["status"] == "Accepted"
        lat.append(time.perf_counter() - t0)
    await st.close()
    if recorder.findings.items:
        raise RuntimeError(f"unexpected findings: {recorder.findings.items[:3]}")
    return lat


def _report(name: str, lat: list[float], wall: float) -> float:
    lat_sorted = sorted(lat)
    rate = len(lat) / wall
    p50 = statistics.median(lat_sorted) * 1e6
    p99 = lat_sorted[int(len(lat_sorted) * 0.99) - 1] * 1e6
    print(f"{name:<8} {len(lat)} exchanges  {rate:9.0f}/s  p50 {p50:7.1f} us  p99 {p99:7.1f} us")
    return rate


def run_side(mode: str, n: int) -> float:
    proc, port = _start("serve-" + mode)
    try:
        client = client_raw if mode == "raw" else client_harness
        asyncio.run(client(port, 200))  # warm-up: schema compilation, JIT-free caches
        t0 = time.perf_counter()
        lat = asyncio.run(client(port, n))
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)
    return _report(mode, lat, wall)


def validation_rate() -> float:
    from conformance.ocppj import OcppVersion
    from conformance.ocppj.schemas import validate

    sample = {
        "unit": "Wh",
        "measurand": "Energy.Active.Import.Register",
        "context": "Sample.Periodic",
        "location": "Outlet",
    }
    payload = {
        "eventType": "Updated",
        "timestamp": "2026-11-24T12:00:00.000Z",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 7,
        "transactionInfo": {"transactionId": "tx-0001", "chargingState": "Charging"},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": "VALID001", "type": "ISO14443"},
        "meterValue": [
            {
                "timestamp": f"2026-11-24T12:00:{s:02d}.000Z",
                "sampledValue": [
                    {
                        "value": 1000.0 + s,
                        "measurand": sample["measurand"],
                        "context": sample["context"],
                        "location": sample["location"],
                        "unitOfMeasure": {"unit": sample["unit"]},
                    },
                    {
                        "value": 16.0,
                        "measurand": "Current.Import",
                        "phase": "L1",
                        "context": sample["context"],
                        "unitOfMeasure": {"unit": "A"},
                    },
                ],
            }
            for s in range(6)
        ],
    }
    size = len(json.dumps(payload))
    v = OcppVersion.V201
    assert validate(v, "TransactionEvent", "request", payload) == []
    n = 50_000
    t0 = time.perf_counter()
    for _ in range(n):
        validate(v, "TransactionEvent", "request", payload)
    rate = n / (time.perf_counter() - t0)
    print(f"validation: {size}-byte TransactionEventRequest  {rate:,.0f}/s (goal >= 100,000/s)")
    return rate


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("serve-raw", "serve-harness"):
        target = serve_raw if sys.argv[1] == "serve-raw" else serve_harness
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(target(Path(sys.argv[2])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=10_000)
    args = parser.parse_args()
    validation_rate()
    floor = run_side("raw", args.n)
    harness = run_side("harness", args.n)
    print(f"harness/floor ratio: {harness / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
