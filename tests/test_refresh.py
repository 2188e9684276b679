"""ohti refresh and ohti import, without a network: the recorded PxWeb responses of
tests/fixtures/pxweb/ replayed by a fake API (a fake transport and clock, and once a local
HTTP server through the real requests transport)."""

from __future__ import annotations

import copy
import dataclasses
import email.utils
import hashlib
import http.server
import itertools
import json
import re
import threading
import urllib.parse
from collections import deque
from pathlib import Path

import pandas as pd
import pytest

from ohti import cli
from ohti.errors import ParameterError
from ohti.sources import loaders, pxweb, refresh
from ohti.sources.files import SUPPRESSION_MARKERS

FIXTURES = Path(__file__).parent / "fixtures" / "pxweb"
ROOT = "https://pxdata.test/PxWeb/api/v1/fi/StatFin"
#: 1 August 2026, 06:00 UTC: after both recorded releases.
START = 1_785_564_000.0


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def with_times(metadata: dict, values) -> dict:
    """The metadata with its time variable's values cut to those recorded in a data file."""
    metadata = copy.deepcopy(metadata)
    for variable in metadata["variables"]:
        if variable.get("time"):
            variable["values"] = list(values)
            variable["valueTexts"] = list(values)
    return metadata


def rename(metadata: dict, old: str, new: str) -> dict:
    """The metadata with a variable or content code renamed."""
    text = json.dumps(metadata, ensure_ascii=False).replace(f'"{old}"', f'"{new}"')
    return json.loads(text)


def cell_number(text: str):
    """A cell of a recorded ``json`` response as json-stat2 writes it (None if suppressed)."""
    if text in SUPPRESSION_MARKERS:
        return None
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


def jsonstat2_answer(recorded: dict, metadata: dict, body: dict) -> dict:
    """What the API answers to a query as json-stat2, from a recorded ``json`` response."""
    selections = {q["code"]: list(q["selection"]["values"]) for q in body["query"]}
    keys = [c for c in recorded["columns"] if c["type"] in ("d", "t")]
    contents = {c["code"]: c for c in recorded["columns"] if c["type"] == "c"}
    content_code = next(v["code"] for v in metadata["variables"] if set(v["values"]) & set(contents))
    texts = {v["code"]: dict(zip(v["values"], v.get("valueTexts", v["values"]))) for v in metadata["variables"]}
    cells = {tuple(r["key"]): dict(zip(contents, r["values"])) for r in recorded["data"]}
    dims = [(c["code"], selections.get(c["code"], sorted({k[i] for k in cells}))) for i, c in enumerate(keys)]
    dims.append((content_code, selections.get(content_code, list(contents))))
    values, status = [], {}
    for position, combination in enumerate(itertools.product(*(v for _, v in dims))):
        text = cells[combination[:-1]][combination[-1]]
        values.append(cell_number(text))
        if values[-1] is None:
            status[str(position)] = text
    time_code = next(c["code"] for c in keys if c["type"] == "t")
    area_code = next(c["code"] for c in keys if c["type"] == "d" and any(k[0] == "SSS" for k in cells))
    dimension = {}
    for code, chosen in dims:
        category = {"index": {v: i for i, v in enumerate(chosen)},
                    "label": {v: texts.get(code, {}).get(v, v) for v in chosen}}
        if code == content_code:
            category["label"] = {v: contents[v]["text"] for v in chosen}
            category["note"] = {v: [contents[v]["comment"]] for v in chosen if contents[v].get("comment")}
        dimension[code] = {"label": next((v["text"] for v in metadata["variables"] if v["code"] == code), code),
                           "category": category}
    meta = recorded["metadata"][0]
    return {"version": "2.0", "class": "dataset", "label": meta["label"], "source": meta["source"],
            "updated": pxweb.normalise_updated(meta["updated"]),
            "role": {"time": [time_code], "geo": [area_code], "metric": [content_code]},
            "id": [c for c, _ in dims], "size": [len(v) for _, v in dims], "dimension": dimension,
            "value": values, "status": status}


class FakeApi:
    """PxWeb v1 from the fixtures: ?config, folder listings, metadata, data by POST.

    ``script[(method, path)]`` holds answers given before the normal one, in turn: a
    (status, headers, body) tuple, or an exception to raise.
    """

    def __init__(self, max_values=120_000, max_calls=1000, window=10):
        self.config = {"maxValues": max_values, "maxCalls": max_calls, "timeWindow": window, "CORS": True}
        self.listings, self.metadata, self.data = {}, {}, {}
        self.script: dict = {}
        self.calls: list = []
        self.posts = 0
        #: (n, exception): every POST after the n-th raises the exception (an interrupted refresh).
        self.fail_after = None

    def add(self, folder, table, metadata, recorded, listing):
        self.listings[folder] = listing
        self.metadata[f"{folder}/{table}.px"] = metadata
        self.data[f"{folder}/{table}.px"] = recorded

    def respond(self, method: str, url: str, body=None):
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.calls.append((method, path))
        if method == "POST":
            self.posts += 1
            if self.fail_after and self.posts > self.fail_after[0]:
                raise self.fail_after[1]
        queued = self.script.get((method, path))
        if queued:
            answer = queued.popleft()
            if isinstance(answer, BaseException):
                raise answer
            return answer
        prefix = "/PxWeb/api/v1/fi/"
        if method == "GET" and path == prefix + "?config":
            return self._json(self.config)
        table = path.removeprefix(prefix + "StatFin/")
        if method == "GET" and table in self.listings:
            return self._json(self.listings[table])
        if method == "GET" and table in self.metadata:
            return self._json(self.metadata[table])
        if method == "POST" and table in self.data:
            known = {v["code"] for v in self.metadata[table]["variables"]}
            unknown = [q["code"] for q in body["query"] if q["code"] not in known]
            if unknown:
                return 400, {}, f"Unknown variable {unknown[0]}".encode()
            return self._json(jsonstat2_answer(self.data[table], self.metadata[table], body))
        return 404, {}, b"Not found"

    @staticmethod
    def _json(document):
        return 200, {"Content-Type": "application/json"}, json.dumps(document, ensure_ascii=False).encode("utf-8")

    def queue(self, method, table_path, *answers):
        path = "/PxWeb/api/v1/fi/StatFin/" + table_path
        self.script.setdefault((method, path), deque()).extend(answers)


class FakeClock:
    def __init__(self, start=START):
        self.time = start
        self.sleeps: list = []

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.time += seconds


class FakeTransport:
    """The transport interface over a FakeApi; records when each call was made."""

    def __init__(self, api: FakeApi, clock: FakeClock):
        self.api, self.clock = api, clock
        self.times: list = []
        self.bodies: list = []

    def get(self, url):
        self.times.append(self.clock.now())
        return self.api.respond("GET", url)

    def post(self, url, json_body):
        self.times.append(self.clock.now())
        self.bodies.append(json_body)
        return self.api.respond("POST", url, json_body)


def api_12r5(**limits) -> FakeApi:
    api = FakeApi(**limits)
    api.add("tyonv", "12r5", with_times(load("statfin_12r5_v1_metadata_fi_constructed.json"), ["2026M06"]),
            load("statfin_12r5_v1_post_json_2026M06.json"), load("listing_tyonv_constructed.json"))
    return api


def add_11re(api: FakeApi) -> FakeApi:
    api.add("vaerak", "11re", with_times(load("statfin_11re_v1_metadata_fi.json"), ["2025"]),
            load("statfin_11re_v1_post_json_2025.json"), load("listing_vaerak_constructed.json"))
    return api


def run(api, data_dir, tables="12r5", clock=None):
    clock = clock or FakeClock()
    transport = FakeTransport(api, clock)
    client = refresh.open_client(ROOT, transport, clock)
    plans = refresh.plan_tables(client, refresh.select_specs(tables))
    return list(refresh.refresh_tables(client, plans, data_dir, progress=False)), transport


@pytest.fixture(scope="module")
def specs():
    return pxweb.load_table_specs()


# --- variables by role -------------------------------------------------------------------------

def test_variables_of_12r5_are_found_by_role(specs):
    variables = refresh.resolve_variables(load("statfin_12r5_v1_metadata_fi_constructed.json"), specs["12r5"])
    assert (variables.time, variables.area, variables.content) == ("timeperiod_m", "Alue", "contentscode")
    assert variables.splits == {} and variables.eliminated == ()


def test_variables_of_11re_split_sex_and_eliminate_age(specs):
    variables = refresh.resolve_variables(load("statfin_11re_v1_metadata_fi.json"), specs["11re"])
    assert (variables.time, variables.area, variables.content) == ("timeperiod_y", "alue_23_20260101", "contentscode")
    assert variables.splits == {"sukupuoli_9_20180101": ("SSS", "1", "2")}
    assert variables.eliminated == ("ikaryhma_10_20180101",)


def test_a_renamed_area_variable_is_still_found_and_asked_by_its_new_code(specs):
    metadata = rename(load("statfin_11re_v1_metadata_fi.json"), "alue_23_20260101", "alue_24_20270101")
    variables = refresh.resolve_variables(metadata, specs["11re"])
    assert variables.area == "alue_24_20270101"
    whole = refresh.select_values(variables, specs["11re"])
    codes = [q["code"] for q in whole.body()["query"]]
    assert codes == ["alue_24_20270101", "sukupuoli_9_20180101", "timeperiod_y", "contentscode"]
    assert len(whole.values("alue_24_20270101")) == 309  # SSS and the 308 municipalities


def test_the_monthly_135z_metadata_has_its_time_flag_but_no_area(specs):
    """135z (labour force survey) is national: refused with a line that names the rule."""
    spec = dataclasses.replace(specs["12r5"], id="135z", folder="tyti",
                                       contents={"Tyollisyysaste_15_64": "x"}, split={})
    with pytest.raises(refresh.RefreshError, match=r"StatFin 135z \(tyti/135z.px\): no variable has area values"):
        refresh.resolve_variables(load("statfin_135z_v1_metadata_fi_monthly.json"), spec)


def test_a_renamed_content_code_stops_with_one_line_naming_table_and_code(specs):
    metadata = rename(load("statfin_12r5_v1_metadata_fi_constructed.json"), "TYOTTOMATLOPUSSA", "tyonv-TYOTTOMAT")
    with pytest.raises(refresh.RefreshError, match=r"StatFin 12r5 .*content code 'TYOTTOMATLOPUSSA' declared in "
                                                   r"pxweb_tables.yaml is not in the table's variable contentscode") as caught:
        refresh.resolve_variables(metadata, specs["12r5"])
    assert len(caught.value.problems) == 1


def test_a_variable_that_can_be_neither_split_nor_eliminated_stops(specs):
    metadata = load("statfin_11re_v1_metadata_fi.json")
    metadata["variables"][1]["elimination"] = False  # the age groups
    with pytest.raises(refresh.RefreshError, match=r"variable ikaryhma_10_20180101 \(Ikä.*cannot be eliminated.*declare a split"):
        refresh.resolve_variables(metadata, specs["11re"])


# --- the plan ----------------------------------------------------------------------------------

def plan_12r5(specs, max_values):
    variables = refresh.resolve_variables(load("statfin_12r5_v1_metadata_fi_constructed.json"), specs["12r5"])
    whole = refresh.select_values(variables, specs["12r5"])
    return variables, whole, refresh.split_query(whole, variables, max_values, "12r5")


def test_the_full_12r5_plan_asks_the_declared_areas_contents_and_months(specs):
    variables, whole, queries = plan_12r5(specs, 100_000)
    areas = whole.values("Alue")
    assert len(areas) == 350  # SSS, 310 KU (with KU199, KUJOU), 21 MK (with MKJO), 18 ELY (with ELYJO); no SK
    assert not any(a.startswith("SK") for a in areas) and "KUJOU" in areas
    assert whole.values("timeperiod_m")[0] == "2006M01" and whole.values("timeperiod_m")[-1] == "2026M06"
    assert whole.cells == 350 * 246 * 23
    assert len(queries) == 21 and all(q.cells <= 100_000 for q in queries)  # 12 months of 8,050 cells a query
    assert [m for q in queries for m in q.values("timeperiod_m")] == list(whole.values("timeperiod_m"))


def test_one_month_too_big_for_a_query_is_split_by_contents(specs):
    _, whole, queries = plan_12r5(specs, 2_000)
    assert all(q.cells <= 2_000 for q in queries)
    assert all(len(q.values("timeperiod_m")) == 1 for q in queries)
    assert len(queries) == 246 * 5  # 23 contents, 5 a query (5 × 350 areas ≤ 2,000)
    asked = {(m, c) for q in queries for m in q.values("timeperiod_m") for c in q.values("contentscode")}
    assert len(asked) == 246 * 23


def test_one_content_of_one_month_too_big_stops(specs):
    variables, whole, _ = plan_12r5(specs, 100_000)
    with pytest.raises(refresh.RefreshError, match="one period of one content for every area is 350 cells, more than "
                                                   "the API's limit of 100"):
        refresh.split_query(whole, variables, 100, "StatFin 12r5")


# --- limits, pacing, retries -------------------------------------------------------------------

def test_limits_come_from_config_and_fall_back_when_unreadable():
    limits = refresh.parse_limits(load("config_fi_constructed.json"))
    assert (limits.max_values, limits.max_calls, limits.time_window) == (120_000, 40, 60)
    fallback = refresh.parse_limits({"maxValues": "many"})
    assert (fallback.max_values, fallback.max_calls, fallback.time_window) == (100_000, 1, 1.5)
    api, clock = api_12r5(), FakeClock()
    api.script[("GET", "/PxWeb/api/v1/fi/?config")] = deque([(404, {}, b"")])
    transport = FakeTransport(api, clock)
    client = refresh.open_client(ROOT, transport, clock)
    assert (client.limits.max_values, client.limits.max_calls, client.limits.time_window) == (100_000, 1, 1.5)
    assert "fallback: ?config did not answer" in client.limits.origin and "HTTP 404" in client.limits.origin
    for _ in range(3):
        client.get_json(f"{ROOT}/tyonv", "listing")
    gaps = [b - a for a, b in zip(transport.times, transport.times[1:])]
    assert len(gaps) >= 3 and all(gap >= 1.5 for gap in gaps[1:])  # one call each 1.5 s at most


def test_no_more_than_max_calls_fall_in_any_time_window():
    clock = FakeClock()
    limiter = refresh.RateLimiter(refresh.Limits(1000, 3, 10.0), clock)
    times = []
    for _ in range(10):
        limiter.wait()
        times.append(clock.now())
        clock.sleep(0.5)  # each call takes half a second
    assert all(sum(t <= u < t + 10.0 for u in times) <= 3 for t in times)
    assert times[3] - times[0] == pytest.approx(10.0 + refresh.PACING_MARGIN_S)  # waits no longer than needed
    assert times[-1] - times[0] < 4 * (10.0 + refresh.PACING_MARGIN_S)


def test_a_refresh_paces_its_calls_by_the_config(tmp_path):
    api, clock = api_12r5(max_values=2_000, max_calls=4, window=10), FakeClock()
    _, transport = run(api, tmp_path, clock=clock)
    times = transport.times
    assert len(times) == 3 + 5  # config, listing, metadata, 5 queries (23 contents, 5 a query)
    assert all(sum(t <= u < t + 10 for u in times) <= 4 for t in times)


def client_for(api, clock=None):
    clock = clock or FakeClock()
    client = refresh.PxWebClient(ROOT, FakeTransport(api, clock), clock)
    return client, clock


def test_429_waits_as_retry_after_says_then_succeeds():
    api = api_12r5()
    api.queue("GET", "tyonv/12r5.px", (429, {"retry-after": "7"}, b"Too many requests"))
    client, clock = client_for(api)
    document, _ = client.get_json(f"{ROOT}/tyonv/12r5.px", "StatFin 12r5 (metadata)")
    assert document["variables"][0]["code"] == "Alue"
    assert clock.sleeps == [7.0]


def test_retry_after_may_be_seconds_or_an_http_date_and_is_bounded():
    assert refresh.retry_after_seconds({"Retry-After": "12"}, START) == 12.0
    date = email.utils.formatdate(START + 30, usegmt=True)
    assert refresh.retry_after_seconds({"retry-after": date}, START) == 30.0
    assert refresh.retry_after_seconds({"Retry-After": "86400"}, START) == refresh.MAX_WAIT_S
    assert refresh.retry_after_seconds({"Retry-After": "soon"}, START) is None
    assert refresh.retry_after_seconds({}, START) is None


def test_503_is_retried_with_growing_waits_then_stops_with_the_status():
    api = api_12r5()
    api.queue("GET", "tyonv/12r5.px", *[(503, {}, b"")] * refresh.MAX_ATTEMPTS)
    client, clock = client_for(api)
    with pytest.raises(refresh.RefreshError, match=r"StatFin 12r5 \(metadata\): GET .*12r5.px: HTTP 503 Service "
                                                   r"Unavailable on all 5 attempts") as caught:
        client.get_json(f"{ROOT}/tyonv/12r5.px", "StatFin 12r5 (metadata)")
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0] and caught.value.status == 503


def test_503_then_200_succeeds():
    api = api_12r5()
    api.queue("GET", "tyonv/12r5.px", (503, {}, b""), (502, {}, b""))
    client, clock = client_for(api)
    client.get_json(f"{ROOT}/tyonv/12r5.px", "metadata")
    assert clock.sleeps == [2.0, 4.0]


def test_a_truncated_body_is_asked_for_once_more():
    api = api_12r5()
    whole = json.dumps(api.metadata["tyonv/12r5.px"]).encode()
    api.queue("GET", "tyonv/12r5.px", (200, {}, whole[:500]))
    client, _ = client_for(api)
    document, _ = client.get_json(f"{ROOT}/tyonv/12r5.px", "metadata")
    assert len(document["variables"]) == 3
    api.queue("GET", "tyonv/12r5.px", (200, {}, whole[:500]), (200, {}, whole[:900]))
    with pytest.raises(refresh.RefreshError, match="not valid JSON twice in a row .*cut short"):
        client.get_json(f"{ROOT}/tyonv/12r5.px", "StatFin 12r5 (metadata)")


def test_a_removed_table_id_stops_with_http_400_and_the_table(tmp_path):
    api = api_12r5()
    api.queue("GET", "tyonv/12r5.px", (400, {}, b"Bad request: unknown table"))
    with pytest.raises(refresh.RefreshError, match=r"StatFin 12r5 \(metadata\): GET .*/tyonv/12r5.px answered HTTP 400 "
                                                   r"Bad Request: the API knows no such table.*update ohti/pxweb_tables.yaml"):
        run(api, tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_table_missing_from_its_folder_listing_is_named(tmp_path):
    api = api_12r5()
    api.listings["tyonv"] = [{"id": "12r4.px", "type": "t", "text": "other", "updated": "2026-07-21T05:00:00"}]
    with pytest.raises(refresh.RefreshError, match=r"StatFin 12r5: not in the folder listing .*12r4.px.*renamed or removed"):
        run(api, tmp_path)


def unreachable(api: FakeApi, prefix=""):
    """Make every call to a path starting with ``prefix`` fail as a refused connection does."""
    original = api.respond

    def respond(method, url, body=None):
        if urllib.parse.urlsplit(url).path.startswith(prefix):
            raise refresh.TransportError("ConnectionError: [Errno 111] Connection refused")
        return original(method, url, body)

    api.respond = respond
    return api


def test_an_unreachable_api_stops_at_its_limits_with_one_line():
    api, clock = unreachable(api_12r5()), FakeClock()
    with pytest.raises(refresh.RefreshError, match=r"^PxWeb API limits: GET https://pxdata.test/PxWeb/api/v1/fi/\?config: "
                                                   r"ConnectionError: \[Errno 111\] Connection refused on all 5 "
                                                   r"attempts .*check --api") as caught:
        refresh.open_client(ROOT, FakeTransport(api, clock), clock)
    assert caught.value.unavailable and clock.sleeps == [2.0, 4.0, 8.0, 16.0]


def test_a_folder_that_does_not_answer_stops_the_plan_with_one_line(tmp_path):
    api = unreachable(add_11re(api_12r5()), "/PxWeb/api/v1/fi/StatFin/")
    with pytest.raises(refresh.RefreshError) as caught:
        run(api, tmp_path, tables="12r5,11re")
    assert len(caught.value.problems) == 1  # 11re is not tried: it would wait as long
    assert caught.value.problems[0].startswith("StatFin folder tyonv (listing): GET https://pxdata.test/PxWeb/api/v1/fi/"
                                               "StatFin/tyonv: ConnectionError: [Errno 111] Connection refused on all 5")
    assert caught.value.summary == "nothing was downloaded"


def test_unknown_table_is_a_parameter_error():
    with pytest.raises(ParameterError, match="unknown table.*12x9.*declared in pxweb_tables.yaml: 12r5"):
        refresh.select_specs("12r5,12x9")


def refreshed(data_dir: Path, table: str) -> Path:
    """The file the data folder's manifest lists for a refreshed table (named by its content)."""
    (row,) = [r for r in refresh.read_manifest(data_dir) if r["table"] == table and r["origin"] == "refresh"]
    assert re.fullmatch(rf"{table}/{table}-[0-9a-f]{{12}}\.json", row["file"]), row["file"]
    return data_dir / row["file"]


# --- refresh -----------------------------------------------------------------------------------

def test_refresh_writes_a_validated_file_and_its_manifest_row(tmp_path):
    rows, transport = run(api_12r5(), tmp_path)
    target = refreshed(tmp_path, "12r5")
    assert rows[0]["file"] == target.relative_to(tmp_path).as_posix()
    response = pxweb.read_response(target)
    assert response.format == "json" and response.updated == "2026-07-21T05:00:00Z"
    tidy = loaders.tidy_response(response, pxweb.load_table_specs()["12r5"])
    national = tidy[(tidy.unit_code == "SSS") & (tidy.variable == "unemployed")]
    assert national["value"].tolist() == [352001.0]  # KEHA-keskus, 12r5, June 2026 (the recorded response)
    manifest = refresh.read_manifest(tmp_path)
    assert list(manifest[0]) == loaders.DATA_DIR_MANIFEST_COLUMNS
    row = manifest[0]
    assert row["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert (row["table"], row["source"], row["origin"], row["licence"]) == ("12r5", "tyonv_12r5", "refresh", "CC BY 4.0")
    assert (row["first_period"], row["last_period"], row["fetched"]) == ("2026-06", "2026-06", "2026-08-01T06:00:00Z")
    assert row["publisher"] == "KEHA-keskus, Työnvälitystilasto" and row["url"] == f"{ROOT}/tyonv/12r5.px"
    assert json.loads(row["query"]) == [transport.bodies[0]["query"]]
    assert transport.bodies[0]["response"] == {"format": "json-stat2"}
    assert not (tmp_path / ".staging" / "12r5").exists()


def test_refreshed_files_feed_the_loaders(tmp_path, monkeypatch):
    run(add_11re(api_12r5()), tmp_path, tables="12r5,11re")
    monkeypatch.setattr(loaders, "DATA_DIR_USER", tmp_path)
    files = loaders.data_dir_files("vaerak_11re")
    assert files == [refreshed(tmp_path, "11re")]
    tidy = loaders.load_pxweb_file(files[0])
    national = tidy[(tidy.unit_code == "SSS")].set_index("variable")["value"]
    # Statistics Finland, 11re, 31.12.2025 (the recorded response): 5,652,881 = 2,799,212 men + 2,853,669 women
    assert national.to_dict() == {"population": 5652881.0, "population_men": 2799212.0, "population_women": 2853669.0}


def test_refresh_combines_parts_split_by_contents_into_the_recorded_table(tmp_path):
    run(api_12r5(max_values=2_000), tmp_path)
    written = pxweb.read_response(refreshed(tmp_path, "12r5"))
    recorded = pxweb.read_response(FIXTURES / "statfin_12r5_v1_post_json_2026M06.json")
    areas = set(written.rows["Alue"])
    expected = recorded.rows[recorded.rows["Alue"].isin(areas)].reset_index(drop=True)
    assert len(areas) == 350 and list(written.contents) == list(recorded.contents)
    rows = written.rows.reset_index(drop=True)
    assert rows[["Alue", "timeperiod_m"]].equals(expected[["Alue", "timeperiod_m"]])  # same records, same order
    assert len(recorded.contents) == 23
    for code in recorded.contents:  # every cell as recorded ('5.0' in json is 5 in json-stat2, written '5')
        numbers = pd.to_numeric(rows[code], errors="coerce"), pd.to_numeric(expected[code], errors="coerce")
        assert numbers[0].equals(numbers[1]) and rows[code][numbers[0].isna()].equals(expected[code][numbers[1].isna()])
    assert written.comments == recorded.comments


def new_release(api: FakeApi, updated="2026-08-19T05:00:00") -> FakeApi:
    api.listings["tyonv"] = [dict(api.listings["tyonv"][0], updated=updated)]
    return api


def snapshot(data_dir: Path) -> dict:
    return {p: p.read_bytes() for p in [*(data_dir / "12r5").glob("*.json"), data_dir / "MANIFEST.csv"]}


def test_an_interrupted_refresh_keeps_the_previous_data_and_the_next_run_resumes(tmp_path):
    run(api_12r5(), tmp_path)  # the previous data
    before = snapshot(tmp_path)
    api = new_release(api_12r5(max_values=2_000))  # 5 queries
    api.fail_after = (2, KeyboardInterrupt())  # the user stops the refresh during the third query
    with pytest.raises(KeyboardInterrupt):
        run(api, tmp_path)
    assert snapshot(tmp_path) == before
    staged = sorted(p.name for p in (tmp_path / ".staging" / "12r5").glob("part-*.json"))
    assert staged == ["part-000.json", "part-001.json"]
    api.fail_after, api.posts = None, 0
    rows, _ = run(api, tmp_path)
    assert api.posts == 3  # parts 2, 3 and 4 only
    assert rows[0]["file"] == refreshed(tmp_path, "12r5").relative_to(tmp_path).as_posix()
    assert len(refresh.read_manifest(tmp_path)) == 1 and len(list((tmp_path / "12r5").glob("*.json"))) == 1  # the old one went
    assert snapshot(tmp_path) != before
    assert not (tmp_path / ".staging" / "12r5").exists()


def test_a_network_failure_halfway_leaves_previous_files_and_manifest_untouched(tmp_path):
    run(api_12r5(), tmp_path)
    before = snapshot(tmp_path)
    api = new_release(api_12r5(max_values=2_000))
    api.fail_after = (2, refresh.TransportError("POST: ConnectionError: connection reset by peer"))
    with pytest.raises(refresh.RefreshError, match=r"StatFin 12r5, query 3 of 5: POST .*ConnectionError.*on all 5 "
                                                   r"attempts .*try again later"):
        run(api, tmp_path)
    assert snapshot(tmp_path) == before


def test_a_new_release_of_the_table_starts_the_staging_again(tmp_path):
    api = api_12r5(max_values=2_000)
    api.fail_after = (2, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(api, tmp_path)
    assert len(list((tmp_path / ".staging" / "12r5").glob("part-*.json"))) == 2
    api.fail_after, api.posts = None, 0
    run(new_release(api), tmp_path)
    assert api.posts == 5  # parts of the previous release are not mixed in


def test_parts_of_two_releases_are_never_combined(tmp_path):
    api = api_12r5(max_values=2_000)
    api.fail_after = (2, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(api, tmp_path)
    api.fail_after = None
    api.data["tyonv/12r5.px"] = later = copy.deepcopy(api.data["tyonv/12r5.px"])
    later["metadata"][0]["updated"] = "2026-08-19T05.00.00Z"  # released while the listing still said July
    with pytest.raises(refresh.RefreshError, match=r"StatFin 12r5 changed during the refresh \(parts updated "
                                                   r"2026-07-21T05:00:00Z, 2026-08-19T05:00:00Z\).*run ohti refresh again"):
        run(api, tmp_path)
    assert not (tmp_path / ".staging" / "12r5").exists() and not (tmp_path / "MANIFEST.csv").exists()


def test_an_answer_that_lacks_asked_cells_is_refused(tmp_path):
    api = api_12r5()
    answer = jsonstat2_answer(api.data["tyonv/12r5.px"], api.metadata["tyonv/12r5.px"],
                              {"query": [{"code": "Alue", "selection": {"values": ["SSS", "KU091"]}}]})
    api.queue("POST", "tyonv/12r5.px", (200, {}, json.dumps(answer).encode()))
    with pytest.raises(refresh.RefreshError, match=r"query 1 of 1: the answer lacks 348 value\(s\) of Alue"):
        run(api, tmp_path)
    assert not list((tmp_path / "12r5").glob("*.json")) and not (tmp_path / "MANIFEST.csv").exists()


def test_a_downloaded_table_that_breaks_a_rule_replaces_nothing(tmp_path):
    run(api_12r5(), tmp_path)
    before = (tmp_path / "MANIFEST.csv").read_bytes()
    api = api_12r5()
    api.data["tyonv/12r5.px"] = bad = copy.deepcopy(api.data["tyonv/12r5.px"])
    bad["data"][1]["values"][13] = "-5"  # KU020, laid off
    with pytest.raises(refresh.RefreshError, match=r"^StatFin 12r5 as downloaded: record 2, column LOMAUTETTU: "
                                                   r"'-5' is negative; [^;]*was not replaced") as caught:
        run(api, tmp_path)
    assert "was not replaced" in caught.value.summary
    assert (tmp_path / "MANIFEST.csv").read_bytes() == before


# --- check and dry run -------------------------------------------------------------------------

def check(api, data_dir, tables="12r5,11re"):
    clock = FakeClock()
    client = refresh.open_client(ROOT, FakeTransport(api, clock), clock)
    return refresh.check_tables(refresh.plan_tables(client, refresh.select_specs(tables)), data_dir), api


def test_check_names_new_unchanged_and_changed_tables_and_downloads_nothing(tmp_path):
    run(api_12r5(), tmp_path)
    lines, api = check(add_11re(api_12r5()), tmp_path)
    assert lines[0] == "12r5: unchanged since 2026-07-21T05:00:00Z"
    assert lines[1].startswith("11re: new (not in ") and "StatFin updated it 2026-04-01T05:00:00" in lines[1]
    assert not any(method == "POST" for method, _ in api.calls)
    api = add_11re(api_12r5())
    api.listings["tyonv"] = [dict(api.listings["tyonv"][0], updated="2026-08-19T05:00:00")]
    lines, _ = check(api, tmp_path)
    assert lines[0] == ("12r5: changed: StatFin updated it 2026-08-19T05:00:00; the data folder has "
                        "2026-07-21T05:00:00Z")


def test_dry_run_of_the_full_12r5_under_the_recorded_limits():
    api = FakeApi(max_values=120_000, max_calls=40, window=60)
    api.add("tyonv", "12r5", load("statfin_12r5_v1_metadata_fi_constructed.json"),
            load("statfin_12r5_v1_post_json_2026M06.json"), load("listing_tyonv_constructed.json"))
    clock = FakeClock()
    client = refresh.open_client(ROOT, FakeTransport(api, clock), clock)
    plans = refresh.plan_tables(client, refresh.select_specs("12r5"))
    lines = refresh.describe_plans(plans, client.limits)
    assert lines[1].startswith("12r5 (tyonv/12r5.px, updated 2026-07-21T05:00:00): 18 queries, 1,980,300 cells "
                               "(350 areas × 246 periods × 23 contents), about 18 s")
    assert plans[0].cells == 350 * 246 * 23 and all(q.cells <= 120_000 for q in plans[0].queries)


# --- import ------------------------------------------------------------------------------------

def test_import_copies_valid_json_and_json_stat2_files_with_manifest_rows(tmp_path):
    data_dir = tmp_path / "data"
    api = add_11re(FakeApi())
    jsonstat2 = tmp_path / "11re_2025.json"
    jsonstat2.write_text(json.dumps(jsonstat2_answer(api.data["vaerak/11re.px"], api.metadata["vaerak/11re.px"],
                                                     {"query": []}), ensure_ascii=False), encoding="utf-8")
    rows = refresh.import_files([FIXTURES / "statfin_12r5_v1_post_json_2026M06.json", jsonstat2], data_dir,
                                clock=FakeClock())
    assert [r["table"] for r in rows] == ["12r5", "11re"] and {r["origin"] for r in rows} == {"import"}
    first = data_dir / rows[0]["file"]
    assert first.name == f"12r5.import-{hashlib.sha256(first.read_bytes()).hexdigest()[:12]}.json"
    assert first.read_bytes() == (FIXTURES / "statfin_12r5_v1_post_json_2026M06.json").read_bytes()
    manifest = refresh.read_manifest(data_dir)
    assert [(r["file"], r["url"], r["fetched"], r["updated"]) for r in manifest] == [
        (rows[0]["file"], "", "2026-08-01T06:00:00Z", "2026-07-21T05:00:00Z"),
        (rows[1]["file"], "", "2026-08-01T06:00:00Z", "2026-04-01T05:00:00Z")]


def test_import_of_the_recorded_json_stat2_response(tmp_path):
    rows = refresh.import_files([FIXTURES / "statfin_11re_v1_post_jsonstat2_SSS_2023-2025.json"], tmp_path,
                                clock=FakeClock())
    assert rows[0]["table"] == "11re" and rows[0]["first_period"] == "2023"


def test_import_of_a_bad_file_lists_every_problem_and_writes_nothing(tmp_path):
    data_dir = tmp_path / "data"
    bad = load("statfin_12r5_v1_post_json_2026M06.json")
    bad["data"][1]["values"][13] = "-5"
    bad["data"][2]["key"][0] = "KU999"
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "cut.json").write_bytes((FIXTURES / "statfin_11re_v1_post_json_2025.json").read_bytes()[:3000])
    with pytest.raises(refresh.RefreshError) as caught:
        refresh.import_files([FIXTURES / "statfin_11re_v1_post_json_2025.json", tmp_path / "bad.json",
                              tmp_path / "cut.json"], data_dir)
    problems = caught.value.problems
    assert any("bad.json: record 2, column LOMAUTETTU: '-5' is negative" in p for p in problems)
    assert any("bad.json: record 3, column Alue: 'KU999' is not a municipality" in p for p in problems)
    assert any("cut.json: line 1, column 2991: not valid JSON" in p and "truncated" in p for p in problems)
    assert not data_dir.exists()


def test_cli_import_prints_one_line_per_problem_and_exits_2(tmp_path, capsys):
    bad = load("statfin_12r5_v1_post_json_2026M06.json")
    bad["data"][1]["values"][13] = "-5"
    bad["data"][3]["values"][13] = "x"
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["import", str(tmp_path / "bad.json"), "--data-dir", str(tmp_path / "data")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[-1] for line in lines[:2]] == ["'-5' is negative",
                                                             "'x' is neither a number nor a suppression marker"]
    assert lines[-1].startswith("ohti: nothing was imported into ")
    assert not (tmp_path / "data").exists()


# --- end to end: the real command through a local HTTP server ----------------------------------

@pytest.fixture
def local_api():
    """A ThreadingHTTPServer on 127.0.0.1 answering as FakeApi does (generous limits)."""
    api = api_12r5(max_values=120_000, max_calls=1000, window=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, body=None):
            status, headers, raw = api.respond(self.command, self.path, body)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self):
            self._answer()

        def do_POST(self):
            self._answer(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api, f"http://127.0.0.1:{server.server_address[1]}/PxWeb/api/v1/fi/StatFin"
    server.shutdown()
    server.server_close()


def test_ohti_refresh_end_to_end_through_a_local_server(local_api, tmp_path, capsys, monkeypatch):
    api, url = local_api
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    data_dir = tmp_path / "data"
    common = ["--api", url, "--data-dir", str(data_dir), "--tables", "12r5"]
    assert cli.main(["refresh", *common, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "12r5 (tyonv/12r5.px, updated 2026-07-21T05:00:00): 1 queries, 8,050 cells" in out
    assert not data_dir.exists() and not any(method == "POST" for method, _ in api.calls)

    assert cli.main(["refresh", *common, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("12r5: refresh 2026-06 … 2026-06 (updated 2026-07-21T05:00:00Z) → ")
    monkeypatch.setattr(loaders, "DATA_DIR_USER", data_dir.resolve())
    tidy = loaders.load_pxweb_file(loaders.data_dir_files("tyonv_12r5")[0])
    national = tidy[(tidy.unit_code == "SSS")].set_index("variable")["value"]
    assert (national["unemployed"], national["labour_force"], national["vacancies"]) == (352001.0, 2743596.0, 26641.0)

    assert cli.main(["refresh", *common, "--check"]) == 0
    assert capsys.readouterr().out == "12r5: unchanged since 2026-07-21T05:00:00Z\n"

    api.queue("GET", "tyonv/12r5.px", (400, {}, b"Unknown table"))
    assert cli.main(["refresh", *common]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("ohti: error: StatFin 12r5 (metadata): GET ") and "HTTP 400 Bad Request" in err[0]
    assert err[-1] == "ohti: nothing was downloaded"
