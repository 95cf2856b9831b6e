"""Validation against the official OCPP JSON schemas, shipped by the `ocpp` package.

Each schema is compiled once (lazily, then cached) with jsonschema-rs for the draft the schema
declares, with format checking ON: `"timestamp": "yesterday"` must be a violation, which
several suites miss because Python's jsonschema checks no formats by default.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any, Literal

import jsonschema_rs

from conformance.ocppj.errors import SchemaIssue
from conformance.ocppj.versions import OcppVersion

Direction = Literal["request", "response"]

# SchemaIssue.keyword when the payload is invalid but too deeply nested to say where.
NESTING = "Nesting"

_PACKAGE_DIRS = {OcppVersion.V16: "v16", OcppVersion.V201: "v201", OcppVersion.V21: "v21"}


@functools.cache
def _schema_dir(version: OcppVersion) -> str:
    import ocpp

    return os.path.join(os.path.dirname(ocpp.__file__), _PACKAGE_DIRS[version], "schemas")


@functools.cache
def actions(version: OcppVersion) -> frozenset[str]:
    """Every action the version defines (from the schema file names)."""
    names: set[str] = set()
    for file in os.listdir(_schema_dir(version)):
        if not file.endswith(".json"):
            continue
        stem = file[:-5]
        for suffix in ("Request", "Response"):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        names.add(stem)
    return frozenset(names)


def _file_name(version: OcppVersion, action: str, direction: Direction) -> str:
    if version is OcppVersion.V16:
        return f"{action}.json" if direction == "request" else f"{action}Response.json"
    name = f"{action}{'Request' if direction == 'request' else 'Response'}.json"
    if direction == "request" and not os.path.exists(os.path.join(_schema_dir(version), name)):
        # A 2.1 SEND (NotifyPeriodicEventStream) has one unsuffixed schema, for its request
        # only: it has no response, so asking for one must be a KeyError, not the request.
        return f"{action}.json"
    return name


@functools.cache
def validator(version: OcppVersion, action: str, direction: Direction) -> Any:
    """The compiled validator, or a KeyError if the version has no such message."""
    path = os.path.join(_schema_dir(version), _file_name(version, action, direction))
    try:
        with open(path, encoding="utf-8") as fh:
            schema = json.load(fh)
    except FileNotFoundError:
        raise KeyError(f"OCPP {version} has no {action} {direction} schema") from None
    # 1.6 schemas declare draft-04, 2.x draft-06: validator_for honours "$schema".
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def _json_path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def validate(
    version: OcppVersion, action: str, direction: Direction, payload: Any
) -> list[SchemaIssue]:
    """All schema issues of `payload` (empty when valid). Fast path: one is_valid call."""
    v = validator(version, action, direction)
    if v.is_valid(payload):
        return []
    try:
        return [
            SchemaIssue(_json_path(e.instance_path), type(e.kind).__name__, e.message)
            for e in v.iter_errors(payload)
        ]
    except ValueError as exc:
        # jsonschema-rs validates any depth but cannot build its error objects for values
        # nested 255 levels deep or more ("Recursion limit reached"): still a schema violation.
        return [SchemaIssue("$", NESTING, f"payload breaks the schema; too deeply nested: {exc}")]
