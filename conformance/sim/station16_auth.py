"""Authorization of the 1.6 reference charge point: idTags at the reader and remote starts.

An idTag is authorized from the Local Authorization List or the authorization cache
(LocalPreAuthorize online, or LocalAuthorizeOffline / AllowOfflineTxForUnknownId offline,
section 3.5) or with an Authorize.req; the answer goes into the cache. A presented idTag
stops the transaction it (or an idTag with the same parentIdTag) started, else it authorizes
a free connector that no reservation holds for another idTag.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.sim.station16_tx import Connector

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16


class Authorizer:
    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station
        self.config = station.config
        self.faults = station.faults
        self.tx = station.tx
        self.cache: dict[str, dict[str, Any]] = {}  # authorization cache: idTag -> idTagInfo

    def store(self, id_tag: str, info: Mapping[str, Any]) -> None:
        """Authorization cache (section 3.5.1): every idTagInfo the Central System gave."""
        if self.config.flag("AuthorizationCacheEnabled") and info.get("status"):
            self.cache[id_tag] = dict(info)

    def accepts(self, id_tag: str) -> dict[str, Any] | None:
        """The idTagInfo that authorizes `id_tag` locally: the Local Authorization List takes
        precedence over the cache (section 3.5.3); None when neither accepts it."""
        listed = self.st.local_list.lookup(id_tag)
        info = listed if listed is not None else self.cache.get(id_tag)
        if info is None or info.get("status") != "Accepted":
            return None
        expiry = info.get("expiryDate")
        if expiry:
            with contextlib.suppress(ValueError):
                when = _dt.datetime.fromisoformat(str(expiry).replace("Z", "+00:00"))
                if when < _dt.datetime.now(_dt.UTC):
                    return None
        return info

    async def _authorize(self, id_tag: str) -> dict[str, Any] | None:
        """The idTagInfo for `id_tag`: from the cache (LocalPreAuthorize / offline) or from
        an Authorize.req; None when it cannot be authorized."""
        cached = self.accepts(id_tag)
        if self.st.online and self.st.registration == "Accepted":
            preauthorize = self.config.flag("LocalPreAuthorize")
            if (
                cached is not None
                and preauthorize
                and not self.faults.on("s16-preauthorize-ignored")
            ):
                return cached
            try:
                answer = await self.st.send("Authorize", {"idTag": id_tag})
            except ConnectionError:
                answer = None
            if answer is not None:
                info = dict(answer.get("idTagInfo") or {})
                self.store(id_tag, info)
                if info.get("status") == "Accepted" or self.faults.on("s16-start-on-invalid"):
                    return info
                return None
        if cached is not None and self.config.flag("LocalAuthorizeOffline"):
            return cached
        known = id_tag in self.cache or self.st.local_list.lookup(id_tag) is not None
        if not known and self.config.flag("AllowOfflineTxForUnknownId"):
            return {"status": "Accepted"}
        return None

    async def present(self, id_tag: str, connector_id: int | None) -> None:
        """An idTag at the reader: stop a transaction it (or its parent) started, or
        authorize a connector for a new one (sections 3.5, 5.1)."""
        connectors = [
            c for c in self.tx.connectors.values() if connector_id is None or c.id == connector_id
        ]
        for c in connectors:
            if c.tx is not None and c.tx.id_tag == id_tag:
                self.tx.stop(c, "Local", id_tag)
                return
        if self._reserved_for_others(connectors, id_tag):
            return  # every connector it could use is held for another idTag (section 5.13)
        info = await self._authorize(id_tag)
        if info is None:
            return
        parent = info.get("parentIdTag")
        for c in connectors:
            if self.faults.on("s16-parent-ignored"):
                break
            if c.tx is not None and parent and c.tx.parent_id_tag == parent:
                self.tx.stop(c, "Local", id_tag)
                return
        parent_tag = str(parent) if parent else None
        target = self._pick(connectors, id_tag, parent_tag)
        if target is not None:
            self.tx.authorize(target, id_tag, parent_tag)

    def _reserved_for_others(self, connectors: list[Connector], id_tag: str) -> bool:
        """No connector is free for `id_tag`, because the free ones are reserved for other
        idTags (and no parentIdTag could open them): nothing to authorize for."""
        if any(c.tx is not None for c in connectors):
            return False  # it may still stop a transaction (same parentIdTag)
        rs = self.st.reservations
        open_ = [c for c in connectors if self.tx.usable(c) and c.pending is None]
        held = [c for c in open_ if not rs.allows(c, id_tag, None)]
        return (
            bool(held) and len(held) == len(open_) and not any(rs.may_need_parent(c) for c in held)
        )

    def _pick(
        self, connectors: list[Connector], id_tag: str, parent: str | None
    ) -> Connector | None:
        rs = self.st.reservations
        free = [
            c
            for c in connectors
            if self.tx.usable(c) and c.pending is None and rs.allows(c, id_tag, parent)
        ]
        plugged = [c for c in free if c.plugged and not c.finishing]
        unplugged = [c for c in free if not c.plugged]
        return next(iter(plugged or unplugged), None)

    async def remote_authorize(self, c: Connector, id_tag: str) -> None:
        """After an accepted RemoteStartTransaction (section 5.11): Authorize.req first when
        AuthorizeRemoteTxRequests is true, then the same flow as a local authorization."""
        parent: str | None = None
        remote_auth = self.config.flag("AuthorizeRemoteTxRequests")
        if remote_auth and not self.faults.on("s16-no-authorize-remote-start"):
            c.pending = None
            info = await self._authorize(id_tag)
            if info is None:
                self.st.connector_changed(c.id)
                return
            parent = str(info["parentIdTag"]) if info.get("parentIdTag") else None
        self.tx.authorize(c, id_tag, parent)
