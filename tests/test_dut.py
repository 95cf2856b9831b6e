"""Tests for the DUT profile loader (conformance.dut).

The loader's promise is that a broken profile fails at load time with the file, line and dotted
key to fix, and that secrets never leak into reports. These tests hold it to that, and check
that every profile shipped in fixtures/ loads.
"""

from __future__ import annotations

import base64
import json
import pickle
import string
from pathlib import Path
from typing import Any

import pytest

from conformance.dut import (
    REDACTED,
    DutProfile,
    Pics,
    Pixit,
    ProfileError,
    load_profile,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PASSWORD = "Sup3r-Secret-Pa55word"
ENV = {"OCPP_CSMS_PASSWORD": PASSWORD}

CS_PROFILE = """\
[dut]
name = "test station"
role = "cs"
ocpp_version = "2.0.1"

[connection]
endpoint = "ws://127.0.0.1:9000/ocpp"
station_id = "ST-1"

[operator]
driver = "prompt"
"""

CSMS_PROFILE = """\
[dut]
name = "test csms"
role = "csms"
ocpp_version = "2.0.1"

[connection]
endpoint = "wss://csms.example.com/ocpp"
station_id = "ST-1"
security_profile = 2
password = "env:OCPP_CSMS_PASSWORD"

[operator]
driver = "http"

[operator.http]
base_url = "https://csms.example.com/api"
"""


def write(tmp_path: Path, text: str, name: str = "profile.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, snippet: str) -> int:
    """1-based number of the first line containing snippet (so tests survive edits above it)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not in text")


def load_error(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> ProfileError:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        load_profile(path, environ=ENV if environ is None else environ)
    return info.value


# --- shipped fixtures ------------------------------------------------------------------------


SHIPPED = sorted(FIXTURES.glob("*.toml"))


def test_the_expected_fixtures_are_shipped() -> None:
    names = {p.name for p in SHIPPED}
    assert {
        "reference-cs-2.0.1.toml",
        "reference-cs-1.6.toml",
        "reference-csms-2.0.1.toml",
        "reference-csms-1.6.toml",
        "example-station.toml",
        "example-csms.toml",
    } <= names


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_fixture_loads(path: Path) -> None:
    profile = load_profile(path, environ=ENV)
    assert isinstance(profile, DutProfile)
    assert profile.path == path.absolute()
    json.dumps(profile.public_json())  # plain JSON data, nothing exotic


@pytest.mark.parametrize(
    ("name", "role", "version", "station_id"),
    [
        ("reference-cs-2.0.1.toml", "cs", "2.0.1", "REF-CS-201"),
        ("reference-cs-1.6.toml", "cs", "1.6", "REF-CS-16"),
        ("reference-csms-2.0.1.toml", "csms", "2.0.1", None),
        ("reference-csms-1.6.toml", "csms", "1.6", None),
    ],
)
def test_reference_fixtures(name: str, role: str, version: str, station_id: str | None) -> None:
    profile = load_profile(FIXTURES / name, environ={})
    assert (profile.role, profile.version) == (role, version)
    assert profile.connection.endpoint == "ws://127.0.0.1:0/ocpp"
    assert profile.connection.security_profile == 0
    assert profile.operator.driver == "reference"
    assert profile.reference.start is True
    assert profile.reference.fault == ""
    assert profile.pixit.evses == (1, 1)
    assert profile.pixit.evse_ids == (1, 2)
    assert profile.timeouts.message == 5.0
    assert profile.timeouts.case == 60.0
    assert profile.secrets() == []
    if role == "cs":
        assert profile.station_id == station_id
        assert profile.connection.station_ids == (station_id,)
    else:
        ids = profile.connection.station_ids
        assert len(ids) == len(set(ids)) == 8
        assert ids[0] == profile.station_id


def test_example_csms_needs_its_password_from_the_environment() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(FIXTURES / "example-csms.toml", environ={})
    assert info.value.key == "connection.password"
    assert "OCPP_CSMS_PASSWORD" in info.value.message


def _fill(template: str, values: dict[str, Any]) -> str:
    """Fill a template the way a driver would: strings as they are, anything else as JSON."""
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = names - values.keys()
    assert not missing, f"sample values missing for {missing}"
    return template.format(
        **{k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    )


def test_example_csms_http_templates() -> None:
    profile = load_profile(FIXTURES / "example-csms.toml", environ=ENV)
    assert profile.role == "csms"
    assert profile.connection.security_profile == 2
    assert profile.connection.endpoint.startswith("wss://")
    assert profile.connection.password == PASSWORD
    http = profile.operator.http
    assert http is not None
    assert set(http.verbs) == {
        "request_start_transaction",
        "request_stop_transaction",
        "reset",
        "get_variables",
        "trigger_message",
    }
    sample: dict[str, Any] = {
        "station_id": "CONF-TEST-01",
        "evse_id": 1,
        "id_token": "CONFVALID001",
        "type": "ISO14443",
        "transaction_id": "tx-1",
        "variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}],
        "requested_message": "StatusNotification",
    }
    for verb, request in http.verbs.items():
        assert request.method == "POST", verb
        assert _fill(request.path, sample).startswith("/stations/CONF-TEST-01/"), verb
        if request.body is not None:
            json.loads(_fill(request.body, sample))
    start = http.verbs["request_start_transaction"]
    assert start.body is not None
    assert json.loads(_fill(start.body, sample)) == {
        "evseId": 1,
        "idToken": {"idToken": "CONFVALID001", "type": "ISO14443"},
    }


def test_example_station() -> None:
    profile = load_profile(FIXTURES / "example-station.toml", environ={})
    assert profile.role == "cs"
    assert profile.operator.driver == "prompt"
    assert profile.reference.start is False
    assert profile.pics.claims("Core")
    assert profile.pics.claims("smart_charging")
    assert not profile.pics.claims("Advanced Security")


# --- defaults and helpers --------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, CS_PROFILE), environ={})
    assert profile.pics == Pics(profiles=frozenset({"Core"}), features=frozenset())
    assert profile.pixit == Pixit()
    assert profile.pixit.readonly_component == "OCPPCommCtrlr"
    assert profile.pixit.readonly_variable == "FileTransferProtocols"
    assert profile.timeouts.response == 30.0
    assert profile.connection.station_ids == ("ST-1",)
    assert profile.connection.password is None
    assert profile.operator.http is None
    assert profile.public_json()["connection"]["password"] is None


def test_pixit_connectors() -> None:
    pixit = Pixit(evses=(2, 1))
    assert pixit.evse_ids == (1, 2)
    assert pixit.connectors(1) == 2
    assert pixit.connectors(2) == 1
    with pytest.raises(ValueError, match="EVSE 3"):
        pixit.connectors(3)
    with pytest.raises(ValueError):
        pixit.connectors(0)


def test_cert_paths_are_relative_to_the_profile(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("not really a certificate")
    text = CS_PROFILE.replace(
        'station_id = "ST-1"', 'station_id = "ST-1"\nca_cert = "certs/ca.pem"'
    )
    profile = load_profile(write(tmp_path, text), environ={})
    assert profile.connection.ca_cert == tmp_path / "certs" / "ca.pem"
    assert profile.public_json()["connection"]["ca_cert"] == str(tmp_path / "certs" / "ca.pem")


def test_missing_cert_file(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('station_id = "ST-1"', 'station_id = "ST-1"\nca_cert = "nope.pem"')
    err = load_error(tmp_path, text)
    assert err.key == "connection.ca_cert"
    assert err.line == line_of(text, "ca_cert")


# --- errors: unknown keys, types, required values ----------------------------------------------


def test_unknown_key_names_key_and_line(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('station_id = "ST-1"', 'station_id = "ST-1"\nsecurty_profile = 1')
    err = load_error(tmp_path, text)
    line = line_of(text, "securty_profile")
    assert (err.key, err.line) == ("connection.securty_profile", line)
    assert "unknown key" in err.message
    assert "security_profile" in err.message  # the did-you-mean hint
    assert str(err) == f"{err.path}:{line}: connection.securty_profile: {err.message}"


def test_unknown_table(tmp_path: Path) -> None:
    text = CS_PROFILE + "\n[pixits]\nevses = [1]\n"
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("pixits", line_of(text, "[pixits]"))
    assert "unknown table" in err.message


def test_unknown_dotted_key_and_inline_table_key(tmp_path: Path) -> None:
    # Top-level dotted key and inline table, before the first [table] header.
    text = 'timeouts.mesage = 5\npics = { profiles = ["Core"], feature = [] }\n' + CS_PROFILE
    err = load_error(tmp_path, text)
    keys = {(e.key, e.line) for e in err.errors}
    assert ("timeouts.mesage", line_of(text, "mesage")) in keys
    assert ("pics.feature", line_of(text, "feature =")) in keys


@pytest.mark.parametrize(
    ("replace", "key", "expected"),
    [
        ('station_id = "ST-1"', "connection.security_profile", 'security_profile = "2"'),
        ('station_id = "ST-1"', "connection.security_profile", "security_profile = true"),
        ("[operator]", "pixit.heartbeat_interval", "[pixit]\nheartbeat_interval = 1.5\n"),
        ("[operator]", "timeouts.message", '[timeouts]\nmessage = "5s"\n'),
        ("[operator]", "pixit.evses", "[pixit]\nevses = [1, true]\n"),
        ("[operator]", "pics.profiles", '[pics]\nprofiles = "Core"\n'),
    ],
)
def test_wrong_type_names_key_and_line(
    tmp_path: Path, replace: str, key: str, expected: str
) -> None:
    if replace == "[operator]":
        text = CS_PROFILE.replace("[operator]", expected + "\n[operator]")
    else:
        text = CS_PROFILE.replace(replace, replace + "\n" + expected)
    err = load_error(tmp_path, text)
    assert err.key == key
    assert err.line == line_of(text, key.rsplit(".", 1)[1] + " =")
    assert "expected" in err.message


def test_unquoted_version_gets_a_hint(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('ocpp_version = "2.0.1"', "ocpp_version = 1.6")
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("dut.ocpp_version", line_of(text, "ocpp_version"))
    assert "quote" in err.message


def test_bad_enum_value(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('role = "cs"', 'role = "station"')
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("dut.role", line_of(text, "role ="))
    assert '"cs", "csms"' in err.message


def test_out_of_range(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('station_id = "ST-1"', 'station_id = "ST-1"\nsecurity_profile = 4')
    err = load_error(tmp_path, text)
    assert err.key == "connection.security_profile"
    assert "between 0 and 3" in err.message


def test_missing_required_value(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('name = "test station"\n', "")
    err = load_error(tmp_path, text)
    # Reported on the table's header, the place where the key has to be added.
    assert (err.key, err.line) == ("dut.name", line_of(text, "[dut]"))
    assert "required" in err.message


def test_missing_required_table(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('[operator]\ndriver = "prompt"\n', "")
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("operator", None)
    assert str(err) == f"{err.path}: operator: {err.message}"


def test_all_errors_are_collected_in_file_order(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('role = "cs"', 'role = "x"').replace(
        'driver = "prompt"', 'driver = "telepathy"'
    )
    err = load_error(tmp_path, text)
    assert [e.key for e in err.errors] == ["dut.role", "operator.driver"]
    assert err is err.errors[0]


def test_toml_syntax_error_has_a_line(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('station_id = "ST-1"', "station_id = ST-1")
    err = load_error(tmp_path, text)
    assert err.line == line_of(text, "station_id")
    assert err.key == ""
    assert "TOML syntax error" in err.message
    assert str(err).startswith(f"{err.path}:{err.line}: TOML syntax error")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.toml")


def test_profile_error_pickles(tmp_path: Path) -> None:
    err = ProfileError(tmp_path / "p.toml", "dut.name", "required key is missing", 3)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.path, copy.key, copy.message, copy.line) == (err.path, "dut.name", err.message, 3)
    assert str(copy) == str(err)


# --- secrets -------------------------------------------------------------------------------------


def test_env_secret_is_resolved_and_never_shown(tmp_path: Path) -> None:
    text = CSMS_PROFILE + '\n[operator.http.headers]\nAuthorization = "Bearer tok-123"\n'
    text += 'Accept = "application/json"\nX-Tenant = "env:TENANT"\n'
    profile = load_profile(write(tmp_path, text), environ={**ENV, "TENANT": "tenant-42"})
    assert profile.connection.password == PASSWORD
    http = profile.operator.http
    assert http is not None
    assert http.headers["X-Tenant"] == "tenant-42"

    public = json.dumps(profile.public_json())
    for secret in (PASSWORD, "tok-123", "tenant-42"):
        assert secret not in public
        assert secret not in repr(profile)
        assert secret not in str(profile)
    assert profile.public_json()["connection"]["password"] == REDACTED
    assert profile.public_json()["operator"]["http"]["headers"] == {
        "Authorization": REDACTED,
        "Accept": REDACTED,
        "X-Tenant": REDACTED,
    }

    secrets = profile.secrets()
    basic = base64.b64encode(f"ST-1:{PASSWORD}".encode()).decode()
    assert {PASSWORD, basic, "Bearer tok-123", "tenant-42"} == set(secrets)
    assert "application/json" not in secrets  # not a secret: redacting it would wreck traces
    assert secrets == sorted(secrets, key=len, reverse=True)


def test_missing_env_var_names_key_and_variable(tmp_path: Path) -> None:
    err = load_error(tmp_path, CSMS_PROFILE, environ={})
    assert err.key == "connection.password"
    assert err.line == line_of(CSMS_PROFILE, "password =")
    assert "OCPP_CSMS_PASSWORD" in err.message


def test_password_required_for_basic_auth(tmp_path: Path) -> None:
    text = CSMS_PROFILE.replace('password = "env:OCPP_CSMS_PASSWORD"\n', "")
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("connection.security_profile", line_of(text, "security_"))
    assert "password" in err.message


# --- cross-checks ----------------------------------------------------------------------------


def test_security_profile_2_over_ws_is_rejected(tmp_path: Path) -> None:
    text = CSMS_PROFILE.replace("wss://", "ws://")
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("connection.endpoint", line_of(text, "endpoint ="))
    assert "wss://" in err.message


def test_wss_without_tls_profile_is_rejected(tmp_path: Path) -> None:
    text = CSMS_PROFILE.replace("security_profile = 2", "security_profile = 1")
    err = load_error(tmp_path, text)
    assert err.key == "connection.endpoint"
    assert "ws://" in err.message


def test_port_zero_needs_a_reference_dut(tmp_path: Path) -> None:
    text = CS_PROFILE.replace(":9000", ":0")
    err = load_error(tmp_path, text)
    assert err.key == "connection.endpoint"
    text += "\n[reference]\nstart = true\n"
    assert load_profile(write(tmp_path, text), environ={}).reference.start


def test_http_driver_requires_its_table(tmp_path: Path) -> None:
    text = CSMS_PROFILE.replace(
        '\n[operator.http]\nbase_url = "https://csms.example.com/api"\n', ""
    )
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("operator.driver", line_of(text, "driver ="))
    assert "[operator.http]" in err.message


def test_command_driver_requires_its_table(tmp_path: Path) -> None:
    text = CS_PROFILE.replace('driver = "prompt"', 'driver = "command"')
    err = load_error(tmp_path, text)
    assert err.key == "operator.driver"
    text += (
        "\n[operator.command]\ntimeout = 5\n[operator.command.verbs]\n"
        'plug_in = "rig plug {evse_id} {connector_id}"\n'
    )
    profile = load_profile(write(tmp_path, text), environ={})
    assert profile.operator.command is not None
    assert profile.operator.command.verbs == {"plug_in": "rig plug {evse_id} {connector_id}"}


def test_python_driver(tmp_path: Path) -> None:
    good = CS_PROFILE.replace('"prompt"', '"python:acme.rig:Operator"')
    assert load_profile(write(tmp_path, good), environ={}).operator.driver.startswith("python:")
    err = load_error(tmp_path, CS_PROFILE.replace('"prompt"', '"python:acme.rig"'))
    assert err.key == "operator.driver"


def test_station_ids_pool(tmp_path: Path) -> None:
    text = CSMS_PROFILE.replace(
        'station_id = "ST-1"', 'station_id = "ST-1"\nstation_ids = ["ST-2", "ST-1", "ST-3"]'
    )
    profile = load_profile(write(tmp_path, text), environ=ENV)
    assert profile.connection.station_ids == ("ST-1", "ST-2", "ST-3")
    cs = CS_PROFILE.replace('station_id = "ST-1"', 'station_id = "ST-1"\nstation_ids = ["ST-1"]')
    assert load_error(tmp_path, cs).key == "connection.station_ids"


# --- http verb tables --------------------------------------------------------------------------


def test_error_inside_an_http_verb_table(tmp_path: Path) -> None:
    text = CSMS_PROFILE + '\n[operator.http.verbs.plug_in]\nmetod = "PUT"\npath = "/rig/plug"\n'
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("operator.http.verbs.plug_in.metod", line_of(text, "metod"))
    assert "method" in err.message  # did you mean


def test_unknown_verb(tmp_path: Path) -> None:
    text = CSMS_PROFILE + '\n[operator.http.verbs.plug_inn]\npath = "/rig/plug"\n'
    err = load_error(tmp_path, text)
    assert (err.key, err.line) == ("operator.http.verbs.plug_inn", line_of(text, "plug_inn"))
    assert err.message.startswith('unknown verb "plug_inn"')
    assert 'did you mean "plug_in"' in err.message


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('path = "/rig/{evse}/plug"', "does not supply {evse}"),
        ('path = "/rig/{evse_id.__class__}"', "plain name"),
        ('path = "/rig/{}"', "plain name"),
        ('path = "/rig/{evse_id!r}"', "conversions"),
        ('path = "/rig/}"', "literal braces"),
        ('path = "/rig"\nbody = \'{"evseId": {evse_id}}\'', "plain name"),
        ('path = "/rig"\nbody = \'{{"evseId": {evse_id}\'', "not valid JSON"),
        ('path = "/rig"\nmethod = "FETCH"', "must be one of"),
    ],
)
def test_bad_http_templates(tmp_path: Path, line: str, problem: str) -> None:
    text = CSMS_PROFILE + "\n[operator.http.verbs.plug_in]\n" + line + "\n"
    err = load_error(tmp_path, text)
    assert err.key.startswith("operator.http.verbs.plug_in.")
    assert err.line == line_of(text, err.key.rsplit(".", 1)[1] + " =")
    assert problem in err.message


def test_http_verb_defaults_and_multiline_body(tmp_path: Path) -> None:
    text = CSMS_PROFILE + (
        "\n[operator.http.verbs.plug_in]\n"
        'path = "/rig/{station_id}/evse/{evse_id}/plug"\n'
        "body = '''\n{{\n  \"connector\": {connector_id}\n}}\n'''\n"
        "[operator.http.verbs.unplug]\n"
        'method = "delete"\n'
        'path = "/rig/{station_id}/evse/{evse_id}/plug"\n'
    )
    profile = load_profile(write(tmp_path, text), environ=ENV)
    http = profile.operator.http
    assert http is not None
    assert http.verbs["plug_in"].method == "POST"
    assert http.verbs["unplug"].method == "DELETE"
    assert http.verbs["unplug"].body is None
    assert http.timeout == 10.0


def test_line_numbers_survive_multiline_strings_arrays_and_crlf(tmp_path: Path) -> None:
    """Lines inside strings and arrays must not be mistaken for keys or table headers."""
    tricky = (
        'role = "cs"\n'
        'vendor = """ACME \\"""\n[not_a_table]\nnot_a_key = 1"""\n'
        "model = '''\n[also_not_a_table]\n'''\n"
    )
    text = CS_PROFILE.replace('role = "cs"\n', tricky) + (
        "\n[ pics ]  # spaces and a comment\n"
        'profiles = [\n  "Core",  # a comment [inside]\n  "Smart Charging",\n]\n'
        '"feature s" = []\n'
    )
    err = load_error(tmp_path, text.replace("\n", "\r\n"))
    assert [e.key for e in err.errors] == ['pics."feature s"']
    assert err.line == line_of(text, '"feature s"')


def test_public_json_layout(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, CS_PROFILE), environ={})
    public = profile.public_json()
    # Identity at the top level, where report writers look; the other tables as in the TOML.
    assert (public["name"], public["role"], public["ocpp_version"]) == (
        "test station",
        "cs",
        "2.0.1",
    )
    assert {"connection", "pics", "pixit", "timeouts", "operator", "reference"} <= public.keys()
    assert public["pixit"]["evses"] == [1]
    assert public["operator"] == {"driver": "prompt", "http": None, "command": None}
