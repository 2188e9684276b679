"""Tests of ohti.cache and ohti._files: results kept under keys made of content digests, files
written whole or not at all; no network."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ohti import _files, cache
from ohti.errors import ParameterError


def _counting(frame):
    calls = []

    def compute():
        calls.append(1)
        return frame.copy()

    return compute, calls


FRAME = pd.DataFrame({"unit_code": ["01", "02"], "value": [1.5, float("nan")]})


@pytest.fixture
def package(monkeypatch, tmp_path):
    """A package folder of two subpackages, standing in for ohti's own."""
    root = tmp_path / "package"
    for part, text in (("sources/read.py", "x = 1\n"), ("documents/page.py", "y = 1\n")):
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        (root / part).write_text(text, encoding="utf-8")
    (root / "errors.py").write_text("class E(Exception): pass\n", encoding="utf-8")
    monkeypatch.setattr(_files, "PACKAGE_DIR", root)
    return root


@pytest.mark.parametrize("format", cache.FRAME_FORMATS)
def test_a_kept_frame_is_read_back_instead_of_computed(tmp_path, format):
    compute, calls = _counting(FRAME)
    first = cache.frame("tyonv_12r5", "a" * 64, compute, folder=tmp_path, format=format)
    second = cache.frame("tyonv_12r5", "a" * 64, compute, folder=tmp_path, format=format)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, FRAME)
    pd.testing.assert_frame_equal(second, FRAME)
    assert [p.name for p in tmp_path.iterdir()] == [f"tyonv_12r5-{'a' * 16}.{format}"]


def test_a_change_to_the_code_a_result_depends_on_computes_it_again(package, tmp_path):
    key = cache.key(code=("sources", "errors.py"))
    assert cache.key(code=("sources", "errors.py")) == key
    (package / "documents" / "page.py").write_text("y = 2\n", encoding="utf-8")  # not its code
    assert cache.key(code=("sources", "errors.py")) == key
    compute, calls = _counting(FRAME)
    cache.frame("source", key, compute, folder=tmp_path)
    (package / "sources" / "read.py").write_text("x = 2\n", encoding="utf-8")
    changed = cache.key(code=("sources", "errors.py"))
    assert changed != key
    cache.frame("source", changed, compute, folder=tmp_path)
    assert len(calls) == 2


def test_a_key_follows_files_libraries_and_arguments(tmp_path):
    registry = tmp_path / "indicators.yaml"
    registry.write_text("a: 1\n", encoding="utf-8")
    base = cache.key(files=[registry], libraries=("pandas",), extra={"months": ["2026-06"]})
    assert cache.key(files=[registry], libraries=("pandas",), extra={"months": ["2026-05"]}) != base
    assert cache.key(files=[registry], libraries=("numpy",), extra={"months": ["2026-06"]}) != base
    assert dict(cache.library_versions("pandas"))["pandas"] == pd.__version__
    assert cache.library_versions("no-such-library-ohti") == (("no-such-library-ohti", None),)
    registry.write_text("a: 2\n", encoding="utf-8")
    assert cache.key(files=[registry], libraries=("pandas",), extra={"months": ["2026-06"]}) != base
    registry.unlink()  # a missing file is a value too: computing then says what is wrong
    assert cache.key(files=[registry]) != cache.key()
    assert len(base) == 64


def test_a_key_follows_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(cache, "DATA_DIR_USER", tmp_path)
    empty = cache.key(data=True)
    (tmp_path / "MANIFEST.csv").write_text("file,sha256\n", encoding="utf-8")
    refreshed = cache.key(data=True)
    assert refreshed != empty
    (tmp_path / "MANIFEST.csv").write_text("file,sha256\nx.csv,00\n", encoding="utf-8")
    assert cache.key(data=True) != refreshed


def test_frames_of_the_same_kind_under_other_keys_are_removed(tmp_path):
    compute, calls = _counting(FRAME)
    cache.frame("process_2026", "a" * 64, compute, folder=tmp_path)
    cache.frame("process_2026-06", "b" * 64, compute, folder=tmp_path)  # another kind: kept
    (tmp_path / "notes.txt").write_text("not a frame", encoding="utf-8")
    cache.frame("process_2026", "c" * 64, compute, folder=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt", f"process_2026-06-{'b' * 16}.pickle", f"process_2026-{'c' * 16}.pickle"]
    assert len(calls) == 3


def test_a_damaged_kept_frame_is_computed_again_and_replaced(tmp_path):
    compute, calls = _counting(FRAME)
    path = cache.frame_path("source", "d" * 64, folder=tmp_path)
    path.write_bytes(b"not a pickle")
    pd.testing.assert_frame_equal(cache.frame("source", "d" * 64, compute, folder=tmp_path), FRAME)
    pd.testing.assert_frame_equal(cache.frame("source", "d" * 64, compute, folder=tmp_path), FRAME)
    assert len(calls) == 1  # the damaged file was replaced by a good one


def test_a_cache_that_cannot_be_written_is_passed_over(tmp_path):
    blocking = tmp_path / "a-file"
    blocking.write_text("", encoding="utf-8")
    compute, calls = _counting(FRAME)
    for _ in range(2):
        pd.testing.assert_frame_equal(cache.frame("source", "e" * 64, compute, folder=blocking / "cache"), FRAME)
    assert len(calls) == 2
    assert cache.memo(blocking / "cache", "latest", "k", lambda: "2026-06") == "2026-06"


def test_a_frame_that_cannot_be_kept_leaves_no_file(tmp_path):
    unpicklable = pd.DataFrame({"f": [lambda: 1]})
    value = cache.frame("source", "f" * 64, lambda: unpicklable, folder=tmp_path)
    assert value is unpicklable
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_frame_format_is_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"cannot keep a frame as 'csv' \(known: pickle, parquet\)"):
        cache.frame("source", "0" * 64, lambda: FRAME, folder=tmp_path, format="csv")


def test_memo_keeps_a_value_under_its_key(tmp_path):
    calls = []
    compute = lambda: calls.append(1) or {"period": "2026-06"}  # noqa: E731
    assert cache.memo(tmp_path, "latest", "k1", compute) == {"period": "2026-06"}
    assert cache.memo(tmp_path, "latest", "k1", compute) == {"period": "2026-06"}
    assert len(calls) == 1
    assert json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))["key"] == "k1"
    (tmp_path / "latest.json").write_text("[1, 2", encoding="utf-8")  # damaged: computed again
    assert cache.memo(tmp_path, "latest", "k1", compute) == {"period": "2026-06"}
    assert len(calls) == 2


# --------------------------------------------------------------------------- atomic writes

def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "index.html"
    _files.write_text(path, "old")
    with pytest.raises(RuntimeError, match="stopped"):
        with _files.replacing(path) as temporary:
            temporary.write_text("half of a ne", encoding="utf-8")
            raise RuntimeError("stopped")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


@pytest.mark.parametrize("sync", [False, True])
def test_written_files_are_whole_and_readable_by_all(tmp_path, sync):
    path = tmp_path / "sub" / "data.json"
    _files.write_bytes(path, b'{"a": 1}\n', sync=sync)
    assert path.read_bytes() == b'{"a": 1}\n'
    assert path.stat().st_mode & 0o777 == _files.PUBLISHED_FILE_MODE
    _files.write_json(path, {"b": [1], "a": "ä"})
    assert path.read_text(encoding="utf-8") == '{\n "a": "\\u00e4",\n "b": [\n  1\n ]\n}\n'
    assert [p.name for p in path.parent.iterdir()] == ["data.json"]


def test_digests_of_bytes_files_and_named_parts_agree(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"abc")
    assert _files.file_digest(tmp_path / "a.txt") == _files.bytes_digest(b"abc")
    assert _files.path_digest(tmp_path / "a.txt") == _files.bytes_digest(b"abc")
    assert _files.path_digest(tmp_path) == _files.tree_digest(tmp_path)
    assert _files.named_digest([("a", "0"), ("b", "1")]) != _files.named_digest([("b", "1"), ("a", "0")])
