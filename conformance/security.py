"""The run's TLS material, from the DUT profile's security profile and certificate paths.

Security profiles 2 and 3 need a CA the DUT trusts, a server certificate (the mock CSMS's,
or the reference CSMS's) and, for 3, client certificates (the mock stations', or the
reference station's). A profile for a real DUT names the files the DUT was set up with
(`ocpp-conformance pki --out DIR` makes a set to install); where it names none, the run
makes a throwaway PKI in a private temporary directory, outside the report directory, so
no private key is ever written where reports are collected.
"""

from __future__ import annotations

import re
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conformance.dut import Connection
from conformance.transport.tls import (
    CertFiles,
    TestPki,
    client_context,
    generate_pki,
    server_context,
)


@dataclass
class TlsMaterial:
    ca: Path | None  # None: a real CSMS checked against the system trust store
    server: CertFiles | None
    clients: dict[str, CertFiles]
    mutual: bool  # profile 3: the server requires a client certificate chaining to `ca`
    _tmp: Path | None = None
    pki: TestPki | None = None  # the generated PKI (None when the profile named the files)
    station_id: str = ""
    _extra: TestPki | None = None  # foreign certificates made on demand for a profile's PKI

    def _bad(self) -> TestPki:
        """A PKI with the deliberately bad certificates. With the run's own PKI the expired
        ones are signed by the trusted CA; with a profile's PKI (no CA key) only the foreign
        ones are meaningful, so only they are offered (see `invalid_*`)."""
        if self.pki is not None:
            return self.pki
        if self._extra is None:
            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="ocpp-conformance-pki-"))
            self._extra = generate_pki(self._tmp / "foreign", station_id=self.station_id)
        return self._extra

    def foreign_ca(self) -> CertFiles:
        """A CA (certificate and key) nobody in the run trusts."""
        return self._bad().foreign_ca

    def invalid_server_certs(self) -> dict[str, CertFiles]:
        """Server certificates a station must refuse (A00.FR.309-311), by what is wrong."""
        bad = self._bad()
        out = {"signed by a CA the station does not trust": bad.foreign_server}
        if self.pki is not None:
            out["that has expired"] = bad.expired_server
        return out

    def invalid_client_certs(self) -> dict[str, CertFiles]:
        """Client certificates a CSMS must refuse (A00.FR.412-414), by what is wrong."""
        bad = self._bad()
        out = {"signed by a CA the CSMS does not trust": bad.foreign_client}
        if self.pki is not None:
            out["that has expired"] = bad.expired_client
        return out

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
    server = _pair(conn.server_cert, conn.server_key)
    client = _pair(conn.client_cert, conn.client_key)
    if conn.ca_cert is None and not need_server:
        # A real CSMS: its server certificate is checked against the system's trust store
        # (a CSMS on the internet has a publicly trusted one) unless the profile names a CA.
        # A client certificate cannot be invented: the CSMS must already trust it.
        if mutual and client is None:
            raise ValueError(
                "security profile 3 against a CSMS needs connection.client_cert/client_key: "
                "a station certificate the CSMS trusts (`ocpp-conformance pki` makes one to "
                "install there)"
            )
        clients = {conn.station_id: client} if mutual and client is not None else {}
        return TlsMaterial(None, None, clients, mutual, station_id=conn.station_id)
    if conn.ca_cert is None:
        tmp = Path(tempfile.mkdtemp(prefix="ocpp-conformance-pki-"))
        pki = generate_pki(tmp, station_id=conn.station_id, more_station_ids=conn.station_ids)
        clients = pki.clients if mutual else {}
        return TlsMaterial(pki.ca.cert, pki.server, clients, mutual, tmp, pki, conn.station_id)
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
    return TlsMaterial(conn.ca_cert, server, clients, mutual, station_id=conn.station_id)


def _pair(cert: Path | None, key: Path | None) -> CertFiles | None:
    return CertFiles(cert, key) if cert is not None and key is not None else None


def profile_at_security_profile(text: str, sp: int, password_env: str) -> str:
    """A DUT profile's TOML raised to security profile `sp`: the endpoint becomes wss:// for
    2 and 3, and profiles 1 and 2 take their basic-auth password from `password_env`. Used to
    run the bundled reference profiles (security profile 0) at 1-3: the security-profile
    tests and the mutation run of the block A faults."""
    if sp >= 2:
        text = re.sub(r'(?m)^endpoint = "ws://', 'endpoint = "wss://', text)
    extra = f"security_profile = {sp}"
    if sp in (1, 2):
        extra += f'\npassword = "env:{password_env}"'
    text, n = re.subn(r"(?m)^security_profile = \d.*$", extra, text)
    if n != 1:
        raise ValueError("the profile has no single `security_profile = N` line")
    return text
