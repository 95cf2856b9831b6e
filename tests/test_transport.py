"""Transport: station id from the path, subprotocol checks, basic auth (security profile 1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from websockets.exceptions import InvalidStatus

from conformance.ocppj import OcppVersion
from conformance.transport.client import connect_station
from conformance.transport.server import Handshake, OcppServer, parse_basic_auth

V = OcppVersion.V201


@pytest.fixture
async def server() -> AsyncIterator[tuple[OcppServer, list[Handshake]]]:
    seen: list[Handshake] = []

    async def handler(conn: object, hs: Handshake) -> None:
        seen.append(hs)
        await conn.wait_closed()  # type: ignore[attr-defined]

    srv = OcppServer(handler, version=V, passwords={"CS1": "right-pass"}, require_auth=True)
    await srv.start()
    yield srv, seen
    await srv.close()


async def _status_of(coro: object) -> int:
    with pytest.raises(InvalidStatus) as info:
        await asyncio.wait_for(coro, 5)  # type: ignore[arg-type]
    return int(info.value.response.status_code)


async def test_good_credentials_accepted(server: tuple[OcppServer, list[Handshake]]) -> None:
    srv, seen = server
    ws, hs = await connect_station(srv.url(), "CS1", V, password="right-pass")
    assert hs.subprotocol == "ocpp2.0.1" and not hs.findings
    await asyncio.wait_for(_until(lambda: bool(seen)), 5)
    assert seen[0].station_id == "CS1" and seen[0].authenticated_as == "CS1"
    await ws.close()


async def test_wrong_password_is_401(server: tuple[OcppServer, list[Handshake]]) -> None:
    srv, _ = server
    assert await _status_of(connect_station(srv.url(), "CS1", V, password="wrong")) == 401


async def test_missing_credentials_is_401(server: tuple[OcppServer, list[Handshake]]) -> None:
    srv, _ = server
    assert await _status_of(connect_station(srv.url(), "CS1", V)) == 401


async def test_password_of_another_station_is_401(
    server: tuple[OcppServer, list[Handshake]],
) -> None:
    srv, _ = server
    # the user name must be the station id in the URL (OCPP 2.0.1 A00.FR.203)
    assert await _status_of(connect_station(srv.url(), "CS2", V, password="right-pass")) == 401


async def test_path_without_station_id_is_404(server: tuple[OcppServer, list[Handshake]]) -> None:
    srv, _ = server
    from websockets.asyncio.client import connect

    assert await _status_of(connect(f"ws://127.0.0.1:{srv.port}/elsewhere")) == 404


async def test_offered_subprotocols_are_recorded(
    server: tuple[OcppServer, list[Handshake]],
) -> None:
    srv, seen = server
    ws, _hs = await connect_station(
        srv.url(), "CS1", V, password="right-pass", subprotocols=["ocpp1.6", "ocpp2.0.1"]
    )
    await asyncio.wait_for(_until(lambda: bool(seen)), 5)
    assert seen[0].offered == ("ocpp1.6", "ocpp2.0.1") and seen[0].subprotocol == "ocpp2.0.1"
    assert not seen[0].findings
    await ws.close()


def test_parse_basic_auth() -> None:
    assert parse_basic_auth("Basic Q1MxOnA6cQ==") == ("CS1", "p:q")
    assert parse_basic_auth("Basic !!!") is None
    assert parse_basic_auth("Bearer x") is None
    assert parse_basic_auth(None) is None


async def _until(cond: object) -> None:
    while not cond():  # type: ignore[operator]
        await asyncio.sleep(0)
