"""Scraping benchmark: items/s of the engine against a default Scrapy spider, same board, same run.

Run by hand (Scrapy comes with the `bench` extra):

    pip install -e '.[bench]'
    python benchmarks/bench_scrape.py                  # 2000 postings per source (6000 items), 5 rounds
    python benchmarks/bench_scrape.py --postings 500 --repeat 1    # a smoke test

Budget (DESIGN.md, "Performance budgets"): the engine's items/s at least 2x
a default Scrapy spider doing the same extraction on the same board in the
same run; aim for 4x (bare aiohttp plus selectolax measured 7x, so what
decides is the engine's own overhead).

What is measured:

- One demo board, `python -m scraper_tui.demo --postings N` on 127.0.0.1, in
  its own process: neither contender shares an event loop or a CPU thread
  with the server, and both pay the same server cost. It serves the three
  demo sources (signature, flygosh, indigo), N postings each, 20/25/30 per
  page, so 3 x N items over about N/8 pages.
- The engine: `scraper_tui.scraping` as the app runs it, one `Fetcher` with
  the demo config's settings (16 requests in flight, 8 per host, robots.txt
  obeyed, retries on) and the three demo scrapers crawled concurrently with
  `make_crawl`, items taken from the `ItemsEvent`s. Only `max_pages` and
  `max_jobs` are raised so that every posting is reachable. Items are
  counted, not stored: the store has its own benchmark (bench_store.py).
- Scrapy: `benchmarks/scrapy_demo_spider.py`, one spider with the same
  start URLs, the same CSS selectors (taken from the same parsed config),
  the same cleaning and the same next links, yielding the same fields; the
  default settings except the concurrency above, robots.txt obeyed, no
  delay, autothrottle, HTTP cache or telnet console.
- Each contender runs in a fresh subprocess (the engine too: the same cold
  start as Scrapy, no state carried from one round to the next, and the
  Twisted reactor never meets asyncio in one process). Each times the crawl
  itself inside its process: Scrapy from `spider_opened` to `spider_closed`,
  the engine from opening the Fetcher to closing it once the three crawls
  ended; interpreter start-up and imports are not counted on either side.
- Rounds alternate the contenders (the first one alternates too); the
  median of the rounds' items/s is reported, with the ratio engine/scrapy
  (the budget). Both contenders are CPU-bound, so a busy machine shows up as
  wall time above CPU time; the ratio of items per CPU second is printed
  too, as a cross-check that is less sensitive to other load.
- Correctness: each contender must return all 3 x N postings, and the items
  it returns (source, title, url, external_id, company, location,
  posted_at) must be the board's postings exactly (a digest is compared);
  a WARNING line says when not, and the exit status is then 1.

`--profile-engine FILE` runs one more engine crawl under cProfile, writes
the pstats to FILE and prints the functions with the most own time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
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
UNLIMITED = {"max_pages": 1_000_000, "max_jobs": 1_000_000_000}


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


# -- running the contenders -------------------------------------------------------


def run_contender(name: str, board: Board, spec_file: str, profile: str | None = None) -> dict[str, Any]:
    if name == "engine":
        cmd = [sys.executable, str(Path(__file__).resolve()), "--engine-worker", board.url]
        if profile:
            cmd += ["--profile-engine", profile]
    else:
        cmd = [sys.executable, str(SPIDER), spec_file]
    board_cpu = board.cpu_seconds()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    board_cpu = board.cpu_seconds() - board_cpu
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{name} failed with exit status {done.returncode}")
    if done.stderr.strip():  # warnings, tracebacks in callbacks: show them, they may explain a count
        sys.stderr.write(f"[{name} stderr]\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["board_cpu_seconds"] = board_cpu
    result["items_per_s"] = result["items"] / result["seconds"] if result["seconds"] > 0 else 0.0
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, default=2000, metavar="N",
                        help="postings per source on the board (default 2000: 6000 items)")
    parser.add_argument("--repeat", type=int, default=5, metavar="R", help="rounds, each runs both (default 5)")
    parser.add_argument("--port", type=int, default=0, help="board port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--profile-engine", metavar="FILE",
                        help="after the rounds, run the engine once more under cProfile into FILE")
    parser.add_argument("--engine-worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_worker:
        return engine_worker(args.engine_worker, args.profile_engine)
    if args.postings < 1 or args.repeat < 1:
        parser.error("--postings and --repeat must be at least 1")

    try:
        import scrapy
    except ImportError:
        parser.error("Scrapy is not installed: pip install -e '.[bench]'")

    board = Board(args.postings, args.port)
    failures: list[str] = []
    spec_file = None
    try:
        want_items, want_digest = expected(board.url, args.postings)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(scrapy_spec(board.url), f)
            spec_file = f.name
        print(f"demo board {board.url} in process {board.process.pid}: {args.postings} postings x 3 sources "
              f"= {want_items} items; scrapy {scrapy.__version__}, python {sys.version.split()[0]}, "
              f"{os.cpu_count()} cpus")
        runs: dict[str, list[dict[str, Any]]] = {"engine": [], "scrapy": []}
        for round_ in range(1, args.repeat + 1):
            order = ("engine", "scrapy") if round_ % 2 else ("scrapy", "engine")
            for name in order:
                r = run_contender(name, board, spec_file)
                runs[name].append(r)
                print(f"round {round_} {name:6}: {r['items']:6d} items {r['pages']:4d} pages "
                      f"{r['seconds']:7.3f} s {r['items_per_s']:9.0f} items/s   "
                      f"cpu {r['cpu_seconds']:6.3f} s, board cpu {r['board_cpu_seconds']:6.3f} s")
                if r["items"] != want_items:
                    failures.append(f"{name} round {round_}: {r['items']} items, expected {want_items} "
                                    f"(per source {r['per_source']})")
                elif r["digest"] != want_digest:
                    failures.append(f"{name} round {round_}: the items differ from the board's postings")

        print()
        medians = {}
        for name, results in runs.items():
            rate = statistics.median(r["items_per_s"] for r in results)
            medians[name] = rate
            print(f"{name:6}: {statistics.median(r['items'] for r in results):6.0f} items "
                  f"{statistics.median(r['seconds'] for r in results):7.3f} s "
                  f"{rate:9.0f} items/s (median of {len(results)}), "
                  f"cpu {statistics.median(r['cpu_seconds'] for r in results):.3f} s")
        ratio = medians["engine"] / medians["scrapy"] if medians["scrapy"] else float("inf")
        verdict = "ok" if ratio >= AIM else "within budget, short of the aim" if ratio >= BUDGET else "OVER BUDGET"
        print(f"ratio engine/scrapy: {ratio:.2f}x   budget >= {BUDGET:g}x, aim {AIM:g}x: {verdict}")
        cpu_rates = {name: statistics.median(r["items"] / r["cpu_seconds"] for r in results if r["cpu_seconds"] > 0)
                     for name, results in runs.items()}
        print(f"items per CPU second: engine {cpu_rates['engine']:.0f}, scrapy {cpu_rates['scrapy']:.0f}, "
              f"ratio {cpu_rates['engine'] / cpu_rates['scrapy']:.2f}x (cross-check, not the budget)")
        for failure in failures:
            print(f"WARNING: {failure}")

        if args.profile_engine:
            run_contender("engine", board, spec_file, profile=args.profile_engine)
            import pstats

            print(f"\nengine under cProfile -> {args.profile_engine} (top own time):")
            pstats.Stats(args.profile_engine).sort_stats("tottime").print_stats(25)
    finally:
        board.stop()
        if spec_file is not None:
            os.unlink(spec_file)
    return 0 if ratio >= BUDGET and not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
