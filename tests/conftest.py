import gzip
from pathlib import Path

import pytest

from ohti.paths import DATA_DIR
from ohti.sources import SOURCES


@pytest.fixture(scope="session")
def real_12r5_lines():
    """The shipped 12r5 snapshot as text lines (header first)."""
    return gzip.decompress((DATA_DIR / SOURCES["tyonv_12r5"].files[0]).read_bytes()).decode("utf-8").splitlines()


@pytest.fixture
def write_12r5(tmp_path, real_12r5_lines):
    """Write a small 12r5 extract made of real lines, optionally edited."""

    def write(lines, name="12r5.csv", encoding="utf-8"):
        path = Path(tmp_path) / name
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return str(path)

    return write
