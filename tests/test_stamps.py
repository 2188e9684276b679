"""Tests of ohti.build.stamps: content hashes decide what is built again; no network."""

from __future__ import annotations

import os

from ohti import cache
from ohti._files import tree_digest
from ohti.build import stamps


def test_tree_digest_follows_content_not_time_or_caches(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("k: v\n", encoding="utf-8")
    before = tree_digest(tmp_path)
    os.utime(tmp_path / "a.py", (0, 0))  # a timestamp is not content
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert tree_digest(tmp_path) == before
    (tmp_path / "sub" / "b.yaml").write_text("k: w\n", encoding="utf-8")
    assert tree_digest(tmp_path) != before


def test_glob_digest_counts_files_appearing(tmp_path):
    empty = stamps.glob_digest(["texts/36.*"], base=tmp_path)
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "01.md").write_text("muu", encoding="utf-8")
    assert stamps.glob_digest(["texts/36.*"], base=tmp_path) == empty  # another area's text
    (tmp_path / "texts" / "36.sv.md").write_text("text", encoding="utf-8")
    assert stamps.glob_digest(["texts/36.*"], base=tmp_path) != empty


def test_document_digest_changes_with_each_input(tmp_path):
    notebook = tmp_path / "n.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    shared = {"ohti": "a", "environment": "b", "git": "c"}
    digest = lambda **change: stamps.document_digest(  # noqa: E731
        {**shared, **change.pop("shared", {})}, notebook=notebook,
        parameters=change.pop("parameters", {"area_code": "01"}), settings=change.pop("settings", {}))
    base = digest()
    assert digest() == base
    assert digest(parameters={"area_code": "02"}) != base
    assert digest(settings={"formats": ["html"]}) != base
    assert digest(shared={"ohti": "changed source"}) != base
    notebook.write_text('{"cells": []}', encoding="utf-8")
    assert digest() != base


def test_stamp_store_vouches_for_unchanged_outputs_only(tmp_path):
    store = stamps.StampStore(tmp_path / ".stamps")
    html = tmp_path / "01_fi.html"
    html.write_text("page", encoding="utf-8")
    assert store.current("01_fi", "d1", {"html": html}) is None  # no stamp yet
    store.record("01_fi", "d1", status="ok", outputs={"html": html})
    assert store.current("01_fi", "d1", {"html": html})["status"] == "ok"
    assert store.current("01_fi", "d2", {"html": html}) is None  # other inputs
    assert store.current("01_fi", "d1", {"html": html, "pdf": tmp_path / "01_fi.pdf"}) is None
    html.write_text("edited", encoding="utf-8")
    assert store.current("01_fi", "d1", {"html": html}) is None
    store.forget("01_fi")
    assert store.read("01_fi") is None
    (tmp_path / ".stamps" / "02_fi.json").write_text("not json", encoding="utf-8")
    assert store.read("02_fi") is None


def test_memo_computes_again_only_for_another_key(tmp_path):
    calls = []
    compute = lambda: calls.append(1) or "2023-10"  # noqa: E731
    assert cache.memo(tmp_path, "latest", "k1", compute) == "2023-10"
    assert cache.memo(tmp_path, "latest", "k1", compute) == "2023-10"
    assert len(calls) == 1
    cache.memo(tmp_path, "latest", "k2", compute)
    assert len(calls) == 2


def test_shared_digests_name_the_shared_inputs():
    parts = stamps.shared_digests()
    assert {"ohti", "environment", "git"} <= set(parts)
    assert all(len(value) == 64 for value in parts.values())
