"""Operator verbs of the 1.6 reference charge point (the control API's `POST /verbs/<verb>`).

1.6 has connectors only: a verb names the connector in `connector_id`, or in `evse_id` when
the caller speaks 2.x terms (the DUT profile's `evses` entries are the connectors).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.sim.control import VerbError, VerbHandler

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16


class OperatorVerbs:
    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station

    def table(self) -> dict[str, VerbHandler]:
        return {
            "plug_in": self.verb_plug_in,
            "unplug": self.verb_unplug,
            "ev_side_disconnect": self.verb_ev_side_disconnect,
            "plug_in_halfway": self.verb_plug_in_halfway,
            "jam_connector_lock": self.verb_jam_connector_lock,
            "cause_fault": self.verb_cause_fault,
            "clear_fault": self.verb_clear_fault,
            "release_connector_lock": self.verb_release_connector_lock,
            "present_id_token": self.verb_present_id_token,
            "reboot": self.verb_reboot,
            "power_cycle": self.verb_power_cycle,
            "go_offline": self.verb_go_offline,
            "go_online": self.verb_go_online,
            "go_offline_for": self.verb_go_offline_for,
            "ev_suspend": self.verb_ev_suspend,
            "ev_resume": self.verb_ev_resume,
            "break_local_list_storage": self.verb_break_local_list_storage,
            "repair_local_list_storage": self.verb_repair_local_list_storage,
        }

    def _connector(self, args: Mapping[str, Any]) -> int:
        """1.6 has connectors only: `connector_id`, or `evse_id` from a 2.x-style caller."""
        connector_id = int(args.get("connector_id") or args.get("evse_id") or 1)
        if connector_id not in self.st.tx.connectors:
            raise VerbError(f"connector {connector_id} does not exist")
        return connector_id

    async def verb_plug_in(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        connector_id = self._connector(args)
        c = self.st.tx.connectors[connector_id]
        if c.plugged and c.ev_side:
            raise VerbError(f"a cable is already plugged in at connector {connector_id}")
        self.st.tx.plug_in(connector_id)
        return None

    async def verb_cause_fault(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.set_fault(self._connector(args), "GroundFailure")
        return None

    async def verb_clear_fault(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.set_fault(self._connector(args), None)
        return None

    async def verb_jam_connector_lock(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.connectors[self._connector(args)].jammed = True
        return None

    async def verb_release_connector_lock(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.connectors[self._connector(args)].jammed = False
        return None

    async def verb_unplug(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.unplug(self._connector(args))
        return None

    async def verb_plug_in_halfway(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.plug_in_halfway(self._connector(args))
        return None

    async def verb_ev_side_disconnect(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.ev_side_disconnect(self._connector(args))
        return None

    async def verb_ev_suspend(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.ev_suspend(self._connector(args), True)
        return None

    async def verb_ev_resume(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.ev_suspend(self._connector(args), False)
        return None

    async def verb_present_id_token(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        id_tag = str(args["id_token"])
        given = args.get("connector_id") or args.get("evse_id")
        connector_id = self._connector(args) if given else None
        self.st.spawn(self.st.auth.present(id_tag, connector_id))
        return None

    async def verb_reboot(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.tx.stop_all("Reboot")
        self.st.spawn(self.st.flush_then_reboot())
        return None

    async def verb_power_cycle(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        if not self.st.backup_power:
            self.st.spawn(self.st.power_lost())
            return None
        # With a back-up power source the charge point stops its transactions (reason
        # PowerLoss) and sends what is queued before it goes down.
        if self.st.faults.on("s16-power-loss-no-stop"):
            self.st.forget_transactions()
        else:
            self.st.tx.stop_all("PowerLoss")
        self.st.spawn(self.st.flush_then_reboot())
        return None

    async def verb_break_local_list_storage(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.local_list.storage_ok = False
        return None

    async def verb_repair_local_list_storage(
        self, args: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        self.st.local_list.storage_ok = True
        return None

    async def verb_go_offline(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.online_wanted.clear()
        if self.st.link is not None:
            await self.st.link.close(1001, "going offline")
        return None

    async def verb_go_online(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        self.st.online_wanted.set()
        return None

    async def verb_go_offline_for(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        """The connection is cut now and restored after `seconds` (the operator holds it down)."""
        seconds = float(args.get("seconds") or 0)
        if seconds <= 0:
            raise VerbError("go_offline_for needs seconds > 0")
        await self.verb_go_offline(args)
        self.st.spawn(self._online_after(seconds))
        return None

    async def _online_after(self, seconds: float) -> None:
        # The offline period the operator was asked to hold IS the behaviour.
        await asyncio.sleep(seconds)
        self.st.online_wanted.set()
