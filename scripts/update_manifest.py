"""Recompute the sha256 column of ohti/data/MANIFEST.csv after a shipped file was replaced.

Run by a maintainer who has put a new snapshot in place (and updated its provenance columns);
the loaders refuse any file whose checksum differs from the manifest.
"""

import csv
import hashlib
import io
import sys
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent.parent / "ohti" / "data" / "MANIFEST.csv"


def main() -> int:
    rows = list(csv.DictReader(MANIFEST.open(encoding="utf-8")))
    missing = [r["file"] for r in rows if not (MANIFEST.parent / r["file"]).exists()]
    if missing:
        print(f"missing files: {', '.join(missing)}", file=sys.stderr)
        return 2
    for row in rows:
        row["sha256"] = hashlib.sha256((MANIFEST.parent / row["file"]).read_bytes()).hexdigest()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    MANIFEST.write_text(out.getvalue(), encoding="utf-8")
    print(f"{len(rows)} files checked into {MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
