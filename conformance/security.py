"""The run's TLS material, from the DUT profile's security profile and certificate paths.

Security profiles 2 and 3 need a CA the DUT trusts, a server certificate (the mock CSMS's,
or the reference CSMS's) and, for 3, client certificates (the mock stations', or the
reference station's). A profile for a real DUT names the files the DUT was set up with
(`ocpp-conformance pki --out DIR` makes a set to install); where it names none, the run
makes a throwaway PKI in a private temporary directory, outside the report directory, so
no private key is ever written where reports are collected.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conformance.dut import Connection
from conformance.transport.tls import CertFiles, client_context, generate_pki, server_context


@dataclass
class TlsMaterial:
    ca: Path
    server: CertFiles | None
    clients: dict[str, CertFiles]
    mutual: bool  # profile 3: the server requires a client certificate chaining to `ca`
    _tmp: Path | None = None

    def client_for(self, station_id: str) -> CertFiles | None:
        """The client certificate a station presents (profile 3); the profile's single
        certificate when it named one, else the one made for this station id."""
        if not self.clients:
            return None
        return self.clients.get(station_id) or next(iter(self.clients.values()))

    def server_context(self) -> ssl.SSLContext:
        if self.server is None:
            raise ValueError("no server certificate: set connection.server_cert/server_key")
        return server_context(self.server, client_ca=self.ca if self.mutual else None)

    def client_context(self, station_id: str) -> ssl.SSLContext:
        return client_context(self.ca, cert=self.client_for(station_id))

    def cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def tls_material(conn: Connection, *, need_server: bool) -> TlsMaterial | None:
    """None below profile 2. `need_server`: the harness runs the TLS server itself (the mock
    CSMS) or starts the reference CSMS, so it needs a server certificate and key.

    A profile that names `ca_cert` names the whole set the DUT was set up with; one that
    names none gets a fresh PKI. Mixing the two cannot work (a generated certificate does not
    chain to the profile's CA), so a partial set is an error that says what is missing.
    """
    if conn.security_profile < 2:
        return None
    mutual = conn.security_profile == 3
    if conn.ca_cert is None:
        tmp = Path(tempfile.mkdtemp(prefix="ocpp-conformance-pki-"))
        pki = generate_pki(tmp, station_id=conn.station_id, more_station_ids=conn.station_ids)
        return TlsMaterial(pki.ca.cert, pki.server, pki.clients if mutual else {}, mutual, tmp)
    server = _pair(conn.server_cert, conn.server_key)
    client = _pair(conn.client_cert, conn.client_key)
    missing = [
        name
        for name, needed, have in (
            ("server_cert/server_key", need_server, server),
            ("client_cert/client_key", mutual and not need_server, client),
        )
        if needed and have is None
    ]
    if missing:
        raise ValueError(
            f"security profile {conn.security_profile} with connection.ca_cert set also needs "
            f"connection.{' and connection.'.join(missing)} (or leave ca_cert out to let the "
            f"harness generate a test PKI)"
        )
    clients = {conn.station_id: client} if mutual and client is not None else {}
    return TlsMaterial(conn.ca_cert, server, clients, mutual)


def _pair(cert: Path | None, key: Path | None) -> CertFiles | None:
    return CertFiles(cert, key) if cert is not None and key is not None else None
