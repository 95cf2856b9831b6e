"""The WebSocket client side of OCPP-J (the mock station connects from here).

Offers exactly the subprotocol of the version under test and records what the CSMS selected:
a CSMS that accepts the connection without selecting it is a finding (OCPP 2.0.1 Part 4
section 3.1.2), not a silent accept.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from conformance.ocppj import OcppVersion
from conformance.transport.server import basic_auth_header


@dataclass
class ClientHandshake:
    url: str
    subprotocol: str | None
    findings: list[str] = field(default_factory=list)
    tls: dict[str, str] = field(default_factory=dict)


async def connect_station(
    base_url: str,
    station_id: str,
    version: OcppVersion,
    *,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = 10.0,
    subprotocols: list[str] | None = None,
    username: str | None = None,
) -> tuple[ClientConnection, ClientHandshake]:
    """Open `base_url/<station id>`; raises OSError / websockets errors if refused.

    `username`: the basic-auth user name, normally the station id (A00.FR.203); another one
    only to check that a CSMS refuses it (TC_A_02_CSMS)."""
    url = base_url.rstrip("/") + "/" + station_id
    headers = {}
    if password is not None:
        user = station_id if username is None else username
        headers["Authorization"] = basic_auth_header(user, password)
    offer = subprotocols if subprotocols is not None else [version.subprotocol]
    ws = await connect(
        url,
        subprotocols=[Subprotocol(p) for p in offer],
        additional_headers=headers,
        ssl=ssl_context,
        open_timeout=timeout,
        compression=None,
        ping_interval=None,
        proxy=None,
        max_size=4 * 1024 * 1024,
    )
    hs = ClientHandshake(url, ws.subprotocol)
    if ws.subprotocol != version.subprotocol and subprotocols is None:
        hs.findings.append(
            f"the CSMS accepted the connection with subprotocol {ws.subprotocol!r}; "
            f"it must select {version.subprotocol!r}"
        )
    ssl_obj = ws.transport.get_extra_info("ssl_object") if ws.transport else None
    if ssl_obj is not None:
        from conformance.transport.tls import peer_certificate_summary

        hs.tls = peer_certificate_summary(ssl_obj)
    return ws, hs
