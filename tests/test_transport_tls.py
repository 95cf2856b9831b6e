"""Transport over TLS: security profiles 2 (TLS + basic auth) and 3 (mutual TLS).

Each refusal is checked against its twin that succeeds, so a test cannot pass merely
because the client was misconfigured: the same client with the good certificate connects.
"""

from __future__ import annotations

import asyncio
import ssl
import stat
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.exceptions import InvalidMessage, InvalidStatus

from conformance.ocppj import OcppVersion
from conformance.transport.client import connect_station
from conformance.transport.server import Handshake, OcppServer
from conformance.transport.tls import (
    TestPki,
    client_context,
    generate_pki,
    server_context,
)

V = OcppVersion.V201
SID = "CS-TLS-1"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return generate_pki(tmp_path_factory.mktemp("pki"), station_id=SID)


async def _serve(ctx: ssl.SSLContext, *, auth: bool) -> tuple[OcppServer, list[Handshake]]:
    seen: list[Handshake] = []

    async def handler(conn: object, hs: Handshake) -> None:
        seen.append(hs)
        await conn.wait_closed()  # type: ignore[attr-defined]

    srv = OcppServer(
        handler, version=V, passwords={SID: "s3cret-pass"}, ssl_context=ctx, require_auth=auth
    )
    await srv.start()
    return srv, seen


@pytest.fixture
async def profile2(pki: TestPki) -> AsyncIterator[tuple[OcppServer, list[Handshake]]]:
    srv, seen = await _serve(server_context(pki.server), auth=True)
    yield srv, seen
    await srv.close()


@pytest.fixture
async def profile3(pki: TestPki) -> AsyncIterator[tuple[OcppServer, list[Handshake]]]:
    srv, seen = await _serve(server_context(pki.server, client_ca=pki.ca.cert), auth=False)
    yield srv, seen
    await srv.close()


async def _connect(srv: OcppServer, ctx: ssl.SSLContext, password: str | None = None) -> Handshake:
    ws, _ = await asyncio.wait_for(
        connect_station(srv.url(), SID, V, password=password, ssl_context=ctx), 5
    )
    await ws.close()
    return Handshake(station_id=SID, path="", offered=(), subprotocol=ws.subprotocol)


async def _refused_tls(srv: OcppServer, ctx: ssl.SSLContext, password: str | None = None) -> None:
    with pytest.raises((ssl.SSLError, OSError, InvalidMessage, InvalidStatus)) as info:
        await _connect(srv, ctx, password)
    # With TLS 1.3 the client learns of a refused client certificate only when the server
    # drops the connection instead of answering the HTTP upgrade.
    assert not isinstance(info.value, InvalidStatus), "refused by HTTP, not by TLS"


def test_pki_files(pki: TestPki) -> None:
    assert pki.server.cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    for files in (pki.ca, pki.server, pki.client, pki.expired_client, pki.foreign_client):
        assert stat.S_IMODE(files.key.stat().st_mode) == 0o600, files.key


async def test_profile2_good_ca_and_password(
    pki: TestPki, profile2: tuple[OcppServer, list[Handshake]]
) -> None:
    srv, seen = profile2
    assert srv.url().startswith("wss://")
    await _connect(srv, client_context(pki.ca.cert), "s3cret-pass")
    await asyncio.wait_for(_until(lambda: bool(seen)), 5)
    tls = seen[0].tls
    assert tls["version"] in ("TLSv1.2", "TLSv1.3") and tls["cipher"]
    assert seen[0].authenticated_as == SID


async def test_profile2_wrong_password_is_401_inside_tls(
    pki: TestPki, profile2: tuple[OcppServer, list[Handshake]]
) -> None:
    srv, _ = profile2
    with pytest.raises(InvalidStatus) as info:
        await _connect(srv, client_context(pki.ca.cert), "wrong")
    assert info.value.response.status_code == 401


async def test_station_refuses_server_cert_from_foreign_ca(
    pki: TestPki, profile2: tuple[OcppServer, list[Handshake]]
) -> None:
    srv, _ = profile2
    with pytest.raises(ssl.SSLCertVerificationError):
        await _connect(srv, client_context(pki.foreign_ca.cert), "s3cret-pass")


async def test_station_refuses_expired_server_cert(pki: TestPki) -> None:
    srv, _ = await _serve(server_context(pki.expired_server), auth=True)
    try:
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            await _connect(srv, client_context(pki.ca.cert), "s3cret-pass")
        assert "expired" in str(info.value)
    finally:
        await srv.close()


async def test_server_refuses_tls11(
    pki: TestPki, profile2: tuple[OcppServer, list[Handshake]]
) -> None:
    srv, _ = profile2
    old = client_context(
        pki.ca.cert, minimum=ssl.TLSVersion.TLSv1_1, maximum=ssl.TLSVersion.TLSv1_1
    )
    await _refused_tls(srv, old, "s3cret-pass")
    # The same TLS 1.1 client does connect to a server that (wrongly) allows 1.1, so the
    # refusal above is the server's doing.
    lax, _ = await _serve(server_context(pki.server, minimum=ssl.TLSVersion.TLSv1_1), auth=True)
    try:
        await _connect(lax, old, "s3cret-pass")
    finally:
        await lax.close()


async def test_profile3_client_certificate(
    pki: TestPki, profile3: tuple[OcppServer, list[Handshake]]
) -> None:
    srv, seen = profile3
    await _connect(srv, client_context(pki.ca.cert, cert=pki.client))
    await asyncio.wait_for(_until(lambda: bool(seen)), 5)
    assert f"CN={SID}" in seen[0].tls["peer_subject"]


@pytest.mark.parametrize("which", ["expired_client", "foreign_client", None])
async def test_profile3_refuses_bad_or_missing_client_cert(
    pki: TestPki, profile3: tuple[OcppServer, list[Handshake]], which: str | None
) -> None:
    srv, seen = profile3
    cert = getattr(pki, which) if which else None
    await _refused_tls(srv, client_context(pki.ca.cert, cert=cert))
    assert not seen


async def _until(cond: object) -> None:
    while not cond():  # type: ignore[operator]
        await asyncio.sleep(0)


def test_no_private_key_is_committed() -> None:
    root = Path(__file__).resolve().parent.parent
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        if Path(name).suffix in {".pem", ".key", ".crt", ".p12"}:
            pytest.fail(f"certificate or key material committed: {name}")
        text = (root / name).read_text(errors="replace") if (root / name).is_file() else ""
        assert "PRIVATE KEY-----" not in text or name.endswith(".py"), name
