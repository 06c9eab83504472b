"""Store benchmark: batch writes against raw sqlite3 and the ORM, stats and history at scale.

Run by hand (this machine is small and noisy, so every figure is paired with
a baseline measured in the same run and reported as a ratio):

    pip install -e '.[bench]'
    python benchmarks/bench_store.py            # 1M jobs / 100k runs
    python benchmarks/bench_store.py --quick    # 100k jobs / 10k runs, for a smoke test

Budgets (DESIGN.md): BatchProcessor at least 60% of raw executemany upsert
rows/s and at least 50x an ORM commit per row; stats under 2 ms uncached and
under 20 us cached; any history page under 2 ms, page 4000 within 1.2x of
page 1.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, create_engine

from scraper_tui.cache import CacheManager
from scraper_tui.store import BatchProcessor, Job, Store, queries, records
from scraper_tui.store.batch import JOB_COLUMNS, content_hash, data_json

SOURCES = ("signature", "flygosh", "indigo")


def posting(n: int, source: str) -> dict[str, str]:
    return {
        "external_id": f"{source}-{n}",
        "title": f"Senior Engineer {n}",
        "company": f"Company {n % 997}",
        "location": ("Berlin", "Lisbon", "Remote")[n % 3],
        "url": f"https://jobs.example.org/{source}/{n}",
        "posted_at": "2026-11-01",
        "salary": f"{40 + n % 90}k",
    }


async def fresh_store(directory: Path, name: str) -> Store:
    return await Store.open(directory / f"{name}.db")


def raw_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


RAW_UPSERT = (
    "INSERT INTO job (source, external_id, title, company, location, url, posted_at, data, content_hash, "
    "first_seen_at, last_seen_at, first_run_id, last_run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (source, external_id) DO UPDATE SET title=excluded.title, company=excluded.company, "
    "location=excluded.location, url=excluded.url, posted_at=excluded.posted_at, data=excluded.data, "
    "content_hash=excluded.content_hash, last_seen_at=excluded.last_seen_at, last_run_id=excluded.last_run_id, "
    "removed_at=NULL"
)


def _raw_rows(jobs: list[dict[str, str]], source: str) -> list[tuple[object, ...]]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for job in jobs:
        values = tuple(job[k] for k in JOB_COLUMNS)
        data = data_json(job)
        rows.append((source, job["external_id"], *values, data, content_hash(values, data), now, now, None, None))
    return rows


async def _batch_rate(directory: Path, name: str, jobs: list[dict[str, str]], batch_size: int) -> float:
    store = await fresh_store(directory, name)
    started = time.perf_counter()
    async with BatchProcessor(store, batch_size=batch_size, flush_interval=60) as batch:
        for job in jobs:
            await batch.add_job(job, "signature")
    rate = len(jobs) / (time.perf_counter() - started)
    await store.close()
    return rate


async def _raw_rate(directory: Path, name: str, jobs: list[dict[str, str]], batch_size: int, *, prebuilt: bool) -> float:
    """Raw executemany upserts into the same table.

    The baseline writes the same rows with nothing in between: it turns each
    dict into a tuple (with the same JSON and content hash, so the table ends
    up identical) and upserts them by executemany. It tells nothing apart: no
    created/updated counts, no roll-ups. With `prebuilt` the tuples are made
    before the clock starts: the database alone.
    """
    store = await fresh_store(directory, name)
    await store.close()
    conn = raw_connection(directory / f"{name}.db")
    prepared_all = _raw_rows(jobs, "signature") if prebuilt else []
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    started = time.perf_counter()
    for start in range(0, len(jobs), batch_size):
        if prebuilt:
            prepared = prepared_all[start : start + batch_size]
        else:
            prepared = []
            for job in jobs[start : start + batch_size]:
                values = tuple(job[k] for k in JOB_COLUMNS)
                data = data_json(job)
                prepared.append(("signature", job["external_id"], *values, data, content_hash(values, data),
                                 now, now, None, None))  # fmt: skip
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(RAW_UPSERT, prepared)
        conn.execute("COMMIT")
    rate = len(jobs) / (time.perf_counter() - started)
    conn.close()
    return rate


def _orm_rate(directory: Path, jobs: list[dict[str, str]]) -> float:
    """One ORM add and commit per row, as the guide's starting point did."""
    engine = create_engine(f"sqlite:///{directory / 'orm.db'}")
    now = datetime.now(UTC)
    started = time.perf_counter()
    with Session(engine) as session:
        for job in jobs:
            values = {k: job[k] for k in JOB_COLUMNS}
            session.add(Job(source="signature", external_id=job["external_id"], data={"salary": job["salary"]},
                            content_hash=content_hash(tuple(values.values()), data_json(job)), first_seen_at=now,
                            last_seen_at=now, **values))  # fmt: skip
            session.commit()
    rate = len(jobs) / (time.perf_counter() - started)
    engine.dispose()
    return rate


async def bench_writes(directory: Path, rows: int, batch_size: int, rounds: int = 3) -> dict[str, float]:
    """Medians over rounds that alternate the contenders, so warm-up and noise fall on all of them."""
    jobs = [posting(n, "signature") for n in range(rows)]
    rates: dict[str, list[float]] = {"batch": [], "raw": [], "db_only": []}
    for round_ in range(rounds):
        rates["raw"].append(await _raw_rate(directory, f"raw{round_}", jobs, batch_size, prebuilt=False))
        rates["batch"].append(await _batch_rate(directory, f"batch{round_}", jobs, batch_size))
        rates["db_only"].append(await _raw_rate(directory, f"db{round_}", jobs, batch_size, prebuilt=True))
    store = await fresh_store(directory, "orm")
    await store.close()
    orm_rows = max(200, rows // 50)
    result = {name: statistics.median(values) for name, values in rates.items()}
    return result | {"orm": _orm_rate(directory, jobs[:orm_rows]), "orm_rows": orm_rows}


def generate(path: Path, jobs: int, runs: int) -> None:
    """Fill a fresh store with executemany: plausible runs over several scrapers, and jobs."""
    rng = random.Random(7)
    conn = raw_connection(path)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    seq: dict[str, int] = {}
    run_rows = []
    for run_id in range(1, runs + 1):
        name = SOURCES[run_id % 3]
        seq[name] = seq.get(name, 0) + 1
        began = start + timedelta(minutes=5 * run_id)
        status = rng.choices(("completed", "failed", "cancelled"), (90, 8, 2))[0]
        seconds = round(rng.uniform(5, 120), 3)
        run_rows.append((run_id, name, seq[name], name, status, "schedule", began.strftime("%Y-%m-%d %H:%M:%S.%f"),
                         (began + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f"), seconds,
                         rng.randint(1, 50), rng.randint(0, 1000), "{}"))  # fmt: skip
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO run (id, scraper_name, scraper_seq, source, status, \"trigger\", started_at, finished_at, "
        "execution_time, pages_scraped, jobs_found, details, jobs_created, jobs_updated, jobs_unchanged, "
        "jobs_removed, errors, complete) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,0,0,0,0,1)",
        run_rows,
    )
    conn.execute("COMMIT")
    per_source = jobs // len(SOURCES)
    for source in SOURCES:
        block = [posting(n, source) for n in range(per_source)]
        for begin in range(0, per_source, 50_000):
            conn.execute("BEGIN")
            conn.executemany(RAW_UPSERT, _raw_rows(block[begin : begin + 50_000], source))
            conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> float:
    """Median seconds of `repeat` calls, after one warm-up."""
    await call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def bench_reads(directory: Path, jobs: int, runs: int, repeat: int) -> dict[str, float]:
    path = directory / "big.db"
    store = await Store.open(path)
    await store.close()
    began = time.perf_counter()
    generate(path, jobs, runs)
    store = await Store.open(path)
    await store.run_write(records.rebuild_counters)
    print(f"  generated {jobs:,} jobs and {runs:,} runs in {time.perf_counter() - began:.1f} s")

    cache = CacheManager(store)

    async def uncached() -> None:
        cache.invalidate_all_stats()
        await cache.get_scraper_stats()

    async def page(number: int, **filters: str) -> Callable[[], Awaitable[object]]:
        async def call() -> object:
            return await store.run_read(queries.history, number, 20, **filters)

        return call

    last_page = (runs + 19) // 20
    deep = min(4000, last_page)
    results = {
        "stats_uncached": await timed(uncached, repeat),
        "stats_cached": await timed(cache.get_scraper_stats, repeat * 10),
        "page_1": await timed(await page(1), repeat),
        "page_deep": await timed(await page(deep), repeat),
        "page_last": await timed(await page(last_page), repeat),
        "scraper_page_deep": await timed(await page(deep // 3, scraper="indigo"), repeat),
        "deep_page_number": deep,
    }
    failed_pages = (await store.run_read(queries.history, 1, 20, status="failed"))["num_pages"]
    results["status_page_deep"] = await timed(await page(failed_pages, status="failed"), repeat)
    results["status_page_number"] = failed_pages
    await store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k jobs / 10k runs instead of 1M / 100k")
    parser.add_argument("--rows", type=int, default=50_000, help="rows for the write benchmark")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    jobs, runs = (100_000, 10_000) if args.quick else (1_000_000, 100_000)

    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        directory = Path(tmp)
        print(f"writes: {args.rows:,} rows, batches of {args.batch_size}, medians of 3 alternating rounds")
        w = asyncio.run(bench_writes(directory, args.rows, args.batch_size))
        print(f"  BatchProcessor          {w['batch']:>10,.0f} rows/s")
        print(f"  raw sqlite3 executemany {w['raw']:>10,.0f} rows/s  (same rows: tuples, JSON and hash made in the loop)")
        print(f"  database alone          {w['db_only']:>10,.0f} rows/s  (tuples made before timing)")
        print(f"  ORM commit per row      {w['orm']:>10,.0f} rows/s  ({w['orm_rows']:,.0f} rows)")
        print(f"  batch / raw = {w['batch'] / w['raw']:.2f}  (budget >= 0.60)")
        print(f"  batch / database alone = {w['batch'] / w['db_only']:.2f}")
        print(f"  batch / ORM = {w['batch'] / w['orm']:.0f}x  (budget >= 50x)")

        print(f"reads: {jobs:,} jobs, {runs:,} runs")
        r = asyncio.run(bench_reads(directory, jobs, runs, args.repeat))
        ms = 1000.0
        print(f"  stats uncached          {r['stats_uncached'] * ms:8.3f} ms  (budget < 2 ms)")
        print(f"  stats cached            {r['stats_cached'] * 1e6:8.1f} us  (budget < 20 us)")
        print(f"  history page 1          {r['page_1'] * ms:8.3f} ms")
        print(f"  history page {r['deep_page_number']:<10}{r['page_deep'] * ms:8.3f} ms  "
              f"ratio {r['page_deep'] / r['page_1']:.2f}  (budget <= 1.2, < 2 ms)")  # fmt: skip
        print(f"  history last page       {r['page_last'] * ms:8.3f} ms")
        print(f"  history scraper deep    {r['scraper_page_deep'] * ms:8.3f} ms")
        print(f"  history status=failed, last page {r['status_page_number']}: {r['status_page_deep'] * ms:.3f} ms"
              " (status filters skip index entries)")  # fmt: skip


if __name__ == "__main__":
    main()
