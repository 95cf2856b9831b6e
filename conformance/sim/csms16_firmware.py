"""Firmware Management of the 1.6 reference Central System (OCPP 1.6 sections 5.8, 5.19).

Two operator verbs: `update_firmware` sends UpdateFirmware.req with the Central System's
firmware location and a retrieveDate (now, or the verb's retrieve_date_time), and
`get_diagnostics` sends GetDiagnostics.req with the location the charge point uploads its
diagnostics to. The FirmwareStatusNotification and DiagnosticsStatusNotification that follow
are acknowledged by the Central System's state (csms16_state); the faults here break the
requests and those answers.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from conformance.sim.faults import ActiveFaults, declarer

_fault = declarer("csms", ("1.6",))

# Where the reference Central System keeps its firmware and takes diagnostics (it serves
# neither: the harness's charge point only reports the transfers).
FIRMWARE_LOCATION = "http://firmware.reference-csms.invalid/reference-station-0.2.0.bin"
DIAGNOSTICS_LOCATION = "http://diagnostics.reference-csms.invalid/upload/"

_fault(
    "c16-update-firmware-file-location",
    "UpdateFirmware.req location is a file:// URI on the Central System's disk, no download",
    "TC_044_1_CSMS",
    "TC_044_2_CSMS",
    "TC_044_3_CSMS",
)
_fault(
    "c16-firmware-status-callerror",
    "FirmwareStatusNotification answered with CALLERROR InternalError",
    "TC_044_1_CSMS",
    "TC_044_2_CSMS",
    "TC_044_3_CSMS",
)
_fault(
    "c16-diagnostics-location-file",
    "GetDiagnostics.req location is a file:// URI on the Central System's disk, no upload",
    "TC_045_1_CSMS",
    "TC_045_2_CSMS",
)
_fault(
    "c16-diagnostics-status-callerror",
    "DiagnosticsStatusNotification answered with CALLERROR InternalError",
    "TC_045_1_CSMS",
    "TC_045_2_CSMS",
)


def _iso(when: _dt.datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def update_firmware_request(args: Mapping[str, Any], faults: ActiveFaults) -> dict[str, Any]:
    """The UpdateFirmware.req payload for the `update_firmware` verb's arguments."""
    retrieve = str(args.get("retrieve_date_time") or _iso(_dt.datetime.now(_dt.UTC)))
    location = FIRMWARE_LOCATION
    if faults.on("c16-update-firmware-file-location"):
        location = "file:///var/lib/reference-csms/firmware/reference-station-0.2.0.bin"
    return {"location": location, "retrieveDate": retrieve}


def get_diagnostics_request(faults: ActiveFaults) -> dict[str, Any]:
    """The GetDiagnostics.req payload for the `get_diagnostics` verb."""
    if faults.on("c16-diagnostics-location-file"):
        return {"location": "file:///var/log/reference-csms/diagnostics/"}
    return {"location": DIAGNOSTICS_LOCATION}


def notification_error(action: str, faults: ActiveFaults) -> bool:
    """A status notification the faulted Central System answers with a CALLERROR."""
    if action == "FirmwareStatusNotification":
        return faults.on("c16-firmware-status-callerror")
    if action == "DiagnosticsStatusNotification":
        return faults.on("c16-diagnostics-status-callerror")
    return False
