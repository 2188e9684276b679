"""The synthetic demonstration extract: a reproducible, made-up customer-register extract.

Customer-register microdata are not public, so ohti ships none. To show what the customer-
process indicators look like, this module generates synthetic demonstration data: invented
persons, spells, events and services, with a fixed seed, whose **stocks match the real
unemployed job seekers** of the shipped statistics (StatFin tyonv 12r5, indicator
``unemployed``) in every employment area at the end of every month of its window. Everything
else — who, when, how fast — is invented with plausible timings; no value in it describes a
real person or a real area's process. Its files are named ``synthetic_demo_extract_…`` and
every document and catalogue that shows it labels it "synthetic demonstration data".

How the stocks are matched: per area, the spells open at the end of the window's first month
are drawn with plausible past start dates; in each later month a share of the open spells
ends on a random day and exactly as many new spells start as make the month-end count equal
the real stock. Short spells that start and end within one month (they never touch a month-
end stock) fill the extract up to a requested size.

How it scales: the rows are made in batches of :data:`BATCH_SPELLS` spells, each batch from
its own random stream (the seed and the batch's number), and written batch by batch, so that
memory does not grow with the size asked for. The batches are fixed by the seed, never by
the memory at hand: :func:`generate` (in memory) and :func:`write_demo_extract` (one file,
or a folder of one file per year or month) give the same rows for the same seed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ohti._files import PUBLISHED_FILE_MODE, replacing
from ohti.errors import ParameterError
from ohti.indicators.compute import compute_values, shift_period
from ohti.paths import OUTPUTS_DIR
from ohti.register.workdays import calendar
from ohti.sources.access import latest_complete_period

DEFAULT_SEED = 20250101
GENERATOR_VERSION = "2"
SYNTHETIC_LABEL = "synthetic demonstration data"
EXIT_RATE = 0.12                 # share of open spells ending in a month
SPELL_END_REASONS = (("open_labour_market", 0.40), ("service", 0.25), ("subsidised_work", 0.08),
                     ("education", 0.07), ("outside_labour_force", 0.10), ("other", 0.10))
SERVICE_END_REASONS = (("open_labour_market", 0.35), ("unemployed", 0.40), ("education", 0.10), ("other", 0.15))
SERVICES = ("labour_market_training", "coaching", "work_trial", "pay_subsidy_preparation")
KOTO_SHARE = 0.09                # share of spells of integration clients
#: Spells per batch: part of the generator (a batch's rows depend on it), not a memory setting.
BATCH_SPELLS = 100_000
#: Ways a demonstration extract is split into files: one file, or one file per year or month
#: of ``start_date``.
PARTITIONS = ("year", "month")
#: The largest size asked for: person ids have at most 9 digits.
MAX_EVENTS = 999_999_999

_TABLES = ("spell", "event", "service")
_EVENT_TYPES = ("initial_interview", "employment_plan", "supplementary_discussion", "job_search_discussion",
                "integration_client", "integration_assessment", "integration_plan")
_TYPES = _EVENT_TYPES + SERVICES
_REASONS = tuple(dict.fromkeys([r for r, _ in SPELL_END_REASONS] + [r for r, _ in SERVICE_END_REASONS]))
_STREAM_STOCKS, _STREAM_STOCK_BATCH, _STREAM_SHORT_BATCH, _STREAM_IDS = 0, 1, 2, 3


def default_period() -> str:
    return latest_complete_period()


def demo_extract_path(period: str | None = None, *, seed: int = DEFAULT_SEED, events: int | None = None,
                      months: int = 12, partition: str | None = None, folder=None, force: bool = False,
                      generate: bool = True):
    """The cached demonstration extract for `period` (generated on first use; with
    ``generate=False`` only its path, whether it exists or not).

    It lives under ``outputs/extracts/`` (not in git) and its name says what it is:
    ``synthetic_demo_extract_<period>_seed<seed>[_<events>][_m<months>]_v<version>``, a
    ``.parquet`` file, or a folder of one file per year or month when `partition` is given
    (``…_by_year``, ``…_by_month``).
    """
    period = period or default_period()
    folder = Path((OUTPUTS_DIR / "extracts") if folder is None else folder)
    size = f"_{events}" if events else ""
    window = f"_m{months}" if months != 12 else ""
    split = f"_by_{partition}" if partition else ".parquet"
    path = folder / f"synthetic_demo_extract_{period}_seed{seed}{size}{window}_v{GENERATOR_VERSION}{split}"
    if generate and (force or not path.exists()):
        write_demo_extract(path, period=period, seed=seed, events=events, months=months, partition=partition)
    return path.resolve()


def real_stocks(period: str, months: int = 12) -> pd.DataFrame:
    """The real unemployed job seekers per employment area at the end of each of the `months`
    months ending at `period` (wide: areas × months), from the shipped statistics."""
    window = [shift_period(period, -k) for k in range(months - 1, -1, -1)]
    values = compute_values("unemployed", "area", periods=window)
    wide = values.pivot(index="area_code", columns="period", values="value").reindex(columns=window)
    if wide.isna().any().any():
        gaps = wide.isna().stack()
        raise ParameterError(f"the real unemployed stock is missing for {', '.join(map(str, gaps[gaps].index[:5]))}; "
                             "choose a period with complete data")
    return wide.round().astype(np.int64)


def _rng(seed: int, stream: int, batch: int = 0):
    """The random stream of one part of the generator (fixed by the seed and the part)."""
    return np.random.default_rng([seed, stream, batch])


def _choice(rng, options, size):
    """Codes into ``[o for o, _ in options]`` drawn with the options' weights."""
    p = np.array([w for _, w in options], dtype=float)
    return rng.choice(len(options), size=size, p=p / p.sum())


def _spells(rng, stocks: pd.DataFrame) -> pd.DataFrame:
    """Spells whose month-end counts equal `stocks` exactly (areas × months)."""
    months = [pd.Period(m, "M") for m in stocks.columns]
    ends = np.array([m.end_time.date() for m in months], dtype="datetime64[D]")
    starts_m = np.array([m.start_time.date() for m in months], dtype="datetime64[D]")
    area_parts, start_parts, end_parts = [], [], []
    for number, (_, row) in enumerate(stocks.iterrows()):
        counts = row.to_numpy()
        n0 = int(counts[0])
        # open at the first month-end: durations so far, a mix of short and long unemployment
        long = rng.random(n0) < 0.3
        days = np.where(long, 365 + rng.exponential(400, n0), rng.exponential(110, n0)).astype(np.int64)
        start, stop = [ends[0] - days], [np.full(n0, np.datetime64("NaT"), dtype="datetime64[D]")]
        total = n0
        open_ids = np.arange(n0)
        ended = []  # (ids, end dates) per month, applied at the end
        for k in range(1, len(months)):
            previous, target = len(open_ids), int(counts[k])
            exits = int(rng.binomial(previous, EXIT_RATE))
            entrants = target - previous + exits
            if entrants < 0:
                exits, entrants = exits - entrants, 0
            exits = min(exits, previous)
            leaving = rng.choice(previous, size=exits, replace=False)
            length = int((ends[k] - starts_m[k]).astype(int)) + 1
            ended.append((open_ids[leaving], starts_m[k] + rng.integers(0, length - 1, exits)))  # before the month-end
            keep = np.ones(previous, dtype=bool)
            keep[leaving] = False
            start.append(starts_m[k] + rng.integers(0, length, entrants))
            stop.append(np.full(entrants, np.datetime64("NaT"), dtype="datetime64[D]"))
            open_ids = np.concatenate([open_ids[keep], np.arange(total, total + entrants)])
            total += entrants
        start, stop = np.concatenate(start), np.concatenate(stop)
        for ids, days in ended:
            stop[ids] = days
        area_parts.append(np.full(len(start), number, dtype=np.int16))
        start_parts.append(start)
        end_parts.append(stop)
    return pd.DataFrame({"area": np.concatenate(area_parts), "start": np.concatenate(start_parts),
                         "end": np.concatenate(end_parts)})


def _short_spells(rng, stocks: pd.DataFrame, count: int) -> pd.DataFrame:
    """Spells starting and ending inside one month (never open at a month-end)."""
    weights = stocks.to_numpy(float).ravel()
    cell = rng.choice(weights.size, size=count, p=weights / weights.sum())
    area = (cell // stocks.shape[1]).astype(np.int16)
    months = [pd.Period(m, "M") for m in stocks.columns]
    first = np.array([m.start_time.date() for m in months], dtype="datetime64[D]")[cell % stocks.shape[1]]
    length = np.array([m.days_in_month for m in months])[cell % stocks.shape[1]]
    start_day = (rng.random(count) * (length - 1)).astype(np.int64)
    duration = np.minimum(rng.integers(3, 40, count), length - 2 - start_day)
    duration = np.maximum(duration, 0)
    return pd.DataFrame({"area": area, "start": first + start_day, "end": first + start_day + duration})


def _plus_months(days, months: int):
    """Each date `months` calendar months on, the day clipped to the month's last (as
    :class:`pandas.DateOffset` does)."""
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")


class _Plan:
    """What every batch shares: the matched stocks and their spells, the calendar, the dates."""

    def __init__(self, period: str, seed: int, months: int):
        self.seed = seed
        self.stocks = real_stocks(period, months)
        self.areas = self.stocks.index.to_numpy().astype(str)
        self.spells = _spells(_rng(seed, _STREAM_STOCKS), self.stocks)
        self.extract_date = np.datetime64(pd.Period(period, "M").end_time.date(), "D")
        first = pd.Timestamp(self.spells["start"].min()).date()
        cal = calendar(first - dt.timedelta(days=10), pd.Timestamp(self.extract_date).date() + dt.timedelta(days=400))
        self.cal_first = np.datetime64(cal["day"].iloc[0], "D")
        self.cal_index = cal["workday_index"].to_numpy()
        self.work_days = np.array(cal["day"], dtype="datetime64[D]")[cal["working"].to_numpy()]

    def metadata(self) -> dict:
        return {"ohti.synthetic": "true", "ohti.label": SYNTHETIC_LABEL,
                "ohti.extract_date": str(pd.Timestamp(self.extract_date).date()),
                "ohti.stock_months": f"{self.stocks.columns[0]}..{self.stocks.columns[-1]}",
                "ohti.seed": str(self.seed), "ohti.generator": f"ohti.register.demo v{GENERATOR_VERSION}",
                "ohti.stock_source": "StatFin tyonv 12r5, unemployed job seekers at month end (TYOTTOMATLOPUSSA)"}

    def workday_shift(self, dates, n):
        """The n-th working day after each date (vectorised over the calendar)."""
        return self.work_days[self.cal_index[(dates - self.cal_first).astype(np.int64)] + n - 1]


def _rows(plan: _Plan, rng, spells: pd.DataFrame) -> dict:
    """The rows of a batch of spells, as columns of codes: each spell's own row first (in the
    spells' order), then its services, then its events."""
    extract_date = plan.extract_date
    n = len(spells)
    start = spells["start"].to_numpy("datetime64[D]")
    end = spells["end"].to_numpy("datetime64[D]")
    stop = np.where(np.isnat(end), extract_date, end)
    local = np.arange(n)
    parts = {"person": [], "table": [], "type": [], "start": [], "end": [], "reason": []}

    def put(person, table, kind, first, last, reason):
        parts["person"].append(person)
        parts["table"].append(np.full(len(person), table, dtype=np.int8))
        parts["type"].append(kind if isinstance(kind, np.ndarray) else np.full(len(person), kind, dtype=np.int8))
        parts["start"].append(first)
        parts["end"].append(last)
        parts["reason"].append(reason)

    events = []

    def add(mask, dates, kind):
        keep = mask & (dates <= stop) & (dates <= extract_date)
        events.append((local[keep], dates[keep], _TYPES.index(kind)))

    # initial interview: most within a few working days, a tail weeks later
    lag = np.where(rng.random(n) < 0.62, rng.integers(1, 6, n), rng.integers(6, 35, n))
    interview = plan.workday_shift(start, lag)
    has_interview = (rng.random(n) < 0.95) & (interview <= stop) & (interview <= extract_date)
    add(has_interview, interview, "initial_interview")
    plan_lag = np.where(rng.random(n) < 0.88, 0, rng.integers(1, 20, n)).astype("timedelta64[D]")
    add(has_interview & (rng.random(n) < 0.96), interview + plan_lag, "employment_plan")
    # supplementary discussions in the first three months after the interview
    count = rng.binomial(6, 0.72, n)
    for j in range(6):
        offset = (7 + 14 * j + rng.integers(-4, 5, n)).astype("timedelta64[D]")
        add(has_interview & (j < count), interview + offset, "supplementary_discussion")
    # job-search discussions every three months, and the intensive period at six months
    for q in range(1, 9):
        add(has_interview & (rng.random(n) < 0.85), interview + np.timedelta64(91 * q, "D")
            + rng.integers(-7, 8, n).astype("timedelta64[D]"), "job_search_discussion")
    six = _plus_months(start, 6)
    intensive = rng.binomial(2, 0.7, n)
    for j in range(2):
        add(j < intensive, six + rng.integers(0, 28, n).astype("timedelta64[D]"), "supplementary_discussion")
    # KOTO clients
    koto = rng.random(n) < KOTO_SHARE
    client = start + rng.integers(0, 10, n).astype("timedelta64[D]")
    add(koto, client, "integration_client")
    assess = client + np.where(rng.random(n) < 0.78, rng.integers(5, 58, n), rng.integers(62, 120, n)).astype("timedelta64[D]")
    assessed = koto & (rng.random(n) < 0.93) & (assess <= stop)
    add(assessed, assess, "integration_assessment")
    koto_plan = assess + np.where(rng.random(n) < 0.74, rng.integers(0, 14, n), rng.integers(15, 60, n)).astype("timedelta64[D]")
    add(assessed & (rng.random(n) < 0.9), koto_plan, "integration_plan")
    # end reasons and services after spells that end into one
    reason = _choice(rng, SPELL_END_REASONS, n)
    reason = np.where(np.isnat(end), -1, np.array([_REASONS.index(r) for r, _ in SPELL_END_REASONS])[reason])
    service = reason == _REASONS.index("service")
    s_start = end + np.timedelta64(1, "D")
    s_end = s_start + rng.integers(30, 180, n).astype("timedelta64[D]")
    s_end = np.where(s_end > extract_date, np.datetime64("NaT"), s_end)
    s_reason = _choice(rng, SERVICE_END_REASONS, n)
    s_reason = np.where(np.isnat(s_end), -1, np.array([_REASONS.index(r) for r, _ in SERVICE_END_REASONS])[s_reason])
    s_type = (len(_EVENT_TYPES) + rng.integers(0, len(SERVICES), n)).astype(np.int8)
    never = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    put(local, 0, np.full(n, -1, dtype=np.int8), start, end, reason)
    put(local[service], 2, s_type[service], s_start[service], s_end[service], s_reason[service])
    for who, dates, kind in events:
        put(who, 1, kind, dates, never[: len(who)], np.full(len(who), -1))
    return {key: np.concatenate(value) for key, value in parts.items()}


def _cut(rows: dict, room: int) -> dict:
    """The first `room` rows of a batch by whole spells: the spells that fit with all their
    rows, then the next spell's own row and as many of its other rows as fill the room."""
    per_spell = np.bincount(rows["person"])
    whole = int(np.searchsorted(np.cumsum(per_spell), room, side="right"))
    keep = rows["person"] < whole
    left = room - int(keep.sum())
    if left:
        keep[np.flatnonzero(rows["person"] == whole)[:left]] = True
    return {key: value[keep] for key, value in rows.items()}


def _feistel(values, bits: int, keys) -> np.ndarray:
    """A bijection of ``[0, 2**(2*bits))`` (a Feistel network with the given round keys)."""
    mask = np.uint64((1 << bits) - 1)
    left, right = values >> np.uint64(bits), values & mask
    for key in keys:
        mixed = ((right * np.uint64(0x9E3779B1) + np.uint64(key)) ^ (right >> np.uint64(5))) & mask
        left, right = right, left ^ mixed
    return (left << np.uint64(bits)) | right


class _Ids:
    """Pseudonymous person ids ``SYN`` + digits: a seeded bijection of the person numbers, so
    that the order in which persons were made reveals nothing."""

    def __init__(self, seed: int, persons: int):
        self.width = max(8, len(str(persons)))
        self.modulus = 10 ** self.width
        self.bits = (int(self.modulus - 1).bit_length() + 1) // 2
        self.keys = _rng(seed, _STREAM_IDS).integers(0, 1 << 32, 4, dtype=np.uint64)

    def codes(self, numbers) -> np.ndarray:
        codes = _feistel(np.asarray(numbers, dtype=np.uint64), self.bits, self.keys)
        outside = np.flatnonzero(codes >= self.modulus)
        while outside.size:  # cycle-walking: apply again until inside [0, modulus)
            codes[outside] = _feistel(codes[outside], self.bits, self.keys)
            outside = outside[codes[outside] >= self.modulus]
        return codes

    def array(self, numbers, rows):
        """The ids of persons `numbers`, taken for `rows` (positions into `numbers`), as an
        Arrow string array (made from bytes, not Python strings)."""
        import pyarrow as pa

        codes = self.codes(numbers)
        width = 3 + self.width
        text = np.empty((len(codes), width), dtype=np.uint8)
        text[:, :3] = np.frombuffer(b"SYN", dtype=np.uint8)
        for position in range(self.width - 1, -1, -1):
            text[:, 3 + position] = (codes % np.uint64(10)).astype(np.uint8) + ord("0")
            codes = codes // np.uint64(10)
        data = text[rows]
        offsets = np.arange(0, (len(rows) + 1) * width, width, dtype=np.int32)
        return pa.StringArray.from_buffers(len(rows), pa.py_buffer(offsets), pa.py_buffer(data))


def schema(metadata: dict | None = None):
    """The Arrow schema of a demonstration extract's files."""
    import pyarrow as pa

    fields = [("table", pa.string()), ("person_id", pa.string()), ("area_code", pa.string()), ("type", pa.string()),
              ("start_date", pa.date32()), ("end_date", pa.date32()), ("end_reason", pa.string())]
    return pa.schema(fields, metadata=metadata)


def _table(plan: _Plan, ids: _Ids, rows: dict, first_person: int, area):
    """A batch's rows as an Arrow table in the extract's schema."""
    import pyarrow as pa

    def coded(names, codes):
        codes = np.asarray(codes)
        return pa.array(np.array(names, dtype=object)).take(pa.array(codes, mask=codes < 0))

    def dates(values):
        return pa.array(values.astype("datetime64[D]").astype(np.int64).astype(np.int32), type=pa.date32(),
                        mask=np.isnat(values))

    person = rows["person"]
    columns = [coded(_TABLES, rows["table"]),
               ids.array(first_person + np.arange(len(area)), person), coded(plan.areas, area[person]),
               coded(_TYPES, rows["type"]), dates(rows["start"]), dates(rows["end"]), coded(_REASONS, rows["reason"])]
    return pa.Table.from_arrays(columns, schema=schema())


def generate_batches(period: str | None = None, *, seed: int = DEFAULT_SEED, events: int | None = None,
                     months: int = 12) -> tuple[dict, Iterator]:
    """The demonstration extract as a stream of Arrow tables, one per batch of spells.

    Returns the metadata and an iterator of tables; memory holds one batch at a time (and the
    spells that match the stocks: some hundred thousand per month of the window). Parameters
    as in :func:`generate`.
    """
    period = period or default_period()
    if events is not None and not 0 < events <= MAX_EVENTS:
        raise ParameterError(f"--events {events:,} is not a size from 1 to {MAX_EVENTS:,}")
    if months < 1:
        raise ParameterError(f"months {months} is not a number of months ≥ 1")
    plan = _Plan(period, seed, months)
    matched = len(plan.spells)
    ids = _Ids(seed, max(matched, events or 0))

    def stream():
        written = 0
        for number, begin in enumerate(range(0, matched, BATCH_SPELLS)):
            spells = plan.spells.iloc[begin: begin + BATCH_SPELLS]
            rows = _rows(plan, _rng(seed, _STREAM_STOCK_BATCH, number), spells)
            written += len(rows["person"])
            yield _table(plan, ids, rows, begin, spells["area"].to_numpy())
        if events is None:
            return
        if events < written:
            raise ParameterError(f"--events {events:,} is below the {written:,} rows the matched stocks need")
        number, person = 0, matched
        while written < events:
            rng = _rng(seed, _STREAM_SHORT_BATCH, number)
            spells = _short_spells(rng, plan.stocks, BATCH_SPELLS)
            rows = _rows(plan, rng, spells)
            if written + len(rows["person"]) > events:
                rows = _cut(rows, events - written)
            written += len(rows["person"])
            yield _table(plan, ids, rows, person, spells["area"].to_numpy())
            number, person = number + 1, person + BATCH_SPELLS

    return plan.metadata(), stream()


def generate(period: str | None = None, *, seed: int = DEFAULT_SEED, events: int | None = None,
             months: int = 12) -> tuple[pd.DataFrame, dict]:
    """Generate the synthetic demonstration extract in memory.

    Parameters
    ----------
    period : str, optional
        The last month of the window ('YYYY-MM'); the latest month of the shipped data by default.
    seed : int
        The random seed: the same seed gives the same extract.
    events : int, optional
        The number of rows (spells + events + services) to reach by adding short spells; at
        least the size the matched stocks need.
    months : int
        Months in the window (the stocks of every one are matched).

    Returns
    -------
    (DataFrame, dict)
        The extract in the schema of :mod:`ohti.register.extract` and its metadata: the same
        rows, in the same order, as :func:`write_demo_extract` writes for the same arguments.
    """
    import pyarrow as pa

    metadata, batches = generate_batches(period, seed=seed, events=events, months=months)
    table = pa.concat_tables(list(batches))
    return table.to_pandas(date_as_object=False), metadata


def _partition_keys(table, partition: str) -> np.ndarray:
    days = table.column("start_date").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    return days.astype("datetime64[Y]" if partition == "year" else "datetime64[M]")


def _write_each(batches, write) -> None:
    """Call `write` on each batch in a second thread while the next batch is made (Arrow
    writes and most of NumPy release the GIL): at most two batches are in memory."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pending = None
        for table in batches:
            if pending is not None:
                pending.result()
            pending = pool.submit(write, table)
        if pending is not None:
            pending.result()


def write_demo_extract(path, period: str | None = None, *, seed: int = DEFAULT_SEED, events: int | None = None,
                       months: int = 12, partition: str | None = None):
    """Generate the demonstration extract and write it as Parquet, batch by batch, with metadata.

    One file (written atomically), or with `partition` ``"year"`` or ``"month"`` a folder of
    one file per year or month of ``start_date`` (``synthetic_<year or month>.parquet``, every
    file with the same metadata; the folder appears whole when complete).
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if "synthetic" not in path.name:
        raise ParameterError(f"{path.name}: a synthetic extract's file name must contain 'synthetic'")
    if partition is not None and partition not in PARTITIONS:
        raise ParameterError(f"partition {partition!r}: choose one of {', '.join(PARTITIONS)} (or none: one file)")
    metadata, batches = generate_batches(period, seed=seed, events=events, months=months)
    layout = schema(metadata)
    if partition is None:
        with replacing(path) as temporary, pq.ParquetWriter(temporary, layout, compression="zstd") as writer:
            _write_each(batches, writer.write_table)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}-"))
    writers = {}
    try:
        def write(table):
            keys = _partition_keys(table, partition)
            order = np.argsort(keys, kind="stable")
            keys = keys[order]
            table = table.take(order)
            bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
            for begin, stop in zip(np.r_[0, bounds], np.r_[bounds, len(keys)]):
                key = str(keys[begin])
                if key not in writers:
                    writers[key] = pq.ParquetWriter(building / f"synthetic_{key}.parquet", layout, compression="zstd")
                writers[key].write_table(table.slice(begin, stop - begin))

        _write_each(batches, write)
        for writer in writers.values():
            writer.close()
        for file in building.iterdir():
            os.chmod(file, PUBLISHED_FILE_MODE)
        os.chmod(building, 0o755)
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        os.replace(building, path)
    finally:
        for writer in writers.values():
            writer.close()
        shutil.rmtree(building, ignore_errors=True)
    return path
