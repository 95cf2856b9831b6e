"""The run's TLS material as the DUT profile decides it (conformance.security)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from conformance.dut import Connection
from conformance.security import tls_material
from conformance.transport.tls import generate_pki


def _conn(sp: int, **kw: object) -> Connection:
    return Connection(
        endpoint="wss://csms.example.com/ocpp", station_id="CS-1", security_profile=sp, **kw
    )  # type: ignore[arg-type]


def test_below_profile_2_no_tls() -> None:
    assert tls_material(_conn(1), need_server=True) is None


def test_generated_pki_when_the_profile_names_no_ca() -> None:
    material = tls_material(_conn(3), need_server=True)
    assert material is not None and material.ca is not None and material.pki is not None
    try:
        assert material.client_for("CS-1") is not None
        assert isinstance(material.server_context(), ssl.SSLContext)
    finally:
        material.cleanup()
    assert not material.ca.exists()  # the throwaway PKI is gone with the run


def test_real_csms_without_ca_uses_the_system_trust_store() -> None:
    material = tls_material(_conn(2), need_server=False)
    assert material is not None and material.ca is None and material.server is None
    ctx = material.client_context("CS-1")
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.cert_store_stats()["x509_ca"] > 0


def test_real_csms_profile_3_needs_the_client_certificate() -> None:
    with pytest.raises(ValueError, match="client_cert/client_key"):
        tls_material(_conn(3), need_server=False)


def test_profile_ca_without_server_cert_is_a_clear_error(tmp_path: Path) -> None:
    pki = generate_pki(tmp_path, station_id="CS-1")
    with pytest.raises(ValueError, match="server_cert/server_key"):
        tls_material(_conn(2, ca_cert=pki.ca.cert), need_server=True)
    material = tls_material(
        _conn(2, ca_cert=pki.ca.cert, server_cert=pki.server.cert, server_key=pki.server.key),
        need_server=True,
    )
    assert material is not None and material.ca == pki.ca.cert and material.pki is None
