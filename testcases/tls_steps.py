"""Steps the security cases of both versions share: the mock CSMS's TLS endpoint, probing
what a charging station does on it, and waiting for its reconnection with a finding that
says why it did not come.

1.6 and 2.0.1 set up TLS alike (security profiles 2 and 3; the 1.6 security whitepaper took
them from 2.0.1), so one set of steps serves TC_078_CS and TC_A_05_CS alike; only the names
in the findings follow the version ("charge point" / "Central System" in 1.6).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator

from conformance.context import CaseContext
from conformance.ocppj import OcppVersion
from conformance.security import TlsMaterial
from conformance.session import Session
from conformance.transport.server import OcppServer
from conformance.transport.tls import CertFiles, server_context
from conformance.transport.tls_probe import TlsAttempt, TlsProbe
from conformance.verdict import NotApplicable


def names(ctx: CaseContext) -> tuple[str, str]:
    """(the DUT, the harness's side) as the version's spec calls them."""
    if ctx.version is OcppVersion.V16:
        return "the charge point", "the mock Central System"
    return "the station", "the mock CSMS"


def server(ctx: CaseContext) -> OcppServer:
    assert ctx.csms is not None
    return ctx.csms.server


def need_tls(ctx: CaseContext, tls: TlsMaterial | None) -> TlsMaterial:
    if tls is None:  # the decorator's security_profiles keep this from happening
        raise ctx.fail("the run has no TLS material although the security profile needs TLS")
    return tls


def ca_for_signing(ctx: CaseContext, tls: TlsMaterial | None) -> CertFiles:
    """The CA (certificate and key) the mock CSMS signs CSRs with: the run's own PKI. A
    profile that names its own CA gives no CA key, so the case cannot play the CA."""
    material = need_tls(ctx, tls)
    if material.pki is None:
        dut, _ = names(ctx)
        raise NotApplicable(
            f"the case signs {dut}'s CSR with the run's CA; the DUT profile names its own "
            f"ca_cert, whose private key the harness does not have"
        )
    return material.pki.ca


def refusals_since(ctx: CaseContext, t0: float) -> list[str]:
    return [r.reason for r in server(ctx).refusals if r.at >= t0]


async def reconnected(ctx: CaseContext, n: int | None, t0: float, what: str) -> Session:
    """The DUT's connection (with `n`: one newer than the n-th). When none comes, the
    finding says why: the mock CSMS's refusals since `t0`, or what a TLS probe sees."""
    wait = ctx.dut.timeouts.connect
    assert ctx.csms is not None
    try:
        return await ctx.csms.wait_for_station(ctx.dut.station_id, wait, after=n)
    except TimeoutError:
        pass
    dut, us = names(ctx)
    refused = sorted(set(refusals_since(ctx, t0)))
    why = f"{us} refused its handshake: {', '.join(refused)}" if refused else ""
    srv = server(ctx)
    if not why and srv.ssl_context is not None:
        async with probe(ctx, srv.ssl_context) as p:
            try:
                got: TlsAttempt | None = await p.next_attempt(wait)
            except TimeoutError:
                got = None
        if got is None:
            why = "it makes no connection attempts"
        elif got.outcome == "plaintext":
            why = (
                f"it sends a plain HTTP request ({got.detail!r}) to the TLS endpoint, "
                f"i.e. its upgrade request and credentials in the clear"
            )
        elif got.outcome == "completed":
            why = "its TLS handshake succeeds but the WebSocket upgrade does not"
        else:
            why = f"its TLS handshake with {us} fails: {got.detail}"
    raise ctx.fail(f"{dut} did not {what} within {wait:g} s" + (f"; {why}" if why else ""))


@contextlib.asynccontextmanager
async def probe(ctx: CaseContext, ssl_context: ssl.SSLContext) -> AsyncIterator[TlsProbe]:
    """The mock CSMS's port answered by a TLS probe with `ssl_context`; on exit the real
    endpoint listens again (with its own certificate) on the same port."""
    srv = server(ctx)
    good = srv.ssl_context
    await srv.close()
    p = TlsProbe(srv.host, srv.port, ssl_context, timeout=ctx.timeouts.response)
    try:
        await p.start()
        yield p
    finally:
        await p.close()
        await srv.restart(good)


async def attempt(ctx: CaseContext, p: TlsProbe, why: str) -> TlsAttempt:
    try:
        got = await p.next_attempt(ctx.dut.timeouts.connect)
    except TimeoutError:
        dut, _ = names(ctx)
        raise ctx.fail(
            f"{dut} made no connection attempt within {ctx.dut.timeouts.connect:g} s ({why})"
        ) from None
    ctx.note(f"TLS attempt ({why}): {got.outcome}: {got.detail}")
    return got


def check_tls_used(ctx: CaseContext, got: TlsAttempt) -> None:
    dut, _ = names(ctx)
    ctx.require(
        got.outcome != "plaintext",
        f"{dut} sent a plain HTTP request ({got.detail!r}) to the TLS endpoint: at security "
        f"profile {ctx.dut.connection.security_profile} it must connect over TLS (wss://), "
        f"never send its upgrade request and credentials in the clear",
    )


def probe_context(tls: TlsMaterial, cert: CertFiles, **versions: ssl.TLSVersion) -> ssl.SSLContext:
    return server_context(cert, client_ca=tls.ca if tls.mutual else None, **versions)
