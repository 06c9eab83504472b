"""Scraping benchmark: the engine against a default Scrapy spider, same board, same run.

Run by hand (Scrapy comes with the `bench` extra):

    pip install -e '.[bench]'
    python benchmarks/bench_scrape.py                  # 2000 postings per source (6000 items), 5 rounds
    python benchmarks/bench_scrape.py --postings 500 --repeat 1    # a smoke test

Budgets (DESIGN.md, "Performance budgets"):

- extraction: the engine's items/s at least 2x a default Scrapy spider doing
  the same extraction on the same board in the same run; aim for 4x (bare
  aiohttp plus selectolax measured 7x, so what decides is the engine's own
  overhead);
- the whole run with the writes: `scraper-tui --run` (fetch, extract, batch
  writes, run accounting) at least 2x the items/s of the same Scrapy spider
  storing the same items in SQLite through an item pipeline;
- event-loop lag during a run: p99 under 50 ms.

What is measured:

- One demo board, `python -m scraper_tui.demo --postings N` on 127.0.0.1, in
  its own process: no contender shares an event loop or a CPU thread with
  the server, and all pay the same server cost. It serves the three demo
  sources (signature, flygosh, indigo), N postings each, 20/25/30 per page,
  so 3 x N items over about N/8 pages.
- Five contenders, each in a fresh subprocess (a cold start each time, no
  state carried from one round to the next, and the Twisted reactor never
  meets asyncio in one process):
  - `engine` (extraction only): `scraper_tui.scraping` as the app runs it,
    one `Fetcher` with the demo config's settings (16 requests in flight, 8
    per host, robots.txt obeyed, retries on) and the three demo scrapers
    crawled concurrently with `make_crawl`, items taken from the
    `ItemsEvent`s and counted, not stored. Timed from opening the Fetcher to
    closing it once the three crawls ended.
  - `scrapy` (extraction only): `benchmarks/scrapy_demo_spider.py`, one
    spider with the same start URLs, the same CSS selectors (taken from the
    same parsed config), the same cleaning and the same next links, yielding
    the same fields; the default settings except the concurrency above,
    robots.txt obeyed, no delay, autothrottle, HTTP cache or telnet console.
    Timed from `spider_opened` to `spider_closed`.
  - `run` (the whole run, with writes): `scraper-tui --run --json --config
    CONFIG --db FRESH_DB`, CONFIG being the demo config
    (`scraper_tui.demo.write_demo_config`) with only `max_pages` and
    `max_jobs` raised so that every posting is reachable, FRESH_DB a new
    file. Everything the command does: fetch, extract, the BatchProcessor's
    writes (jobs and scraped URLs), run rows, heartbeats, the end-of-run
    transaction with its alert rules. Timed here, in the parent, from
    reading its first `started` line on stdout to reading its `summary`
    line, so that interpreter start-up, imports and opening the database are
    not counted (as for Scrapy); the whole process's wall and CPU time are
    printed too (its CPU time is only known for the whole process).
  - `scrapy+sqlite` (the whole run, with writes): the same spider with
    `--sqlite FRESH_DB`: its `SQLitePipeline` upserts every item into a
    `job` table with the engine's columns (WAL, synchronous=NORMAL, a commit
    every 100 items). Timed from `spider_opened` to `spider_closed`, which
    includes the pipeline's last commit and close.
  - `service` (event-loop lag): a driver in this file (`--service-worker`)
    that opens `ScraperService.open(FRESH_DB, config=CONFIG)` in-process,
    starts a ticker task that sleeps 10 ms again and again and records how
    late each wake-up is (and when, from the ticker's start: the late ones
    are printed with it), starts the three scrapers with
    `service.start_run(name)` and waits with `service.wait_runs()`. The
    lags of all rounds are pooled for p50/p99/max (a round of ~0.7 s gives
    only ~50 wake-ups, too few for a p99 of its own); its items/s are
    printed as a cross-check of `run`'s.
- Rounds alternate the order of the contenders (forward, then backward);
  the median of the rounds' items/s is reported, with the ratios (the
  budgets). The contenders are CPU-bound, so a busy machine shows up as wall
  time above CPU time; items per CPU second are printed too, as a
  cross-check that is less sensitive to other load.
- Correctness: each contender must return all 3 x N postings, and the items
  (source, title, url, external_id, company, location, posted_at) must be
  the board's postings exactly (a digest is compared); for the contenders
  that write, the rows in the database are counted and digested as well.
  A WARNING line says when not, and the exit status is then 1.

`--profile-engine FILE` runs one more extraction-only engine crawl under
cProfile, `--profile-service FILE` one more `service` run (the whole run,
writes included), writes the pstats to FILE and prints the functions with
the most own time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SPIDER = HERE / "scrapy_demo_spider.py"
BUDGET, AIM = 2.0, 4.0
RUN_BUDGET = 2.0
LAG_BUDGET_MS = 50.0
TICK = 0.010
UNLIMITED = {"max_pages": 1_000_000, "max_jobs": 1_000_000_000}
CONTENDERS = ("engine", "scrapy", "run", "scrapy+sqlite", "service")
JOB_COLUMNS = ("external_id", "title", "company", "location", "url", "posted_at")


def items_digest(items: list[tuple[str, dict[str, str]]]) -> str:
    """Order-independent digest of (source, item) pairs; the same as scrapy_demo_spider.items_digest."""
    lines = sorted(json.dumps([source, sorted(item.items())], ensure_ascii=False) for source, item in items)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# -- the engine, in its own process ----------------------------------------------


def _engine_scrapers(board_url: str) -> tuple[Any, list[Any]]:
    from scraper_tui.config import parse_config
    from scraper_tui.demo import demo_config_text

    config = parse_config(demo_config_text(board_url))
    return config.settings, [s.model_copy(update=UNLIMITED) for s in config.scrapers.values()]


async def _engine_crawl(board_url: str, profiler: Any = None) -> dict[str, Any]:
    from scraper_tui.scraping import Fetcher, ItemsEvent, make_crawl

    settings, scrapers = _engine_scrapers(board_url)

    async def crawl_one(fetcher: Fetcher, scraper: Any) -> tuple[str, list[dict[str, str]], Any]:
        crawl = make_crawl(scraper, fetcher)
        items: list[dict[str, str]] = []
        async for event in crawl:
            if isinstance(event, ItemsEvent):
                items.extend(event.items)
        return scraper.source, items, crawl.summary

    if profiler is not None:
        profiler.enable()
    start, cpu_start = time.perf_counter(), time.process_time()
    async with Fetcher(settings) as fetcher:
        results = await asyncio.gather(*(crawl_one(fetcher, s) for s in scrapers))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    if profiler is not None:
        profiler.disable()

    pairs = [(source, item) for source, items, _ in results for item in items]
    return {
        "contender": "engine",
        "items": len(pairs),
        "per_source": {source: len(items) for source, items, _ in results},
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "pages": sum(summary.pages for _, _, summary in results),
        "stopped_by": {source: summary.stopped_by for source, _, summary in results},
        "errors": sum(summary.errors for _, _, summary in results),
        "digest": items_digest(pairs),
    }


def engine_worker(board_url: str, profile: str | None) -> int:
    """`--engine-worker URL`: one engine crawl of the board, one JSON line on stdout."""
    if profile:
        import cProfile

        profiler = cProfile.Profile()  # the timed part only, as the figures are
        result = asyncio.run(_engine_crawl(board_url, profiler))
        profiler.dump_stats(profile)
    else:
        result = asyncio.run(_engine_crawl(board_url))
    print(json.dumps(result), flush=True)
    return 0


# -- the service, in its own process, with an event-loop lag ticker ----------------


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


async def _service_run(config_path: str, db_path: str, profiler: Any = None) -> dict[str, Any]:
    from scraper_tui.config import load_config
    from scraper_tui.service import ScraperService

    config = load_config(config_path)
    names = [scraper.name for scraper in config.enabled_scrapers()]
    lags: list[float] = []
    lag_at: list[float] = []
    first_started: list[float] = []
    finished: list[dict[str, Any]] = []
    running = True

    async def ticker() -> None:
        began = time.perf_counter()
        while running:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append(time.perf_counter() - before - TICK)
            lag_at.append(before - began)

    def on_event(event: Any) -> None:
        if event.kind == "started" and not first_started:
            first_started.append(time.perf_counter())
        elif event.kind == "finished":
            finished.append(event.data)

    service = await ScraperService.open(db_path, config=config)
    try:
        service.subscribe(on_event)
        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        if profiler is not None:
            profiler.enable()
        start, cpu_start = time.perf_counter(), time.process_time()
        run_ids = [await service.start_run(name, trigger="headless") for name in names]
        await service.wait_runs(run_ids)
        end, cpu_end = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.disable()
        running = False
        await tick
    finally:
        await service.close()
    began = first_started[0] if first_started else start
    return {
        "contender": "service",
        "items": sum(run["jobs_found"] for run in finished),
        "statuses": sorted(run["status"] for run in finished),
        "pages": sum(run["pages"] for run in finished),
        "seconds": end - began,
        "cpu_seconds": cpu_end - cpu_start,
        "lags_ms": [round(lag * 1000, 3) for lag in lags],
        "lag_at_s": [round(at, 4) for at in lag_at],
    }


def service_worker(config_path: str, db_path: str, profile: str | None) -> int:
    """`--service-worker CONFIG DB`: one in-process service run, one JSON line on stdout."""
    if profile:
        import cProfile

        profiler = cProfile.Profile()  # the runs only: not opening the database, not closing it
        result = asyncio.run(_service_run(config_path, db_path, profiler))
        profiler.dump_stats(profile)
    else:
        result = asyncio.run(_service_run(config_path, db_path))
    print(json.dumps(result), flush=True)
    return 0


# -- the board ---------------------------------------------------------------------


class Board:
    """`python -m scraper_tui.demo` in a subprocess on 127.0.0.1."""

    def __init__(self, postings: int, port: int) -> None:
        self.postings = postings
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scraper_tui.demo", "--host", "127.0.0.1", "--port", str(port),
             "--postings", str(postings)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.url = self._read_url(timeout=30.0)
        self._wait_until_answering(timeout=30.0)

    def _read_url(self, timeout: float) -> str:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not line or not line[0].startswith("http://127.0.0.1:"):
            self.stop()
            raise SystemExit(f"the demo board did not start (said {line[0].strip() if line else 'nothing'!r})")
        return line[0].strip().rstrip("/")

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/robots.txt", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise SystemExit(f"the demo board at {self.url} does not answer")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        import psutil

        try:
            times = psutil.Process(self.process.pid).cpu_times()
        except psutil.Error:
            return float("nan")
        return times.user + times.system

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def scrapy_spec(board_url: str) -> dict[str, Any]:
    """What the spider needs of each demo scraper, from the same parsed config as the engine's."""
    _, scrapers = _engine_scrapers(board_url)
    return {
        s.source: {
            "start_urls": [str(u) for u in s.start_urls],
            "item": s.item,
            "fields": {name: [spec.css, spec.attr] for name, spec in s.fields.items()},
            "next_page": [s.next_page.css, s.next_page.attr] if s.next_page else None,
        }
        for s in scrapers
    }


def expected(board_url: str, postings: int) -> tuple[int, str]:
    """Items the board holds (3 x N) and the digest of them as the config's fields extract them."""
    from scraper_tui.demo import SOURCES, generate_postings

    _, scrapers = _engine_scrapers(board_url)
    fields = {s.source: list(s.fields) for s in scrapers}
    pairs = [(source, {f: getattr(p, f) for f in fields[source]})
             for source in SOURCES for p in generate_postings(source, postings, base_url=board_url)]
    return len(pairs), items_digest(pairs)


def write_run_config(path: Path, board_url: str) -> Path:
    """The demo config for `board_url` with max_pages and max_jobs raised so that every posting is reachable."""
    from scraper_tui.config import load_config
    from scraper_tui.demo import write_demo_config

    write_demo_config(path, board_url)
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^max_pages = \d+$", f"max_pages = {UNLIMITED['max_pages']}", text)
    text = re.sub(r"(?m)^max_jobs = \d+$", f"max_jobs = {UNLIMITED['max_jobs']}", text)
    path.write_text(text, encoding="utf-8")
    for scraper in load_config(path).scrapers.values():  # the file says what we meant
        assert (scraper.max_pages, scraper.max_jobs) == (UNLIMITED["max_pages"], UNLIMITED["max_jobs"]), scraper.name
    return path


def stored_jobs(db_path: Path, fields: dict[str, list[str]]) -> tuple[int, str]:
    """Rows in the `job` table of `db_path` and the digest of them as items (the configured fields)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute(f"SELECT source, {', '.join(JOB_COLUMNS)} FROM job").fetchall()
    finally:
        conn.close()
    pairs = []
    for source, *values in rows:
        item = {name: value for name, value in zip(JOB_COLUMNS, values) if value is not None}
        pairs.append((source, {name: value for name, value in item.items() if name in fields[source]}))
    return len(rows), items_digest(pairs)


def scraper_tui_command() -> list[str]:
    """`scraper-tui` of this interpreter (not a shim in front of it), else `python -m scraper_tui`."""
    script = Path(sys.executable).with_name("scraper-tui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scraper_tui"]


# -- running the contenders -------------------------------------------------------


class Workdir:
    """Where a benchmark keeps its spec, config and fresh databases; removed at the end."""

    def __init__(self, board: Board) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="bench_scrape_"))
        self.spec_file = self.path / "spec.json"
        self.spec_file.write_text(json.dumps(scrapy_spec(board.url)), encoding="utf-8")
        self.config_file = write_run_config(self.path / "scrapers.toml", board.url)
        _, scrapers = _engine_scrapers(board.url)
        self.fields = {s.source: list(s.fields) for s in scrapers}
        self._databases = 0

    def fresh_db(self, name: str) -> Path:
        self._databases += 1
        return self.path / f"{name.replace('+', '-')}-{self._databases}.db"

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_cli(work: Workdir, db: Path) -> dict[str, Any]:
    """`scraper-tui --run --json` as cron would run it, timed from its first `started` line to its `summary`."""
    cmd = [*scraper_tui_command(), "--run", "--json", "--config", str(work.config_file), "--db", str(db)]
    first_started = summary_at = None
    summary: dict[str, Any] = {}
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1)
        assert process.stdout is not None
        for line in process.stdout:
            now = time.perf_counter()
            event = json.loads(line)
            if event.get("event") == "started" and first_started is None:
                first_started = now
            elif event.get("event") == "summary":
                summary_at, summary = now, event
        returncode = process.wait(900)
        stderr.seek(0)
        errors = stderr.read()
    if returncode != 0 or first_started is None or summary_at is None:
        sys.stderr.write(errors)
        raise SystemExit(f"{' '.join(cmd)} failed with exit status {returncode}")
    if errors.strip():
        sys.stderr.write(f"[run stderr]\n{errors}")
    runs = summary.get("runs", [])
    return {
        "contender": "run",
        "items": sum(run["jobs_found"] for run in runs),
        "statuses": sorted(run["status"] for run in runs),
        "pages": sum(run["pages"] for run in runs),
        "seconds": summary_at - first_started,
        "exit_code": summary.get("exit_code"),
    }


def run_contender(name: str, board: Board, work: Workdir, profile: str | None = None) -> dict[str, Any]:
    """One round of one contender in a fresh process; its figures, and for a writer the rows it stored."""
    here = str(Path(__file__).resolve())
    db = work.fresh_db(name) if name in ("run", "scrapy+sqlite", "service") else None
    if name == "engine":
        cmd = [sys.executable, here, "--engine-worker", board.url]
        if profile:
            cmd += ["--profile-engine", profile]
    elif name == "scrapy":
        cmd = [sys.executable, str(SPIDER), str(work.spec_file)]
    elif name == "scrapy+sqlite":
        cmd = [sys.executable, str(SPIDER), str(work.spec_file), "--sqlite", str(db)]
    elif name == "service":
        cmd = [sys.executable, here, "--service-worker", str(work.config_file), str(db)]
        if profile:
            cmd += ["--profile-service", profile]
    board_cpu, cpu = board.cpu_seconds(), _children_cpu()
    began = time.perf_counter()
    if name == "run":
        assert db is not None
        result = _run_cli(work, db)
    else:
        done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"{name} failed with exit status {done.returncode}")
        if done.stderr.strip():  # warnings, tracebacks in callbacks: show them, they may explain a count
            sys.stderr.write(f"[{name} stderr]\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - began
    result["process_cpu_seconds"] = _children_cpu() - cpu
    result["board_cpu_seconds"] = board.cpu_seconds() - board_cpu
    if "cpu_seconds" not in result:  # the command line: only its whole process is known
        result["cpu_seconds"] = result["process_cpu_seconds"]
    result["items_per_s"] = result["items"] / result["seconds"] if result["seconds"] > 0 else 0.0
    if db is not None:
        result["stored"], result["stored_digest"] = stored_jobs(db, work.fields)
    return result


def check(name: str, round_: int, r: dict[str, Any], want_items: int, want_digest: str) -> list[str]:
    """What is wrong with one round's result, if anything."""
    failures = []
    where = f"{name} round {round_}"
    if r["items"] != want_items:
        failures.append(f"{where}: {r['items']} items, expected {want_items} (per source {r.get('per_source')})")
    elif "digest" in r and r["digest"] != want_digest:
        failures.append(f"{where}: the items differ from the board's postings")
    if "stored" in r:
        if r["stored"] != want_items:
            failures.append(f"{where}: {r['stored']} jobs in the database, expected {want_items}")
        elif r["stored_digest"] != want_digest:
            failures.append(f"{where}: the stored jobs differ from the board's postings")
    if any(status != "completed" for status in r.get("statuses", ())):
        failures.append(f"{where}: runs ended {r['statuses']}")
    if r.get("exit_code", 0) != 0:
        failures.append(f"{where}: exit code {r['exit_code']}")
    return failures


def _verdict(ratio: float, budget: float, aim: float | None = None) -> str:
    if ratio < budget:
        return "OVER BUDGET"
    if aim is not None and ratio < aim:
        return "within budget, short of the aim"
    return "ok"


def _print_profile(path: str, title: str) -> None:
    import pstats

    print(f"\n{title} under cProfile -> {path} (top own time):")
    pstats.Stats(path).sort_stats("tottime").print_stats(25)
    print(f"{title} under cProfile (top cumulative time):")
    pstats.Stats(path).sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, default=2000, metavar="N",
                        help="postings per source on the board (default 2000: 6000 items)")
    parser.add_argument("--repeat", type=int, default=5, metavar="R", help="rounds, each runs all (default 5)")
    parser.add_argument("--port", type=int, default=0, help="board port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--profile-engine", metavar="FILE",
                        help="after the rounds, run the extraction-only engine once more under cProfile into FILE")
    parser.add_argument("--profile-service", metavar="FILE",
                        help="after the rounds, run the in-process service once more under cProfile into FILE")
    parser.add_argument("--engine-worker", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--service-worker", nargs=2, metavar=("CONFIG", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_worker:
        return engine_worker(args.engine_worker, args.profile_engine)
    if args.service_worker:
        return service_worker(*args.service_worker, args.profile_service)
    if args.postings < 1 or args.repeat < 1:
        parser.error("--postings and --repeat must be at least 1")

    try:
        import scrapy
    except ImportError:
        parser.error("Scrapy is not installed: pip install -e '.[bench]'")

    board = Board(args.postings, args.port)
    failures: list[str] = []
    work = None
    try:
        want_items, want_digest = expected(board.url, args.postings)
        work = Workdir(board)
        print(f"demo board {board.url} in process {board.process.pid}: {args.postings} postings x 3 sources "
              f"= {want_items} items; scrapy {scrapy.__version__}, python {sys.version.split()[0]}, "
              f"{os.cpu_count()} cpus")
        print(f"run: {' '.join(scraper_tui_command())} --run --json --config CONFIG --db FRESH_DB")
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
        for round_ in range(1, args.repeat + 1):
            order = CONTENDERS if round_ % 2 else CONTENDERS[::-1]
            for name in order:
                r = run_contender(name, board, work)
                runs[name].append(r)
                line = (f"round {round_} {name:13}: {r['items']:6d} items {r['pages']:4d} pages "
                        f"{r['seconds']:7.3f} s {r['items_per_s']:9.0f} items/s   "
                        f"cpu {r['cpu_seconds']:6.3f} s, process wall {r['wall_seconds']:6.3f} s "
                        f"cpu {r['process_cpu_seconds']:6.3f} s, board cpu {r['board_cpu_seconds']:6.3f} s")
                if "stored" in r:
                    line += f", {r['stored']} stored"
                if "lags_ms" in r:
                    lags = r["lags_ms"]
                    line += (f", lag p50 {_percentile(lags, 50):.1f} p99 {_percentile(lags, 99):.1f} "
                             f"max {max(lags, default=float('nan')):.1f} ms ({len(lags)} ticks)")
                print(line)
                failures += check(name, round_, r, want_items, want_digest)

        print()
        medians: dict[str, float] = {}
        for name, results in runs.items():
            rate = statistics.median(r["items_per_s"] for r in results)
            medians[name] = rate
            print(f"{name:13}: {statistics.median(r['items'] for r in results):6.0f} items "
                  f"{statistics.median(r['seconds'] for r in results):7.3f} s "
                  f"{rate:9.0f} items/s (median of {len(results)}), "
                  f"cpu {statistics.median(r['cpu_seconds'] for r in results):.3f} s, "
                  f"process wall {statistics.median(r['wall_seconds'] for r in results):.3f} s")
        cpu_rates = {name: statistics.median(r["items"] / r["cpu_seconds"] for r in results if r["cpu_seconds"] > 0)
                     for name, results in runs.items()}

        def ratio_of(a: str, b: str) -> float:
            return medians[a] / medians[b] if medians[b] else float("inf")

        print("\nextraction only (items counted, not stored):")
        ratio = ratio_of("engine", "scrapy")
        print(f"  ratio engine/scrapy: {ratio:.2f}x   budget >= {BUDGET:g}x, aim {AIM:g}x: "
              f"{_verdict(ratio, BUDGET, AIM)}")
        print(f"  items per CPU second: engine {cpu_rates['engine']:.0f}, scrapy {cpu_rates['scrapy']:.0f}, "
              f"ratio {cpu_rates['engine'] / cpu_rates['scrapy']:.2f}x (cross-check, not the budget)")

        print("the whole run, writes included (scraper-tui --run vs Scrapy with a SQLite pipeline):")
        run_ratio = ratio_of("run", "scrapy+sqlite")
        print(f"  ratio run/scrapy+sqlite: {run_ratio:.2f}x   budget >= {RUN_BUDGET:g}x: "
              f"{_verdict(run_ratio, RUN_BUDGET)}")
        print(f"  in-process service: {medians['service']:.0f} items/s, "
              f"{ratio_of('service', 'scrapy+sqlite'):.2f}x scrapy+sqlite (cross-check); items per CPU second: "
              f"service {cpu_rates['service']:.0f}, scrapy+sqlite {cpu_rates['scrapy+sqlite']:.0f}, "
              f"ratio {cpu_rates['service'] / cpu_rates['scrapy+sqlite']:.2f}x")
        whole = {name: (statistics.median(r["wall_seconds"] for r in runs[name]),
                        statistics.median(r["process_cpu_seconds"] for r in runs[name]))
                 for name in ("run", "scrapy+sqlite")}  # fmt: skip
        print(f"  whole processes, start-up included: wall run {whole['run'][0]:.3f} s, "
              f"scrapy+sqlite {whole['scrapy+sqlite'][0]:.3f} s ({whole['scrapy+sqlite'][0] / whole['run'][0]:.2f}x); "
              f"cpu run {whole['run'][1]:.3f} s, scrapy+sqlite {whole['scrapy+sqlite'][1]:.3f} s "
              f"({whole['scrapy+sqlite'][1] / whole['run'][1]:.2f}x)")

        lags = [lag for r in runs["service"] for lag in r["lags_ms"]]
        p50, p99, worst = _percentile(lags, 50), _percentile(lags, 99), max(lags, default=float("nan"))
        round_p99s = [_percentile(r["lags_ms"], 99) for r in runs["service"]]
        lag_ok = p99 < LAG_BUDGET_MS
        print(f"event-loop lag during the runs ({TICK * 1000:g} ms ticker in the service's loop, "
              f"{len(lags)} wake-ups over {len(runs['service'])} rounds):")
        print(f"  p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms; per round p99 "
              + ", ".join(f"{v:.1f}" for v in round_p99s))
        late = sorted(((lag, at, i) for i, r in enumerate(runs["service"], 1)
                       for lag, at in zip(r["lags_ms"], r["lag_at_s"]) if lag >= LAG_BUDGET_MS), reverse=True)
        if late:
            print(f"  wake-ups {LAG_BUDGET_MS:g} ms or more late: {len(late)}; the worst: "
                  + ", ".join(f"{lag:.0f} ms at +{at:.2f} s (round {i})" for lag, at, i in late[:6]))
        print(f"  lag p99 < {LAG_BUDGET_MS:g} ms: {'ok' if lag_ok else 'OVER BUDGET'}")
        for failure in failures:
            print(f"WARNING: {failure}")

        if args.profile_engine:
            run_contender("engine", board, work, profile=args.profile_engine)
            _print_profile(args.profile_engine, "engine (extraction only)")
        if args.profile_service:
            run_contender("service", board, work, profile=args.profile_service)
            _print_profile(args.profile_service, "service (the whole run)")
    finally:
        board.stop()
        if work is not None:
            work.remove()
    return 0 if ratio >= BUDGET and run_ratio >= RUN_BUDGET and lag_ok and not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
