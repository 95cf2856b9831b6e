"""The TLS probe, the ClientHello parser and the CSR signing used by the block A cases."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest

from conformance.transport.tls import (
    NotAClientHello,
    TestPki,
    chain_problem,
    client_context,
    generate_pki,
    make_csr,
    parse_client_hello,
    server_context,
    sign_csr,
)
from conformance.transport.tls_probe import TlsAttempt, TlsProbe, handshake_only


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return generate_pki(tmp_path_factory.mktemp("pki"), station_id="CS-PROBE")


async def _attempt(probe_ctx: ssl.SSLContext, client: ssl.SSLContext | None) -> TlsAttempt:
    async with TlsProbe("127.0.0.1", 0, probe_ctx, timeout=5) as probe:
        assert probe._server is not None
        port = probe._server.sockets[0].getsockname()[1]
        try:
            if client is None:
                _r, w = await asyncio.open_connection("127.0.0.1", port)
                w.write(b"GET /ocpp/CS-PROBE HTTP/1.1\r\nAuthorization: Basic c2VjcmV0\r\n\r\n")
                await w.drain()
            else:
                _r, w = await asyncio.open_connection("127.0.0.1", port, ssl=client)
            w.close()
        except (ssl.SSLError, OSError):
            pass
        return await probe.next_attempt(5)


def test_probe_sees_a_refused_certificate(pki: TestPki) -> None:
    attempt = asyncio.run(_attempt(server_context(pki.foreign_server), client_context(pki.ca.cert)))
    assert attempt.outcome == "refused"
    assert attempt.hello is not None and attempt.hello.highest == 0x0304
    assert attempt.hello.missing_required_suites() == []


def test_probe_sees_a_completed_handshake_and_the_version(pki: TestPki) -> None:
    old = server_context(pki.server, minimum=ssl.TLSVersion.TLSv1_1, maximum=ssl.TLSVersion.TLSv1_1)
    lax = client_context(pki.ca.cert, minimum=ssl.TLSVersion.TLSv1_1)
    attempt = asyncio.run(_attempt(old, lax))
    assert attempt.outcome == "completed" and attempt.version == "TLSv1.1"


def test_probe_keeps_only_the_request_line_of_plain_http(pki: TestPki) -> None:
    attempt = asyncio.run(_attempt(server_context(pki.server), None))
    assert attempt.outcome == "plaintext"
    assert attempt.detail == "GET /ocpp/CS-PROBE HTTP/1.1"
    assert "c2VjcmV0" not in repr(attempt)


def test_client_hello_parser_refuses_other_bytes() -> None:
    with pytest.raises(NotAClientHello):
        parse_client_hello(b"GET / HTTP/1.1\r\n")
    with pytest.raises(ValueError):
        parse_client_hello(b"\x16\x03\x01\x02\x00\x01")


def test_handshake_only_reports_the_session(pki: TestPki) -> None:
    async def go() -> dict[str, str]:
        server = await asyncio.start_server(
            lambda r, w: w.close(), "127.0.0.1", 0, ssl=server_context(pki.server)
        )
        port = server.sockets[0].getsockname()[1]
        try:
            return await handshake_only("127.0.0.1", port, client_context(pki.ca.cert), timeout=5)
        finally:
            server.close()

    summary = asyncio.run(go())
    assert summary["version"] in ("TLSv1.2", "TLSv1.3")
    assert summary["peer_key"] == "EC secp256r1 256" and summary["peer_serial"]


def test_signed_csr_chain_checks(pki: TestPki, tmp_path: Path) -> None:
    csr, key = make_csr("CS-PROBE", "test org")
    good = sign_csr(csr, pki.ca)
    assert chain_problem(good, pki.ca.cert, public_key=key.public_key()) is None
    foreign = sign_csr(csr, pki.foreign_ca)
    assert "trusted CA" in (chain_problem(foreign, pki.ca.cert) or "")
    _other, other_key = make_csr("CS-PROBE", "test org")
    assert "key" in (chain_problem(good, pki.ca.cert, public_key=other_key.public_key()) or "")
    assert "parse" in (chain_problem("not a certificate", pki.ca.cert) or "")
