import gzip
from pathlib import Path

import pytest

from ohti.paths import DATA_DIR
from ohti.sources.variables import SOURCES


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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """outputs/<period> of a real build of two area documents (Mikkelin seutu 23, Savonlinna 36)
    in Finnish HTML, with their index and data packages; shared by the browser tests."""
    from ohti.publish.edition import build_area_documents

    outputs = tmp_path_factory.mktemp("site")
    summary = build_area_documents(codes="23,36", formats=("html",), jobs=1, language="fi", progress=False,
                                   outputs_dir=outputs)
    assert summary.ok, summary.text()
    return outputs / summary.period
