"""Re-copy the shared catalogue into the package: `python tools/sync_catalogue.py [--check]`.

`../shared/catalogue/catalogue.csv` (next to the repository) is the maintained source; the
package ships a byte-identical copy so installs work without it. Copying verbatim, instead of
regenerating, keeps the packaged file auditable against the shared one with a plain `cmp`.
`--check` only reports (exit 1 if stale), for CI.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "catalogue" / "catalogue.csv"
PACKAGED = ROOT / "conformance" / "catalogue" / "catalogue.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-copy the shared catalogue into the package.")
    parser.add_argument("--check", action="store_true", help="do not copy; exit 1 if stale")
    args = parser.parse_args(argv)
    if not SHARED.is_file():
        print(f"no shared catalogue at {SHARED}", file=sys.stderr)
        return 2
    new = SHARED.read_bytes()
    if PACKAGED.is_file() and PACKAGED.read_bytes() == new:
        print(f"unchanged: {PACKAGED.relative_to(ROOT)}")
        return 0
    if args.check:
        print(f"stale: {PACKAGED.relative_to(ROOT)} differs from {SHARED}")
        return 1
    shutil.copyfile(SHARED, PACKAGED)
    print(f"changed: copied {SHARED} -> {PACKAGED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
