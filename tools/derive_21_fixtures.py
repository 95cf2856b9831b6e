"""Write fixtures/reference-{cs,csms}-2.1.toml from their 2.0.1 counterparts.

The 2.1 reference DUTs are the 2.0.1 ones speaking 2.1 (2.1 keeps every 2.0.1 message and
field), so their profiles must not drift apart: run this after changing a 2.0.1 reference
profile; tests/test_ocpp21.py fails while the 2.1 profiles are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOTE = (
    "# Derived from {src} by tools/derive_21_fixtures.py: the same\n"
    "# reference DUT, speaking OCPP 2.1 (ocpp2.1 subprotocol, 2.1 schemas). Edit the 2.0.1\n"
    "# profile, then re-run the tool.\n"
)


def derive(role: str) -> tuple[Path, str]:
    src = FIXTURES / f"reference-{role}-2.0.1.toml"
    text = src.read_text()
    for old, new in (
        ('ocpp_version = "2.0.1"', 'ocpp_version = "2.1"'),
        ("(OCPP 2.0.1)", "(OCPP 2.1)"),
        (", OCPP 2.0.1.", ", OCPP 2.1."),
        ("REF-CS-201", "REF-CS-21"),
        ("CONF201-", "CONF21-"),
    ):
        text = text.replace(old, new)
    first, _, rest = text.partition("\n")
    return FIXTURES / f"reference-{role}-2.1.toml", f"{first}\n{NOTE.format(src=src.name)}{rest}"


def main() -> int:
    for role in ("cs", "csms"):
        path, text = derive(role)
        path.write_text(text)
        print(f"wrote {path.relative_to(FIXTURES.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
