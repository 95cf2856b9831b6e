"""A bare TLS listener that stands in for the mock CSMS while a case looks at the handshake.

Server-side TLS through asyncio's `create_server(ssl=...)` hides everything a conformance
case needs when a station *refuses* a server (TC_A_05_CS, TC_A_06_CS): a failed handshake
never reaches the application. The probe therefore does the handshake itself over memory
BIOs: it reads the station's ClientHello (offered versions and cipher suites, A00.FR.318),
answers with the certificate and protocol range it was given, and records how the handshake
ended: refused by the station (with the alert), completed (the station accepted what it
should have refused), or no TLS at all (a plain HTTP request on the TLS port).

It never speaks HTTP and closes every connection after the handshake, so no station can
authenticate to it and no password or Authorization header is ever read. Of a plain HTTP
request only the request line (method, path, version) is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
import time
from dataclasses import dataclass

from conformance.transport.tls import ClientHello, NotAClientHello, parse_client_hello

_READ = 65536


@dataclass(frozen=True)
class TlsAttempt:
    """One connection attempt a station made to the probe."""

    at: float  # time.monotonic() when the connection came in
    outcome: str  # "refused" | "completed" | "plaintext" | "closed"
    detail: str  # the TLS error, the negotiated version, or the HTTP request line
    hello: ClientHello | None = None
    version: str | None = None  # negotiated, when the handshake completed
    context: ssl.SSLContext | None = None  # what the probe answered with (it may be swapped)


class TlsProbe:
    """Listens on `host:port` with `ssl_context`; each attempt lands in `attempts`."""

    def __init__(
        self, host: str, port: int, ssl_context: ssl.SSLContext, *, timeout: float = 10.0
    ) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context  # may be swapped between attempts
        self.timeout = timeout
        self.attempts: list[TlsAttempt] = []
        self._queue: asyncio.Queue[TlsAttempt] = asyncio.Queue()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> TlsProbe:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def next_attempt(self, timeout: float) -> TlsAttempt:
        """The next attempt (TimeoutError if the station makes none in time)."""
        return await asyncio.wait_for(self._queue.get(), timeout)

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        at = time.monotonic()
        context = self.ssl_context
        try:
            attempt = await asyncio.wait_for(
                self._handshake(reader, writer, at, context), self.timeout
            )
        except TimeoutError:
            attempt = TlsAttempt(at, "closed", "the handshake did not finish in time")
        except OSError as exc:  # reset by the station in the middle of the handshake
            attempt = TlsAttempt(at, "refused", f"the connection broke: {exc}")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        attempt = dataclasses.replace(attempt, context=context)
        self.attempts.append(attempt)
        self._queue.put_nowait(attempt)

    async def _handshake(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        at: float,
        context: ssl.SSLContext,
    ) -> TlsAttempt:
        first = await reader.read(_READ)
        hello: ClientHello | None = None
        while True:
            try:
                hello = parse_client_hello(first)
                break
            except NotAClientHello:
                line = first.split(b"\r\n", 1)[0][:200].decode("ascii", "replace")
                return TlsAttempt(at, "plaintext", line)
            except ValueError:  # truncated: the record continues in the next segment
                more = await reader.read(_READ)
                if not more:
                    return TlsAttempt(at, "closed", "the connection closed inside the ClientHello")
                first += more
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        incoming.write(first)
        while True:
            try:
                tls.do_handshake()
            except ssl.SSLWantReadError:
                await self._flush(writer, outgoing)
                data = await reader.read(_READ)
                if not data:
                    return TlsAttempt(at, "refused", "the station closed the connection", hello)
                incoming.write(data)
                continue
            except ssl.SSLError as exc:
                await self._flush(writer, outgoing)
                reason = exc.reason or str(exc)
                return TlsAttempt(at, "refused", str(reason), hello)
            await self._flush(writer, outgoing)
            version = tls.version()
            return TlsAttempt(at, "completed", f"handshake completed ({version})", hello, version)

    @staticmethod
    async def _flush(writer: asyncio.StreamWriter, outgoing: ssl.MemoryBIO) -> None:
        data = outgoing.read()
        if data:
            with contextlib.suppress(ConnectionError):
                writer.write(data)
                await writer.drain()


async def handshake_only(
    host: str, port: int, ssl_context: ssl.SSLContext, *, timeout: float
) -> dict[str, str]:
    """A TLS handshake with a server and nothing after it (no HTTP, so no credentials are
    sent): the negotiated version and cipher. Raises ssl.SSLError / OSError / TimeoutError
    when the server refuses. With TLS 1.3 a refused *client certificate* only shows after
    the handshake, so client-certificate checks need a full connection instead."""
    from conformance.transport.tls import peer_certificate_summary

    server_hostname = host if ssl_context.check_hostname else None
    _reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=ssl_context, server_hostname=server_hostname),
        timeout,
    )
    try:
        ssl_obj = writer.get_extra_info("ssl_object")
        return peer_certificate_summary(ssl_obj) if ssl_obj is not None else {}
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
