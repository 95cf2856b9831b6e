"""Start-up variants of the reference 2.0.1 station (`sim station --variant NAME`).

Some official cases need a station that behaves the opposite way from what other cases need
of the same station: one that cannot cancel a running firmware update (TC_L_11) and one that
can (TC_L_10); one that downloads firmware only once no transaction runs (TC_L_12/L_13) and
one that downloads at once (TC_L_14/L_15); one with a cable lock that keeps the EV from
connecting before authorization (TC_C_05) and one without (the plug-in-first cases); one with
a user interface for a Master Pass holder (TC_C_47/C_48) and one without (TC_C_49). A DUT
profile says which station it describes with PIXIT keys, and the harness starts the reference
station with the matching variants (`pixit_variants`), so each case runs against the station
its prerequisites describe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from conformance.sim.control import VerbError, VerbHandler
from conformance.sim.faults import declare

if TYPE_CHECKING:
    from conformance.sim.station201 import ReferenceStation201
    from conformance.sim.station201_tx import Evse

FW_NOT_CANCELABLE = "fw-not-cancelable"
FW_NO_DOWNLOAD_DURING_TX = "fw-no-download-during-tx"
FW_INSTALL_DURING_TX = "fw-install-during-tx"
CABLE_LOCK = "cable-lock"
MASTER_PASS_UI = "master-pass-ui"

_V = ("2.0.1",)
declare(
    "s201-cable-lock-opens-for-invalid",
    "station",
    _V,
    "the station with a cable lock opens it and authorizes an idToken the CSMS answered Invalid",
    ("TC_C_05_CS",),
    pixit=(("cable_lock", "true"),),
)
declare(
    "s201-master-pass-ui-stops-all",
    "station",
    _V,
    "the Master Pass user interface stops every transaction when one was selected",
    ("TC_C_48_CS",),
    pixit=(("master_pass_ui", "true"),),
)
declare(
    "s201-master-pass-ui-stops-first-only",
    "station",
    _V,
    "the Master Pass user interface stops only the first transaction when all were selected",
    ("TC_C_47_CS",),
    pixit=(("master_pass_ui", "true"),),
)

VARIANTS: dict[str, str] = {
    FW_NOT_CANCELABLE: "a running firmware update cannot be cancelled: a second "
    "UpdateFirmwareRequest is Rejected (L01.FR.27) [PIXIT firmware_update_cancelable = false]",
    FW_NO_DOWNLOAD_DURING_TX: "firmware is downloaded only once no transaction is ongoing "
    "(DownloadScheduled meanwhile) [PIXIT firmware_download_during_transaction = false]",
    FW_INSTALL_DURING_TX: "firmware is installed during a transaction, without a reboot "
    "[PIXIT firmware_install_during_transaction = true]",
    CABLE_LOCK: "a cable lock keeps the EV from connecting before authorization "
    "[PIXIT cable_lock = true]",
    MASTER_PASS_UI: "a user interface lets a Master Pass holder select the transactions to "
    "stop (C16.FR.01) [PIXIT master_pass_ui = true]",
}


def pixit_variants(pixit: Any) -> list[str]:
    """The variants of the station a DUT profile's PIXIT describes (dut.Pixit)."""
    chosen = {
        FW_NOT_CANCELABLE: not pixit.firmware_update_cancelable,
        FW_NO_DOWNLOAD_DURING_TX: not pixit.firmware_download_during_transaction,
        FW_INSTALL_DURING_TX: pixit.firmware_install_during_transaction,
        CABLE_LOCK: pixit.cable_lock,
        MASTER_PASS_UI: pixit.master_pass_ui,
    }
    return [name for name, on in chosen.items() if on]


def cli_args(pixit: Any) -> list[str]:
    """`--variant NAME` for each variant the PIXIT describes."""
    return [a for name in pixit_variants(pixit) for a in ("--variant", name)]


def active(extra: Mapping[str, Any]) -> frozenset[str]:
    """The variants a station was started with (StationOptions.extra["variants"])."""
    names: Iterable[str] = extra.get("variants", ())
    unknown = sorted(set(names) - VARIANTS.keys())
    if unknown:
        raise ValueError(f"unknown station variant(s): {', '.join(unknown)}")
    return frozenset(names)


class VariantBehaviour:
    """What the authorization variants change in the reference station (station201 hooks in):
    the cable lock refuses a cable before authorization; with the Master Pass user interface
    an accepted master pass only opens the selection, and the operator's selection
    (verb select_master_pass_stop) says which transactions stop (C16.FR.01)."""

    def __init__(self, station: ReferenceStation201) -> None:
        self.st = station
        self.names = active(station.options.extra)
        self._master_pass_open = False  # the UI shows the selection after a master pass

    # -- cable lock (TC_C_05) ----------------------------------------------------------------

    def plug_in_refused(self, evse: Evse) -> str | None:
        """Why the EV cannot be connected now, or None: the cable lock stays closed until an
        idToken is authorized (a fixed cable is always connected to its EVSE)."""
        if CABLE_LOCK not in self.names or evse.fixed_cable:
            return None
        if evse.auth is None and evse.tx is None:
            return (
                f"the cable lock of EVSE {evse.id} keeps the EV from connecting before "
                f"authorization"
            )
        return None

    def unlocks_refused(self, status: Any) -> bool:
        """Fault: the cable-lock station opens (and authorizes) for a refused idToken."""
        return (
            CABLE_LOCK in self.names
            and status != "Accepted"
            and self.st.faults.on("s201-cable-lock-opens-for-invalid")
        )

    # -- Master Pass with a user interface (TC_C_47 / TC_C_48) -------------------------------

    def master_pass_presented(self) -> bool:
        """True if the user interface takes over: it shows the ongoing transactions to select
        from; False: no UI, the station itself stops all of them (C16.FR.02)."""
        if MASTER_PASS_UI not in self.names:
            return False
        self._master_pass_open = True
        return True

    def verbs(self) -> dict[str, VerbHandler]:
        if MASTER_PASS_UI not in self.names:
            return {}
        return {"select_master_pass_stop": self.verb_select_master_pass_stop}

    async def verb_select_master_pass_stop(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        """C16.FR.01: the Master Pass holder selects one transaction (evse_id) or all."""
        if not self._master_pass_open:
            raise VerbError("no Master Pass was presented: the selection is not shown")
        self._master_pass_open = False
        tx = self.st.tx
        chosen = args.get("evse_id")
        if chosen is not None and int(chosen) not in tx.evses:
            raise VerbError(f"EVSE {chosen} does not exist")
        if chosen is not None and self.st.faults.on("s201-master-pass-ui-stops-all"):
            chosen = None
        running = [e for e in tx.evses.values() if e.tx is not None]
        for evse in running:
            if chosen is None or evse.id == int(chosen):
                tx.deauthorize(evse, "StopAuthorized", "MasterPass")
                if chosen is None and self.st.faults.on("s201-master-pass-ui-stops-first-only"):
                    break
        return None
