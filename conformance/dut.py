"""The DUT profile: what the device under test is, what it claims, and how to reach it.

A profile is one TOML file (``fixtures/*.toml``) that a vendor writes once per device. It holds

* ``[dut]`` — identity: name, role (``cs`` = a charging station is tested, ``csms`` = a CSMS is
  tested), OCPP version, and optional vendor / model / firmware for the report;
* ``[connection]`` — endpoint, station id(s), security profile, credentials and TLS material;
* ``[pics]`` — the certification profiles and optional features claimed (what decides whether a
  case is applicable);
* ``[pixit]`` — the configured values the official test cases refer to as ``<Configured ...>``,
  under the same names, so the official documents map onto the profile line by line;
* ``[timeouts]`` — every wait in the harness takes its deadline from here (no fixed sleeps);
* ``[operator]`` — how manual actions (plug in, present a card, ...) reach the DUT;
* ``[reference]`` — whether the DUT is the bundled reference implementation.

Why so strict: a typo in a profile (``securty_profile = 2``) that is silently ignored turns into a
run of confusing failures against a real device, hours later. So every key is known, every value
is type-checked, and every error names the file, the line and the dotted key. Secrets may come
from the environment (``"env:NAME"``) so profiles can be committed, and the loaded profile knows
its secret values so traces and reports can redact them.
"""

from __future__ import annotations

import base64
import contextlib
import difflib
import json
import os
import re
import string
import tomllib
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, cast
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "REDACTED",
    "CommandDriverConfig",
    "Connection",
    "DutProfile",
    "HttpDriverConfig",
    "HttpVerb",
    "OcppVersion",
    "OperatorConfig",
    "Pics",
    "Pixit",
    "ProfileError",
    "ReferenceConfig",
    "Role",
    "Timeouts",
    "load_profile",
]

Role = Literal["cs", "csms"]
OcppVersion = Literal["1.6", "2.0.1", "2.1"]

ROLES: Final[tuple[Role, ...]] = ("cs", "csms")
VERSIONS: Final[tuple[OcppVersion, ...]] = ("1.6", "2.0.1", "2.1")

#: What ``public_json`` shows in place of a configured secret.
REDACTED: Final = "<redacted>"

#: Placeholders every template may use besides the verb's own parameters.
COMMON_PLACEHOLDERS: Final[frozenset[str]] = frozenset({"station_id"})

OPERATOR_DRIVERS: Final[tuple[str, ...]] = ("prompt", "http", "command", "reference")
HTTP_METHODS: Final[tuple[str, ...]] = ("GET", "POST", "PUT", "PATCH", "DELETE")

#: OCPP 2.0.1 IdTokenEnumType. 2.1 turned the type into a free string of up to 20 characters,
#: and 1.6 has no token type at all (an idTag is a bare string).
ID_TOKEN_TYPES_201: Final[frozenset[str]] = frozenset(
    {
        "Central",
        "eMAID",
        "ISO14443",
        "ISO15693",
        "KeyCode",
        "Local",
        "MacAddress",
        "NoAuthorization",
    }
)
#: Maximum idToken length, from the official schemas: 1.6 idTag 20, 2.0.1 idToken 36, 2.1 255.
#: MessageTriggerEnumType of OCPP 2.0.1 (TriggerMessageRequest.requestedMessage).
MESSAGE_TRIGGERS_201: Final[frozenset[str]] = frozenset(
    {
        "BootNotification",
        "LogStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "SignChargingStationCertificate",
        "SignV2GCertificate",
        "StatusNotification",
        "TransactionEvent",
        "SignCombinedCertificate",
        "PublishFirmwareStatusNotification",
    }
)
ID_TOKEN_MAX_LENGTH: Final[Mapping[str, int]] = {"1.6": 20, "2.0.1": 36, "2.1": 255}
#: OCPP 2.x limits the station identity (the last URL path segment) to 48 characters.
STATION_ID_MAX_LENGTH: Final = 48

_ENV_PREFIX: Final = "env:"
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PYTHON_DRIVER: Final = re.compile(
    r"python:(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<cls>[A-Za-z_]\w*)"
)
_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")
_SYNTAX_POSITION: Final = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)")
_SYNTAX_AT_END: Final = re.compile(r"\s*\(at end of document\)")
# Header names that carry credentials even when their value is written literally.
_SECRET_HEADER: Final = re.compile(r"auth|cookie|token|secret|key|pass|session|signature", re.I)
# Characters a station identity cannot contain: it is one URL path segment, and in security
# profiles 1 and 2 it is also the basic-auth user name, where ':' would split it.
_STATION_ID_FORBIDDEN: Final = re.compile(r"[\s/?#:%]")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ProfileError(Exception):
    """A profile that cannot be used, with the place to fix it.

    ``key`` is the dotted TOML key (``connection.security_profile``); it is empty only for
    problems with the file as a whole (unreadable, TOML syntax). ``line`` is 1-based or None when
    the key is not written in the file (a missing table, for instance). When several problems
    were found, this error is the first one in file order and ``errors`` holds all of them, so a
    command-line tool can print every problem at once instead of one per attempt.
    """

    def __init__(self, path: str | Path, key: str, message: str, line: int | None = None) -> None:
        self.path: Path = Path(path)
        self.key: str = key
        self.line: int | None = line
        self.message: str = message
        self.errors: tuple[ProfileError, ...] = (self,)
        super().__init__(self.path, key, message, line)

    def __str__(self) -> str:
        where = str(self.path) if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions cross process boundaries (pytest-xdist); keep the structured attributes.
        return (type(self), (self.path, self.key, self.message, self.line))


# ---------------------------------------------------------------------------------------------
# The profile
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    """How the harness and the DUT find each other.

    CS role: ``endpoint`` is where the mock CSMS listens and ``station_id`` the identity the
    station under test must present. CSMS role: ``endpoint`` is the CSMS base URL and the mock
    station appends its id as the last path segment; ``station_ids`` is the pool of identities
    the mock station may use (``station_id`` always first), so cases that need a fresh station
    can each have their own.
    """

    endpoint: str
    station_id: str
    station_ids: tuple[str, ...] = ()
    security_profile: int = 0
    password: str | None = field(default=None, repr=False)
    ca_cert: Path | None = None
    server_cert: Path | None = None
    server_key: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None

    def __post_init__(self) -> None:
        # The pool always starts with station_id, also for profiles built in code.
        if not self.station_ids or self.station_ids[0] != self.station_id:
            pool = (self.station_id, *(s for s in self.station_ids if s != self.station_id))
            object.__setattr__(self, "station_ids", pool)


def _normalise_claim(name: str) -> str:
    return " ".join(re.split(r"[\s_-]+", name.strip())).casefold()


@dataclass(frozen=True)
class Pics:
    """What the DUT claims to implement: certification profiles and optional features.

    A case whose profile or feature is not claimed is NOT APPLICABLE rather than failed.
    """

    profiles: frozenset[str] = frozenset({"Core"})
    features: frozenset[str] = frozenset()

    def claims(self, profile_or_feature: str) -> bool:
        """True if the name is claimed as a profile or a feature.

        Comparison ignores case and treats runs of spaces, ``_`` and ``-`` alike, because the same
        name is spelt "Smart Charging", "smart_charging" or "smart-charging" in different places,
        and a spelling difference must not silently make a case NOT APPLICABLE.
        """
        wanted = _normalise_claim(profile_or_feature)
        return any(_normalise_claim(c) == wanted for c in self.profiles | self.features)


@dataclass(frozen=True)
class Pixit:
    """Configured values: the official documents' ``<Configured xyz>`` placeholders.

    Names match the documents so a vendor can fill the profile from their PIXIT sheet line by line.
    ``readonly_component``/``readonly_variable`` default to ``OCPPCommCtrlr.FileTransferProtocols``:
    a variable every 2.0.1 station must report (it is required in OCPPCommCtrlr) and whose
    mutability the 2.0.1 device model fixes as ReadOnly, so a SetVariables on it must be rejected.
    """

    evses: tuple[int, ...] = (1,)
    valid_idtoken_idtoken: str = "VALID001"
    valid_idtoken_type: str = "ISO14443"
    # <Configured valid idtoken fields2>: a second valid idToken (same group as the first in
    # the group cases, e.g. TC_E_45_CS).
    valid_idtoken2_idtoken: str = "VALID002"
    valid_idtoken2_type: str = "ISO14443"
    invalid_idtoken_idtoken: str = "INVALID01"
    invalid_idtoken_type: str = "ISO14443"
    blocked_idtoken_idtoken: str = "BLOCKED01"
    expired_idtoken_idtoken: str = "EXPIRED01"
    group_idtoken: str = "GROUP001"
    # <Configured masterpass_idtoken_idtoken/_type>: an idToken whose groupIdToken is
    # <Configured masterPassGroupId> (AuthCtrlr.MasterPassGroupId): it may stop any transaction
    # but start none (C16).
    masterpass_idtoken_idtoken: str = "MASTER001"
    masterpass_idtoken_type: str = "ISO14443"
    master_pass_group_id: str = "MASTERGRP"
    heartbeat_interval: int = 60
    meter_value_sample_interval: int = 60
    transaction_message_attempts: int = 3
    transaction_message_retry_interval: int = 5
    configurable_component: str = "OCPPCommCtrlr"
    configurable_variable: str = "HeartbeatInterval"
    readonly_component: str = "OCPPCommCtrlr"
    readonly_variable: str = "FileTransferProtocols"
    configuration_key: str = "HeartbeatInterval"
    readonly_configuration_key: str = "NumberOfConnectors"
    # 2.0.1: the station can reset a single EVSE (B11/B12: TC_B_25-27); false: it cannot, and
    # rejects such a Reset (TC_B_28/29). The harness starts the reference station accordingly.
    supports_reset_evse: bool = True
    # 2.0.1: SecurityCtrlr.AdditionalRootCertificateCheck (ReadOnly) of the station (M05.FR.10:
    # a new CSMS root must be signed by the old one). The cases read the station's own value;
    # the harness starts the reference station with this one.
    additional_root_certificate_check: bool = False
    supports_unlock: bool = True
    # 1.6: the charge point has a back-up power source, so at a power failure it stops its
    # transactions before going down (TC_032_1_CS); false: it stops them once the power is
    # back (TC_032_2_CS). The harness starts the reference charge point accordingly.
    backup_power: bool = True
    # 1.6: the charge point implements the Local Auth List Management profile; false: it
    # answers SendLocalList NotSupported (TC_043_1_CS). The harness starts the reference
    # charge point accordingly (station16_variants).
    local_auth_list_management: bool = True
    # 1.6: the charge point is configured to accept reservations; false: ReserveNow is
    # Rejected (TC_048_4_CS).
    accepts_reservations: bool = True
    # 1.6: ReserveConnectorZeroSupported of the charge point (the cases read its own value;
    # the harness starts the reference charge point with this one): false, ReserveNow for
    # connectorId 0 is Rejected (TC_050_4_CS).
    reserve_connector_zero_supported: bool = True
    # <Configured ev_connection_timeout>: TxCtrlr.EVConnectionTimeOut (s) set by the cases that
    # wait for it to expire (E05, E39, F04); short values keep those cases fast.
    ev_connection_timeout: int = 30
    # <Configured TransactionDuration> (s): AuthCacheCtrlr.LifeTime set and waited out by the
    # authorization-cache lifetime case (TC_C_46_CS); short values keep it fast.
    transaction_duration: int = 60
    # <Configured MaxEnergyOnInvalidId> (Wh, the official cases use 500): TxCtrlr.
    # MaxEnergyOnInvalidId set by TC_C_15_CS / TC_C_18_CS, which wait for it to be delivered.
    max_energy_on_invalid_id: int = 500
    # <Configured offlineThreshold>: OCPPCommCtrlr.OfflineThreshold (s) of the offline-period
    # cases (B04), which set the station's reconnect back-off to it +/- 2 s; at least 3.
    offline_threshold: int = 60
    # <Configured RetryBackOffWaitMinimum>: OCPPCommCtrlr.RetryBackOffWaitMinimum (s) of the
    # reconnection case (Part 4 5.3); the case waits it once and then twice over.
    retry_backoff_wait_minimum: int = 10
    # A MessageTriggerEnumType value the station does not implement (TriggerMessage ->
    # NotImplemented, F06.FR.08); "" if it implements all of them.
    unsupported_trigger_message: str = "SignV2GCertificate"
    # <Configured retryInterval> (s): GetLogRequest.retryInterval of the failed log upload case
    # (TC_N_26_CS, 3 retries, waited out); short values keep it fast.
    log_retry_interval: int = 10
    # <Configured customerIdentifier>: the customer identifier the operator stores at the
    # station (verb store_customer_identifier) for TC_N_62_CS; at most 64 characters.
    customer_identifier: str = "OpenChargeAlliance"
    # <Configured Clock Aligned Data interval> (s): 1.6 ClockAlignedDataInterval set by the
    # clock-aligned meter value case; short values keep it fast.
    clock_aligned_data_interval: int = 900
    # <Configured Valid IdTag 2>: a second valid 1.6 idTag, not sharing a parent with the first.
    valid_idtoken_idtoken2: str = "VALID002"
    # 1.6: the connectorId with a permanently attached cable (PICS feature FixedCable), 0: none.
    fixed_cable_connector: int = 0
    # 2.0.1: the evseId with a permanently attached cable (PICS feature FixedCable), 0: none.
    fixed_cable_evse: int = 0
    # <Configured Reservation Expiry Date Offset> (s): 1.6 ReserveNow expiryDate = now + this,
    # waited for by the reservation expiry case (TC_047); short values keep it fast.
    reservation_expiry_offset: int = 300
    # <Configured connectorType>: a ConnectorEnumType of the station's connectors, reserved by
    # the 2.0.1 connector-type reservation cases (TC_H_15_CS / TC_H_16_CS; TC_H_15_CSMS:
    # the type of <Configured evseId>'s connector, which the operator reserves by type).
    reservation_connector_type: str = "cType2"
    # 2.0.1 secure firmware update (L01: TC_L_*_CS, TC_F_19_CS). <Configured firmware_location>:
    # the URL of a firmware the station accepts, signed with <Configured signingCertificate>
    # (a PEM file, path relative to the profile) giving <Configured signature> (base64). Empty:
    # the harness makes a signed firmware of its own and serves it (reference runs).
    # 1.6 (TC_044_*_CS) uses firmware_location and invalid_firmware_location unsigned; empty:
    # the harness serves a dummy image of its own and a corrupt copy of it.
    firmware_location: str = ""
    firmware_signing_certificate: str = ""
    firmware_signature: str = ""
    # <Configured invalid firmware location> (TC_L_08): a validly signed firmware that fails
    # install verification; its signature (default: firmware_signature). Empty: not run.
    invalid_firmware_location: str = ""
    invalid_firmware_signature: str = ""
    # <Configured invalid firmware signingCertificate> (TC_L_05), a PEM file the station must
    # refuse; empty: the harness makes one from a CA nobody trusts.
    invalid_firmware_signing_certificate: str = ""
    # <Configured Download / Install Offset Period> (s): retrieveDateTime / installDateTime
    # this far in the future in the scheduled-update cases (TC_L_02, L_03, L_08).
    firmware_schedule_offset: float = 60.0
    # The station can install firmware while a transaction is ongoing (TC_L_16; TC_L_14/L_15
    # are for a station that cannot). The harness starts the reference station accordingly.
    firmware_install_during_transaction: bool = False
    # The station downloads firmware while a transaction is ongoing (TC_L_14/L_15); false: it
    # waits with the download until the transactions have ended (TC_L_12/L_13).
    firmware_download_during_transaction: bool = True
    # The station can cancel an ongoing firmware update for a new one (AcceptedCanceled,
    # TC_L_10); false: it rejects the new UpdateFirmwareRequest (TC_L_11, L01.FR.27).
    firmware_update_cancelable: bool = True
    # 2.0.1: a cable lock keeps the EV driver from connecting the EV before authorization
    # (TC_C_05_CS); the plug-in-first refusal cases (TC_C_56_CS) are for a station without.
    cable_lock: bool = False
    # 2.0.1: a user interface where a Master Pass holder selects the transactions to stop
    # (C16.FR.01: TC_C_47_CS / TC_C_48_CS); false: a master pass stops all (TC_C_49_CS).
    master_pass_ui: bool = False
    # Smart Charging (1.6 TC_056..TC_082). <Configured chargingRateUnit> (A or W; with W the
    # official limits are multiplied by 1000) and <Configured numberPhases> of the profiles the
    # cases send or expect; <Configured max time deviation> (s): how far a reported
    # scheduleStart / period start may lie from the time the cases compute; <Configured
    # stackLevel> and <Configured duration> (s) of the profiles a CSMS operator is asked to set.
    charging_rate_unit: str = "A"
    number_phases: int = 3
    max_time_deviation: int = 60
    charging_profile_stack_level: int = 0
    charging_schedule_duration: int = 300

    @property
    def evse_ids(self) -> tuple[int, ...]:
        """EVSE ids as OCPP numbers them: 1..n (0 means the whole station, never an EVSE)."""
        return tuple(range(1, len(self.evses) + 1))

    def connectors(self, evse_id: int) -> int:
        """Number of connectors of EVSE ``evse_id`` (1-based, as on the wire)."""
        if not 1 <= evse_id <= len(self.evses):
            raise ValueError(
                f"EVSE {evse_id} does not exist: the profile declares EVSEs 1..{len(self.evses)}"
            )
        return self.evses[evse_id - 1]


@dataclass(frozen=True)
class Timeouts:
    """Deadlines in seconds. Every wait in the harness uses one of these, never a fixed sleep."""

    message: float = 30.0  #: for a message the DUT must send on its own
    response: float = 30.0  #: for the DUT to answer a CALL
    connect: float = 60.0  #: for a station to (re)connect or boot
    operator: float = 300.0  #: for a person to perform a manual step
    case: float = 600.0  #: hard limit for one test case


@dataclass(frozen=True)
class HttpVerb:
    """One request template of the http driver: ``method base_url+path`` with ``body``."""

    method: str
    path: str
    body: str | None = None


@dataclass(frozen=True)
class HttpDriverConfig:
    """The http operator driver: drives a CSMS REST API or a station test rig without code.

    ``headers`` usually carry credentials, hence kept out of ``repr``. ``secret_headers`` names
    the headers whose values are secrets: those read from the environment (``env:NAME``) and
    those whose name says they carry credentials (Authorization, Cookie, ...Token, ...Key, ...).
    Only those are redacted from traces; redacting ``application/json`` everywhere would make
    the traces unreadable.
    """

    base_url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    timeout: float = 10.0
    verbs: dict[str, HttpVerb] = field(default_factory=dict)
    secret_headers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CommandDriverConfig:
    """The command operator driver: one shell command template per verb."""

    verbs: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0


@dataclass(frozen=True)
class OperatorConfig:
    """Which operator driver performs manual steps, with that driver's settings.

    ``driver`` is ``prompt``, ``http``, ``command``, ``reference`` or
    ``python:package.module:ClassName``.
    """

    driver: str
    http: HttpDriverConfig | None = None
    command: CommandDriverConfig | None = None


@dataclass(frozen=True)
class ReferenceConfig:
    """The bundled reference DUT: started by the harness, or already running at ``control_url``."""

    start: bool = False
    fault: str = ""
    control_url: str | None = None


@dataclass(frozen=True, kw_only=True)
class DutProfile:
    """A loaded, validated DUT profile. Build it with :func:`load_profile`."""

    path: Path
    name: str
    role: Role
    version: OcppVersion
    vendor: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    connection: Connection
    pics: Pics = field(default_factory=Pics)
    pixit: Pixit = field(default_factory=Pixit)
    timeouts: Timeouts = field(default_factory=Timeouts)
    operator: OperatorConfig
    reference: ReferenceConfig = field(default_factory=ReferenceConfig)

    @property
    def station_id(self) -> str:
        """The station under test (CS role) or the mock station's first identity (CSMS role)."""
        return self.connection.station_id

    def secrets(self) -> list[str]:
        """Every secret value the harness may put on the wire or in a log, for redaction.

        Besides the password and header values themselves this includes the HTTP basic-auth
        credential ``base64(station_id:password)`` for every station id, because that encoded
        form, not the password, is what appears in a recorded ``Authorization`` header. Longest
        first, so a redactor replacing them in order never leaves part of a longer secret behind.
        """
        found: set[str] = set()
        password = self.connection.password
        if password:
            found.add(password)
            for sid in self.connection.station_ids:
                found.add(base64.b64encode(f"{sid}:{password}".encode()).decode("ascii"))
        http = self.operator.http
        if http is not None:
            found.update(v for k, v in http.headers.items() if v and k in http.secret_headers)
            url_password = urlsplit(http.base_url).password
            if url_password:
                found.add(url_password)
        return sorted(found, key=lambda s: (-len(s), s))

    def public_json(self) -> dict[str, Any]:
        """The profile as plain JSON data for reports, with every secret replaced by ``REDACTED``.

        The ``[dut]`` identity keys sit at the top level (``name``, ``role``, ``ocpp_version``,
        ...) where report writers look for them; the other tables keep their TOML names so a
        reader can compare the report with the file. Paths of TLS material are shown (they say
        which material was used), never its contents.
        """
        conn = self.connection
        http = self.operator.http
        command = self.operator.command

        def opt_path(p: Path | None) -> str | None:
            return None if p is None else str(p)

        return {
            "name": self.name,
            "role": self.role,
            "ocpp_version": self.version,
            "vendor": self.vendor,
            "model": self.model,
            "firmware_version": self.firmware_version,
            "path": str(self.path),
            "connection": {
                "endpoint": conn.endpoint,
                "station_id": conn.station_id,
                "station_ids": list(conn.station_ids),
                "security_profile": conn.security_profile,
                "password": None if conn.password is None else REDACTED,
                "ca_cert": opt_path(conn.ca_cert),
                "server_cert": opt_path(conn.server_cert),
                "server_key": opt_path(conn.server_key),
                "client_cert": opt_path(conn.client_cert),
                "client_key": opt_path(conn.client_key),
            },
            "pics": {
                "profiles": sorted(self.pics.profiles),
                "features": sorted(self.pics.features),
            },
            "pixit": {
                name: (list(value) if isinstance(value, tuple) else value)
                for name, value in vars(self.pixit).items()
            },
            "timeouts": dict(vars(self.timeouts)),
            "operator": {
                "driver": self.operator.driver,
                "http": None
                if http is None
                else {
                    "base_url": _redact_url(http.base_url),
                    "headers": dict.fromkeys(http.headers, REDACTED),
                    "timeout": http.timeout,
                    "verbs": {
                        verb: {"method": t.method, "path": t.path, "body": t.body}
                        for verb, t in sorted(http.verbs.items())
                    },
                },
                "command": None
                if command is None
                else {"verbs": dict(sorted(command.verbs.items())), "timeout": command.timeout},
            },
            "reference": {
                "start": self.reference.start,
                "fault": self.reference.fault,
                "control_url": self.reference.control_url,
            },
        }


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:{REDACTED}@{host}").geturl()


# ---------------------------------------------------------------------------------------------
# Line numbers
# ---------------------------------------------------------------------------------------------


class _ScanStop(Exception):
    """The structure scanner met something it does not understand; keep what it found."""


class _KeyScanner:
    """Finds the line on which each dotted key or table is written.

    tomllib returns plain dicts without positions, so this walks the source text once and records
    table headers, ``key =`` lines, dotted keys and keys inside inline tables. It only needs to
    understand structure (strings, arrays and inline tables are skipped correctly, including
    multi-line strings that may contain ``=`` or ``[``); the file has already been parsed by
    tomllib, so it can be forgiving, and it stops quietly if it gets lost.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.found: dict[tuple[str, ...], int] = {}
        self._newlines = [i for i, c in enumerate(text) if c == "\n"]

    def scan(self) -> dict[tuple[str, ...], int]:
        # IndexError / ValueError: ran off the end of the text (str.index), i.e. got lost.
        with contextlib.suppress(_ScanStop, IndexError, ValueError):
            self._document()
        return self.found

    # helpers -------------------------------------------------------------------------------

    def _line(self) -> int:
        return bisect_left(self._newlines, self.pos) + 1

    def _at(self, s: str) -> bool:
        return self.text.startswith(s, self.pos)

    def _eof(self) -> bool:
        return self.pos >= len(self.text)

    def _record(self, path: tuple[str, ...], line: int) -> None:
        for i in range(1, len(path) + 1):
            self.found.setdefault(path[:i], line)

    def _blank(self) -> None:
        while not self._eof() and self.text[self.pos] in " \t":
            self.pos += 1

    def _space(self) -> None:
        """Skip blanks, newlines and comments."""
        while not self._eof():
            c = self.text[self.pos]
            if c in " \t\r\n":
                self.pos += 1
            elif c == "#":
                self._to_eol()
            else:
                return

    def _to_eol(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end + 1

    def _expect(self, s: str) -> None:
        if not self._at(s):
            raise _ScanStop
        self.pos += len(s)

    # grammar -------------------------------------------------------------------------------

    def _document(self) -> None:
        prefix: tuple[str, ...] = ()
        while True:
            self._space()
            if self._eof():
                return
            line = self._line()
            if self._at("["):
                closing = "]]" if self._at("[[") else "]"
                self.pos += len(closing)
                self._blank()
                prefix = self._key()
                self._blank()
                self._expect(closing)
                self._record(prefix, line)
            else:
                key = prefix + self._key()
                self._record(key, line)
                self._blank()
                self._expect("=")
                self._blank()
                self._value(key)
            self._blank()
            if self._at("#"):
                self._to_eol()

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._blank()
            if self._at('"'):
                start = self.pos
                self._basic_string()
                raw = self.text[start : self.pos]
                try:
                    parts.append(str(tomllib.loads(f"k = {raw}")["k"]))
                except tomllib.TOMLDecodeError:
                    parts.append(raw[1:-1])
            elif self._at("'"):
                end = self.text.index("'", self.pos + 1)
                parts.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    raise _ScanStop
                parts.append(match.group())
                self.pos = match.end()
            self._blank()
            if not self._at("."):
                return tuple(parts)
            self.pos += 1

    def _basic_string(self) -> None:
        self.pos += 1
        while True:
            c = self.text[self.pos]
            if c == "\\":
                self.pos += 2
            elif c == '"':
                self.pos += 1
                return
            elif c == "\n":
                raise _ScanStop
            else:
                self.pos += 1

    def _multiline(self, quote: str) -> None:
        self.pos += 3
        while True:
            end = self.text.find(quote, self.pos)
            if end < 0:
                raise _ScanStop
            if quote == '"""':
                backslashes = 0
                while self.text[end - 1 - backslashes] == "\\":
                    backslashes += 1
                if backslashes % 2:
                    self.pos = end + 1
                    continue
            self.pos = end + 3
            # Up to two quote characters may sit right before the closing delimiter.
            for _ in range(2):
                if self._at(quote[0]):
                    self.pos += 1
            return

    def _value(self, path: tuple[str, ...]) -> None:
        if self._at('"""') or self._at("'''"):
            self._multiline(self.text[self.pos : self.pos + 3])
        elif self._at('"'):
            self._basic_string()
        elif self._at("'"):
            self.pos = self.text.index("'", self.pos + 1) + 1
        elif self._at("["):
            self._array(path)
        elif self._at("{"):
            self._inline_table(path)
        else:
            start = self.pos
            while not self._eof() and self.text[self.pos] not in ",]}\n#":
                self.pos += 1
            if self.pos == start:
                raise _ScanStop

    def _array(self, path: tuple[str, ...]) -> None:
        self.pos += 1
        while True:
            self._space()
            if self._at("]"):
                self.pos += 1
                return
            self._value(path)
            self._space()
            if self._at(","):
                self.pos += 1

    def _inline_table(self, path: tuple[str, ...]) -> None:
        self.pos += 1
        while True:
            self._space()
            if self._at("}"):
                self.pos += 1
                return
            line = self._line()
            key = path + self._key()
            self._record(key, line)
            self._blank()
            self._expect("=")
            self._blank()
            self._value(key)
            self._space()
            if self._at(","):
                self.pos += 1


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

_MISSING: Final = object()

_TOML_TYPE_NAMES: Final[Mapping[str, str]] = {
    "str": "a string",
    "int": "an integer",
    "float": "a float",
    "bool": "a boolean",
    "list": "an array",
    "dict": "a table",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}


def _describe(value: object) -> str:
    return _TOML_TYPE_NAMES.get(type(value).__name__, type(value).__name__)


def _dotted(path: Iterable[str]) -> str:
    return ".".join(p if _BARE_KEY.fullmatch(p) else json.dumps(p) for p in path)


class _Loader:
    """Collects errors while the profile is read; positions come from the key scanner."""

    def __init__(self, path: Path, text: str, environ: Mapping[str, str]) -> None:
        self.path = path
        self.lines = _KeyScanner(text).scan()
        self.environ = environ
        self.errors: list[ProfileError] = []

    def line_of(self, key: tuple[str, ...]) -> int | None:
        # A key that is not written (missing, defaulted) is reported at its table's header.
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return None

    def error(self, key: tuple[str, ...], message: str) -> None:
        self.errors.append(ProfileError(self.path, _dotted(key), message, self.line_of(key)))

    def raise_if_errors(self) -> None:
        if not self.errors:
            return
        ordered = sorted(self.errors, key=lambda e: (e.line is None, e.line or 0))
        first = ordered[0]
        first.errors = tuple(ordered)
        raise first

    def resolve_secret(self, key: tuple[str, ...], value: str) -> str:
        """Resolve ``env:NAME`` from the environment, so secrets need not be in the file."""
        if not value.startswith(_ENV_PREFIX):
            return value
        name = value[len(_ENV_PREFIX) :]
        if not _ENV_NAME.fullmatch(name):
            self.error(key, '"env:" must be followed by a variable name, e.g. "env:OCPP_PASSWORD"')
            return ""
        resolved = self.environ.get(name)
        if resolved is None:
            self.error(
                key, f'environment variable {name} is not set (the profile says "env:{name}")'
            )
            return ""
        if not resolved:
            self.error(key, f"environment variable {name} is empty")
        return resolved


class _Table:
    """Typed access to one TOML table; remembers which keys were read to find unknown ones."""

    def __init__(self, loader: _Loader, path: tuple[str, ...], data: Mapping[str, Any]) -> None:
        self.loader = loader
        self.path = path
        self.data = data
        self.known: list[str] = []

    def key(self, name: str) -> tuple[str, ...]:
        return (*self.path, name)

    def error(self, name: str, message: str) -> None:
        self.loader.error(self.key(name), message)

    def _raw(self, name: str) -> object:
        self.known.append(name)
        return self.data.get(name, _MISSING)

    def _wrong(self, name: str, expected: str, value: object) -> None:
        self.error(name, f"expected {expected}, got {_describe(value)}")

    def has(self, name: str) -> bool:
        return name in self.data

    # scalars -------------------------------------------------------------------------------

    def text_opt(self, name: str, *, secret: bool = False, nonempty: bool = True) -> str | None:
        value = self._raw(name)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self._wrong(name, "a string", value)
            return None
        if nonempty and not value.strip():
            self.error(name, "must not be empty")
            return None
        return self.loader.resolve_secret(self.key(name), value) if secret else value

    def text(self, name: str, default: str, *, nonempty: bool = True) -> str:
        value = self.text_opt(name, nonempty=nonempty)
        return default if value is None else value

    def text_required(self, name: str) -> str:
        if name not in self.data:
            self._raw(name)
            self.error(name, "required key is missing")
            return ""
        return self.text_opt(name) or ""

    def choice(self, name: str, choices: Iterable[str], *, hint: str = "") -> str:
        options = tuple(choices)
        if name not in self.data:
            self._raw(name)
            self.error(name, f"required key is missing (one of {_quoted(options)})")
            return options[0]
        value = self._raw(name)
        if not isinstance(value, str):
            self.error(
                name, f"expected a string (one of {_quoted(options)}), got {_describe(value)}{hint}"
            )
            return options[0]
        if value not in options:
            self.error(name, f"must be one of {_quoted(options)}, got {json.dumps(value)}")
            return options[0]
        return value

    def integer(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self._raw(name)
        if value is _MISSING:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong(name, "an integer", value)
            return default
        return self._in_range(name, value, minimum, maximum, default)

    def number(self, name: str, default: float, *, positive: bool = True) -> float:
        """A float; integers are accepted because ``timeout = 5`` is the natural way to write it."""
        value = self._raw(name)
        if value is _MISSING:
            return default
        if not isinstance(value, int | float) or isinstance(value, bool):
            self._wrong(name, "a number", value)
            return default
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            self.error(name, "must be a finite number")
            return default
        if positive and number <= 0:
            self.error(name, f"must be greater than 0, got {value}")
            return default
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self._wrong(name, "a boolean (true or false)", value)
            return default
        return value

    def _in_range(
        self, name: str, value: int, minimum: int | None, maximum: int | None, default: int
    ) -> int:
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            self.error(name, f"must be between {minimum} and {maximum}, got {value}")
            return default
        if minimum is not None and value < minimum:
            self.error(name, f"must be at least {minimum}, got {value}")
            return default
        if maximum is not None and value > maximum:
            self.error(name, f"must be at most {maximum}, got {value}")
            return default
        return value

    # arrays --------------------------------------------------------------------------------

    def text_list(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self._raw(name)
        if value is _MISSING:
            return default
        if not isinstance(value, list):
            self._wrong(name, "an array of strings", value)
            return default
        items: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                got = "an empty string" if isinstance(item, str) else _describe(item)
                self.error(name, f"item {index + 1}: expected a non-empty string, got {got}")
                return default
            items.append(item)
        return tuple(items)

    def int_list(self, name: str, default: tuple[int, ...], *, minimum: int) -> tuple[int, ...]:
        value = self._raw(name)
        if value is _MISSING:
            return default
        if not isinstance(value, list):
            self._wrong(name, "an array of integers", value)
            return default
        if not value:
            self.error(name, "must not be empty")
            return default
        items: list[int] = []
        for index, item in enumerate(value):
            if not isinstance(item, int) or isinstance(item, bool):
                self.error(name, f"item {index + 1}: expected an integer, got {_describe(item)}")
                return default
            if item < minimum:
                self.error(name, f"item {index + 1}: must be at least {minimum}, got {item}")
                return default
            items.append(item)
        return tuple(items)

    # tables --------------------------------------------------------------------------------

    def table(self, name: str, *, required: bool = False) -> _Table | None:
        value = self._raw(name)
        if value is _MISSING:
            if required:
                self.error(name, f"required table [{_dotted(self.key(name))}] is missing")
            return None
        if not isinstance(value, dict):
            self._wrong(name, "a table", value)
            return None
        return _Table(self.loader, self.key(name), value)

    def finish(self, *, what: str | None = None, candidates: Iterable[str] = ()) -> None:
        """Report every key that was not asked for: in a profile, an unknown key is a typo.

        ``what`` names the kind of key ("verb") and ``candidates`` adds names for the
        did-you-mean hint beyond the keys that were read.
        """
        names = [*self.known, *candidates]
        for name, value in self.data.items():
            if name in self.known:
                continue
            kind = what or ("table" if isinstance(value, dict) else "key")
            hint = difflib.get_close_matches(name, names, n=1)
            where = f"[{_dotted(self.path)}]" if self.path else "the top level"
            message = f"unknown {kind} {json.dumps(name)} in {where}"
            if hint:
                message += f" (did you mean {json.dumps(hint[0])}?)"
            self.error(name, message)


def _quoted(options: Iterable[str]) -> str:
    return ", ".join(json.dumps(o) for o in options)


class _FilledIn:
    """Stands for any placeholder value when a body template is test-filled to check its JSON."""

    def __format__(self, spec: str) -> str:
        return "0"


_FORMATTER: Final = string.Formatter()


def _check_template(template: str) -> tuple[str | None, list[str]]:
    """Check a ``str.format`` template; return (problem or None, placeholder names).

    Only plain names are allowed: attribute and index access (``{id_token.__class__}``) would
    let a template reach into Python objects, and positional ``{}`` fields cannot be filled by
    name. Conversions (``!r``) produce Python reprs, which are never what a request wants.
    """
    names: list[str] = []
    try:
        for _literal, field_name, spec, conversion in _FORMATTER.parse(template):
            if field_name is None:
                continue
            if not field_name.isidentifier():
                shown = "{" + field_name + "}"
                return (
                    f"placeholder {shown} is not a plain name such as {{evse_id}}; "
                    "write literal braces as {{ and }}",
                    names,
                )
            if conversion:
                shown = "{" + field_name + "!" + conversion + "}"
                return f"placeholder {shown}: conversions are not allowed", names
            if spec and ("{" in spec or "}" in spec):
                return f"placeholder {{{field_name}}}: nested placeholders are not allowed", names
            names.append(field_name)
    except ValueError as exc:
        return f"not a valid template ({exc}); write literal braces as {{{{ and }}}}", names
    return None, names


class _ProfileBuilder:
    """Reads each table into its dataclass; cross-checks run once every field is valid."""

    def __init__(self, loader: _Loader, data: Mapping[str, Any]) -> None:
        self.loader = loader
        self.root = _Table(loader, (), data)

    def build(self) -> DutProfile:
        root = self.root
        dut = root.table("dut", required=True) or _Table(self.loader, ("dut",), {})
        name = dut.text_required("name")
        role = cast(Role, dut.choice("role", ROLES))
        version = cast(
            OcppVersion,
            dut.choice(
                "ocpp_version",
                VERSIONS,
                hint=' (quote it: ocpp_version = "1.6"; unquoted, 1.6 is read as a number)',
            ),
        )
        vendor = dut.text_opt("vendor")
        model = dut.text_opt("model")
        firmware = dut.text_opt("firmware_version")
        dut.finish()

        reference = self._reference()
        connection = self._connection(role)
        pics = self._pics()
        pixit = self._pixit(version)
        timeouts = self._timeouts()
        operator = self._operator()
        root.finish()

        profile = DutProfile(
            path=self.loader.path.absolute(),
            name=name,
            role=role,
            version=version,
            vendor=vendor,
            model=model,
            firmware_version=firmware,
            connection=connection,
            pics=pics,
            pixit=pixit,
            timeouts=timeouts,
            operator=operator,
            reference=reference,
        )
        if not self.loader.errors:
            self._cross_check(profile)
        return profile

    # [connection] ----------------------------------------------------------------------------

    def _connection(self, role: Role) -> Connection:
        t = self.root.table("connection", required=True) or _Table(self.loader, ("connection",), {})
        endpoint = t.text_required("endpoint")
        if endpoint:
            self._check_endpoint(t, endpoint)
        station_id = t.text_required("station_id")
        if station_id:
            self._check_station_id(t, "station_id", station_id)
        pool = t.text_list("station_ids", ())
        if t.has("station_ids"):
            if role == "cs":
                t.error(
                    "station_ids",
                    'only used when role = "csms" (a charging station under test has one '
                    "identity: station_id)",
                )
            elif not pool:
                t.error("station_ids", "must not be empty (leave it out to use station_id only)")
            for sid in pool:
                self._check_station_id(t, "station_ids", sid)
            duplicates = sorted({s for s in pool if pool.count(s) > 1})
            if duplicates:
                t.error("station_ids", f"duplicate ids: {_quoted(duplicates)}")
        # station_id always comes first; the rest of the pool follows in file order.
        station_ids = (station_id, *(s for s in pool if s != station_id))
        security_profile = t.integer("security_profile", 0, minimum=0, maximum=3)
        password = t.text_opt("password", secret=True)
        certs = {
            key: self._cert_path(t, key)
            for key in ("ca_cert", "server_cert", "server_key", "client_cert", "client_key")
        }
        for cert, key in (("server_cert", "server_key"), ("client_cert", "client_key")):
            if (certs[cert] is None) == (certs[key] is None) or self._has_errors_at(t, cert, key):
                continue
            given, absent = (cert, key) if certs[key] is None else (key, cert)
            t.error(
                given,
                f"{given} needs {absent} as well (or leave both out to use a generated test PKI)",
            )
        t.finish()
        if security_profile in (1, 2) and password is None and not t.has("password"):
            t.error(
                "security_profile",
                f"security profile {security_profile} uses HTTP basic auth: set "
                'connection.password (e.g. password = "env:OCPP_PASSWORD")',
            )
        if security_profile == 0 and t.has("password"):
            t.error(
                "password",
                "a password is only sent with security profiles 1 and 2; set security_profile "
                "or remove the password",
            )
        return Connection(
            endpoint=endpoint,
            station_id=station_id,
            station_ids=station_ids,
            security_profile=security_profile,
            password=password,
            ca_cert=certs["ca_cert"],
            server_cert=certs["server_cert"],
            server_key=certs["server_key"],
            client_cert=certs["client_cert"],
            client_key=certs["client_key"],
        )

    def _has_errors_at(self, t: _Table, *names: str) -> bool:
        keys = {_dotted(t.key(n)) for n in names}
        return any(e.key in keys for e in self.loader.errors)

    def _check_endpoint(self, t: _Table, endpoint: str) -> None:
        try:
            parts = urlsplit(endpoint)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            t.error("endpoint", f"not a valid URL: {exc}")
            return
        problem = _endpoint_problem(parts)
        if problem:
            t.error("endpoint", problem)

    def _check_station_id(self, t: _Table, key: str, sid: str) -> None:
        if len(sid) > STATION_ID_MAX_LENGTH:
            t.error(key, f"{json.dumps(sid)} is longer than {STATION_ID_MAX_LENGTH} characters")
        elif _STATION_ID_FORBIDDEN.search(sid):
            t.error(
                key,
                f"{json.dumps(sid)} contains a character a station identity cannot have "
                "(whitespace, '/', '?', '#', ':' or '%'): it is a URL path segment and the "
                "basic-auth user name",
            )

    def _cert_path(self, t: _Table, key: str) -> Path | None:
        value = t.text_opt(key)
        if value is None:
            return None
        path = Path(value).expanduser()
        if not path.is_absolute():
            # Relative to the profile, so a profile and its certificates can move together.
            path = self.loader.path.absolute().parent / path
        if not path.is_file():
            t.error(key, f"file not found: {path}")
        return path

    # [pics] [pixit] [timeouts] ---------------------------------------------------------------

    def _pics(self) -> Pics:
        t = self.root.table("pics")
        if t is None:
            return Pics()
        profiles = t.text_list("profiles", tuple(Pics.profiles))
        features = t.text_list("features", ())
        t.finish()
        return Pics(profiles=frozenset(profiles), features=frozenset(features))

    def _pixit(self, version: OcppVersion) -> Pixit:
        t = self.root.table("pixit")
        if t is None:
            return Pixit()
        d = Pixit  # the dataclass defaults are the single source of default values
        max_token = ID_TOKEN_MAX_LENGTH[version]
        tokens: dict[str, str] = {}
        for key, default in (
            ("valid_idtoken_idtoken", d.valid_idtoken_idtoken),
            ("valid_idtoken2_idtoken", d.valid_idtoken2_idtoken),
            ("valid_idtoken_idtoken2", d.valid_idtoken_idtoken2),
            ("invalid_idtoken_idtoken", d.invalid_idtoken_idtoken),
            ("blocked_idtoken_idtoken", d.blocked_idtoken_idtoken),
            ("expired_idtoken_idtoken", d.expired_idtoken_idtoken),
            ("group_idtoken", d.group_idtoken),
            ("masterpass_idtoken_idtoken", d.masterpass_idtoken_idtoken),
            ("master_pass_group_id", d.master_pass_group_id),
        ):
            tokens[key] = t.text(key, default)
            if len(tokens[key]) > max_token:
                t.error(key, f"longer than {max_token} characters, the OCPP {version} limit")
        types: dict[str, str] = {}
        for key, default in (
            ("valid_idtoken_type", d.valid_idtoken_type),
            ("valid_idtoken2_type", d.valid_idtoken2_type),
            ("invalid_idtoken_type", d.invalid_idtoken_type),
            ("masterpass_idtoken_type", d.masterpass_idtoken_type),
        ):
            types[key] = t.text(key, default)
            if version == "2.0.1" and types[key] not in ID_TOKEN_TYPES_201:
                t.error(key, f"must be one of {_quoted(sorted(ID_TOKEN_TYPES_201))} in OCPP 2.0.1")
            elif version == "2.1" and len(types[key]) > 20:
                t.error(key, "longer than 20 characters, the OCPP 2.1 limit")
        trigger = t.text(
            "unsupported_trigger_message", d.unsupported_trigger_message, nonempty=False
        )
        if version == "2.0.1" and trigger and trigger not in MESSAGE_TRIGGERS_201:
            t.error(
                "unsupported_trigger_message",
                f"must be one of {_quoted(sorted(MESSAGE_TRIGGERS_201))} (or empty) in OCPP 2.0.1",
            )
        customer = t.text("customer_identifier", d.customer_identifier)
        rate_unit = t.text("charging_rate_unit", d.charging_rate_unit)
        if rate_unit not in ("A", "W"):
            t.error("charging_rate_unit", f"must be A or W, got {json.dumps(rate_unit)}")
            rate_unit = d.charging_rate_unit
        if len(customer) > 64:
            t.error("customer_identifier", "longer than 64 characters (CustomerInformation limit)")
        pixit = Pixit(
            evses=t.int_list("evses", d.evses, minimum=1),
            heartbeat_interval=t.integer("heartbeat_interval", d.heartbeat_interval, minimum=1),
            meter_value_sample_interval=t.integer(
                "meter_value_sample_interval", d.meter_value_sample_interval, minimum=0
            ),
            transaction_message_attempts=t.integer(
                "transaction_message_attempts", d.transaction_message_attempts, minimum=1
            ),
            transaction_message_retry_interval=t.integer(
                "transaction_message_retry_interval",
                d.transaction_message_retry_interval,
                minimum=0,
            ),
            configurable_component=t.text("configurable_component", d.configurable_component),
            configurable_variable=t.text("configurable_variable", d.configurable_variable),
            readonly_component=t.text("readonly_component", d.readonly_component),
            readonly_variable=t.text("readonly_variable", d.readonly_variable),
            configuration_key=t.text("configuration_key", d.configuration_key),
            readonly_configuration_key=t.text(
                "readonly_configuration_key", d.readonly_configuration_key
            ),
            supports_reset_evse=t.boolean("supports_reset_evse", d.supports_reset_evse),
            additional_root_certificate_check=t.boolean(
                "additional_root_certificate_check", d.additional_root_certificate_check
            ),
            supports_unlock=t.boolean("supports_unlock", d.supports_unlock),
            backup_power=t.boolean("backup_power", d.backup_power),
            local_auth_list_management=t.boolean(
                "local_auth_list_management", d.local_auth_list_management
            ),
            accepts_reservations=t.boolean("accepts_reservations", d.accepts_reservations),
            reserve_connector_zero_supported=t.boolean(
                "reserve_connector_zero_supported", d.reserve_connector_zero_supported
            ),
            ev_connection_timeout=t.integer(
                "ev_connection_timeout", d.ev_connection_timeout, minimum=1
            ),
            transaction_duration=t.integer(
                "transaction_duration", d.transaction_duration, minimum=1
            ),
            max_energy_on_invalid_id=t.integer(
                "max_energy_on_invalid_id", d.max_energy_on_invalid_id, minimum=1
            ),
            unsupported_trigger_message=trigger,
            log_retry_interval=t.integer("log_retry_interval", d.log_retry_interval, minimum=0),
            customer_identifier=customer,
            offline_threshold=t.integer("offline_threshold", d.offline_threshold, minimum=3),
            retry_backoff_wait_minimum=t.integer(
                "retry_backoff_wait_minimum", d.retry_backoff_wait_minimum, minimum=1
            ),
            clock_aligned_data_interval=t.integer(
                "clock_aligned_data_interval", d.clock_aligned_data_interval, minimum=1
            ),
            fixed_cable_connector=t.integer(
                "fixed_cable_connector", d.fixed_cable_connector, minimum=0
            ),
            fixed_cable_evse=t.integer("fixed_cable_evse", d.fixed_cable_evse, minimum=0),
            reservation_expiry_offset=t.integer(
                "reservation_expiry_offset", d.reservation_expiry_offset, minimum=1
            ),
            reservation_connector_type=t.text(
                "reservation_connector_type", d.reservation_connector_type
            ),
            firmware_location=t.text("firmware_location", d.firmware_location, nonempty=False),
            firmware_signing_certificate=str(
                self._cert_path(t, "firmware_signing_certificate") or ""
            ),
            firmware_signature=t.text("firmware_signature", d.firmware_signature, nonempty=False),
            invalid_firmware_location=t.text(
                "invalid_firmware_location", d.invalid_firmware_location, nonempty=False
            ),
            invalid_firmware_signature=t.text(
                "invalid_firmware_signature", d.invalid_firmware_signature, nonempty=False
            ),
            invalid_firmware_signing_certificate=str(
                self._cert_path(t, "invalid_firmware_signing_certificate") or ""
            ),
            firmware_schedule_offset=t.number(
                "firmware_schedule_offset", d.firmware_schedule_offset
            ),
            firmware_install_during_transaction=t.boolean(
                "firmware_install_during_transaction", d.firmware_install_during_transaction
            ),
            firmware_download_during_transaction=t.boolean(
                "firmware_download_during_transaction", d.firmware_download_during_transaction
            ),
            firmware_update_cancelable=t.boolean(
                "firmware_update_cancelable", d.firmware_update_cancelable
            ),
            cable_lock=t.boolean("cable_lock", d.cable_lock),
            master_pass_ui=t.boolean("master_pass_ui", d.master_pass_ui),
            charging_rate_unit=rate_unit,
            number_phases=t.integer("number_phases", d.number_phases, minimum=1, maximum=3),
            max_time_deviation=t.integer("max_time_deviation", d.max_time_deviation, minimum=1),
            charging_profile_stack_level=t.integer(
                "charging_profile_stack_level", d.charging_profile_stack_level, minimum=0
            ),
            charging_schedule_duration=t.integer(
                "charging_schedule_duration", d.charging_schedule_duration, minimum=1
            ),
            valid_idtoken_idtoken=tokens["valid_idtoken_idtoken"],
            valid_idtoken_idtoken2=tokens["valid_idtoken_idtoken2"],
            valid_idtoken_type=types["valid_idtoken_type"],
            valid_idtoken2_idtoken=tokens["valid_idtoken2_idtoken"],
            valid_idtoken2_type=types["valid_idtoken2_type"],
            invalid_idtoken_idtoken=tokens["invalid_idtoken_idtoken"],
            invalid_idtoken_type=types["invalid_idtoken_type"],
            blocked_idtoken_idtoken=tokens["blocked_idtoken_idtoken"],
            expired_idtoken_idtoken=tokens["expired_idtoken_idtoken"],
            group_idtoken=tokens["group_idtoken"],
            masterpass_idtoken_idtoken=tokens["masterpass_idtoken_idtoken"],
            masterpass_idtoken_type=types["masterpass_idtoken_type"],
            master_pass_group_id=tokens["master_pass_group_id"],
        )
        if (
            version != "1.6"  # 1.6 UpdateFirmware is unsigned
            and pixit.firmware_location
            and not (pixit.firmware_signing_certificate and pixit.firmware_signature)
        ):
            t.error(
                "firmware_location",
                "needs firmware_signing_certificate and firmware_signature as well (L01)",
            )
        t.finish()
        return pixit

    def _timeouts(self) -> Timeouts:
        t = self.root.table("timeouts")
        if t is None:
            return Timeouts()
        d = Timeouts
        timeouts = Timeouts(
            message=t.number("message", d.message),
            response=t.number("response", d.response),
            connect=t.number("connect", d.connect),
            operator=t.number("operator", d.operator),
            case=t.number("case", d.case),
        )
        t.finish()
        return timeouts

    # [operator] [reference] ------------------------------------------------------------------

    def _operator(self) -> OperatorConfig:
        t = self.root.table("operator", required=True) or _Table(self.loader, ("operator",), {})
        driver = t.text_required("driver")
        if driver and driver not in OPERATOR_DRIVERS and not _PYTHON_DRIVER.fullmatch(driver):
            t.error(
                "driver",
                f"must be one of {_quoted(OPERATOR_DRIVERS)} or "
                f'"python:package.module:ClassName", got {json.dumps(driver)}',
            )
        http_table = t.table("http")
        http = self._http(http_table) if http_table is not None else None
        command_table = t.table("command")
        command = self._command(command_table) if command_table is not None else None
        t.finish()
        if driver == "http" and http_table is None and not t.has("http"):
            t.error("driver", 'driver "http" needs an [operator.http] table')
        if driver == "command" and command_table is None and not t.has("command"):
            t.error("driver", 'driver "command" needs an [operator.command] table')
        return OperatorConfig(driver=driver, http=http, command=command)

    def _http(self, t: _Table) -> HttpDriverConfig:
        base_url = t.text_required("base_url")
        if base_url:
            try:
                parts = urlsplit(base_url)
                parts.port  # noqa: B018 - raises ValueError for a bad port
            except ValueError as exc:
                t.error("base_url", f"not a valid URL: {exc}")
            else:
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    t.error("base_url", "must be an http:// or https:// URL with a host")
        headers: dict[str, str] = {}
        secret_headers: set[str] = set()
        headers_table = t.table("headers")
        if headers_table is not None:
            for header, value in headers_table.data.items():
                headers_table.known.append(header)
                if not isinstance(value, str):
                    headers_table.error(header, f"expected a string, got {_describe(value)}")
                    continue
                if value.startswith(_ENV_PREFIX) or _SECRET_HEADER.search(header):
                    secret_headers.add(header)
                headers[header] = self.loader.resolve_secret(headers_table.key(header), value)
            headers_table.finish()
        timeout = t.number("timeout", HttpDriverConfig.timeout)
        verbs: dict[str, HttpVerb] = {}
        verbs_table = t.table("verbs")
        if verbs_table is not None:
            for verb in self._verb_names(verbs_table):
                vt = verbs_table.table(verb)
                if vt is None:
                    continue
                method = vt.text("method", "POST").upper()
                if method not in HTTP_METHODS:
                    vt.error(
                        "method",
                        f"must be one of {_quoted(HTTP_METHODS)}, got {json.dumps(method)}",
                    )
                path = vt.text_required("path")
                self._template(vt, verb, "path", path)
                body = vt.text_opt("body", nonempty=False)
                if body is not None:
                    self._template(vt, verb, "body", body, json_body=True)
                vt.finish()
                verbs[verb] = HttpVerb(method=method, path=path, body=body)
            verbs_table.finish(what="verb", candidates=_verb_placeholders())
        t.finish()
        return HttpDriverConfig(
            base_url=base_url,
            headers=headers,
            timeout=timeout,
            verbs=verbs,
            secret_headers=frozenset(secret_headers),
        )

    def _command(self, t: _Table) -> CommandDriverConfig:
        verbs: dict[str, str] = {}
        verbs_table = t.table("verbs")
        if verbs_table is not None:
            for verb in self._verb_names(verbs_table):
                command = verbs_table.text_opt(verb)
                if command is None:
                    continue  # wrong type or empty: already reported
                self._template(verbs_table, verb, verb, command)
                verbs[verb] = command
            verbs_table.finish(what="verb", candidates=_verb_placeholders())
        timeout = t.number("timeout", CommandDriverConfig.timeout)
        t.finish()
        return CommandDriverConfig(verbs=verbs, timeout=timeout)

    def _verb_names(self, t: _Table) -> list[str]:
        """The configured verbs that exist; unknown ones are left for ``finish`` to report."""
        known = _verb_placeholders()
        return [verb for verb in t.data if verb in known]

    def _template(
        self, t: _Table, verb: str, key: str, template: str, *, json_body: bool = False
    ) -> None:
        problem, names = _check_template(template)
        if problem is not None:
            t.error(key, problem)
            return
        # A placeholder the verb never supplies would only fail when a case needs the verb,
        # possibly an hour into a run; catch it now.
        allowed = _verb_placeholders()[verb]
        unknown = sorted(set(names) - allowed)
        if unknown:
            shown = ", ".join("{" + n + "}" for n in unknown)
            offered = ", ".join("{" + n + "}" for n in sorted(allowed))
            t.error(key, f"{verb} does not supply {shown}; it supplies {offered}")
            return
        if json_body and template.strip():
            filled = template.format(**dict.fromkeys(names, _FilledIn()))
            try:
                json.loads(filled)
            except json.JSONDecodeError as exc:
                t.error(key, f"not valid JSON once its placeholders are filled in: {exc}")

    def _reference(self) -> ReferenceConfig:
        t = self.root.table("reference")
        if t is None:
            return ReferenceConfig()
        start = t.boolean("start", False)
        fault = t.text("fault", "", nonempty=False)
        control_url = t.text_opt("control_url")
        if control_url is not None:
            try:
                parts = urlsplit(control_url)
                parts.port  # noqa: B018 - raises ValueError for a bad port
                ok = parts.scheme in ("http", "https") and bool(parts.hostname)
            except ValueError:
                ok = False
            if not ok:
                t.error("control_url", "must be an http:// or https:// URL with a host")
        t.finish()
        return ReferenceConfig(start=start, fault=fault, control_url=control_url)

    # cross-checks ----------------------------------------------------------------------------

    def _cross_check(self, p: DutProfile) -> None:
        """Checks across tables; they run only on an otherwise valid profile, so every value
        they look at is real rather than a placeholder left behind by an earlier error."""
        err = self.loader.error
        conn = p.connection
        parts = urlsplit(conn.endpoint)
        if p.role == "csms" or p.reference.start:
            # The harness owns both ends here, so scheme and profile must agree: TLS from
            # security profile 2 on, and plain ws below it.
            if conn.security_profile >= 2 and parts.scheme != "wss":
                err(
                    ("connection", "endpoint"),
                    f"security profile {conn.security_profile} runs over TLS: the endpoint must "
                    "start with wss://",
                )
            elif conn.security_profile < 2 and parts.scheme != "ws":
                err(
                    ("connection", "endpoint"),
                    f"security profile {conn.security_profile} has no TLS: the endpoint must "
                    "start with ws:// (or raise security_profile to 2 or 3)",
                )
        if parts.port == 0 and not p.reference.start:
            err(
                ("connection", "endpoint"),
                "port 0 (any free port) only works when the harness starts the reference DUT "
                "itself ([reference] start = true): a real device needs a fixed port",
            )
        if p.reference.start and p.reference.control_url is not None:
            err(
                ("reference", "control_url"),
                "control_url is for a reference DUT that is already running; it cannot be "
                "combined with start = true",
            )
        if p.reference.fault and not (p.reference.start or p.reference.control_url):
            err(
                ("reference", "fault"),
                "a fault can only be injected into the reference DUT: set start = true or "
                "control_url",
            )
        if p.operator.driver == "reference" and not (p.reference.start or p.reference.control_url):
            err(
                ("operator", "driver"),
                'driver "reference" drives the bundled reference DUT: set [reference] '
                "start = true or control_url",
            )


def _endpoint_problem(parts: SplitResult) -> str | None:
    if parts.scheme not in ("ws", "wss"):
        return "must be a ws:// or wss:// URL"
    if not parts.hostname:
        return "the URL has no host"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials: use connection.password"
    if parts.query or parts.fragment:
        return "must not have a query or fragment (the station id is appended to the path)"
    return None


def _verb_placeholders() -> dict[str, frozenset[str]]:
    """Verb name -> placeholders its templates may use, from the operator verb registry.

    The registry (``conformance.operator.verbs``) is authoritative for which verbs exist and
    which arguments each one passes. It is imported here, at load time, rather than at module
    import, so that the operator layer may itself import this module without a cycle.
    """
    from conformance.operator.verbs import VERBS

    return {name: frozenset(verb.params) | COMMON_PLACEHOLDERS for name, verb in VERBS.items()}


def _syntax_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ProfileError:
    message = str(exc)
    line: int | None = None
    match = _SYNTAX_POSITION.search(message)
    if match:
        line = int(match.group("line"))
        message = f"{message[: match.start()]} (column {match.group('col')})"
    elif _SYNTAX_AT_END.search(message):
        line = text.count("\n") + (0 if text.endswith("\n") else 1)
        message = _SYNTAX_AT_END.sub(" (at end of file)", message)
    return ProfileError(path, "", f"TOML syntax error: {message}", line)


def load_profile(path: str | Path, *, environ: Mapping[str, str] | None = None) -> DutProfile:
    """Read and validate a DUT profile.

    ``environ`` is where ``env:NAME`` secrets are looked up (default: ``os.environ``); tests pass
    their own mapping. Raises :class:`ProfileError` for the first problem in file order, with all
    problems found in its ``errors`` attribute. Nothing is returned unless everything is valid,
    so the harness never starts a run on a half-understood profile.
    """
    profile_path = Path(path)
    try:
        text = profile_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(profile_path, "", f"not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ProfileError(profile_path, "", f"cannot read the profile: {reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(profile_path, text, exc) from None
    loader = _Loader(profile_path, text, os.environ if environ is None else environ)
    profile = _ProfileBuilder(loader, data).build()
    loader.raise_if_errors()
    return profile
