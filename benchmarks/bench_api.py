"""API benchmark: latency and requests/s of GET /api/scraper/stats/ over 1M jobs / 100k runs.

Run by hand:

    python benchmarks/bench_api.py            # 1M jobs / 100k runs
    python benchmarks/bench_api.py --quick    # 100k jobs / 10k runs, for a smoke test

The server is `scraper-tui serve` in its own process, on loopback; the load
comes from an aiohttp client in this process (the two share this machine's
cores, so the client's own cost is inside every figure).

Two kinds of load, both with 50 and 200 clients:

- closed loop: every client sends its next request as soon as the last one
  is answered, so there are always that many requests in flight. This finds
  the most requests/s; latency is then mostly queueing (Little's law:
  latency = clients / throughput), whatever the handler costs.
- paced: every client sends one request every `--interval` seconds (with a
  random start), like dashboards polling. This is "N concurrent users": the
  latency a user sees at that offered load.

Cached is the server as it runs: stats from the in-process cache while the
database is unchanged. Uncached is a second server whose stats TTL is one
microsecond, so every request reads the store (concurrent misses queue on
the cache's lock, one store read at a time, as they would after each write
to a busy database); the server's own cache counters, read from /metrics
after each measurement, show how many answers really came from the store.

Budget (DESIGN.md): p95 under 10 ms at 200 concurrent clients.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import generate  # a sibling script, not a package

from scraper_tui.store import Store, records

STATS = "/api/scraper/stats/"


async def make_database(path: Path, jobs: int, runs: int) -> None:
    store = await Store.open(path)  # the schema
    await store.close()
    generate(path, jobs, runs)
    store = await Store.open(path)
    await store.run_write(records.rebuild_counters)
    await store.close()


def write_config(path: Path, *, stats_ttl: float) -> Path:
    # retention_days: the generated runs are dated from 2025, and serve prunes at start.
    path.write_text(f"[settings]\nstats_ttl = {stats_ttl}\nretention_days = 100000\n")
    return path


@asynccontextmanager
async def server(database: Path, config: Path) -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scraper_tui", "--config", str(config), "--db", str(database), "serve", "--port", "0",
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "SCRAPER_TUI_TOKEN": ""},
    )  # fmt: skip
    try:
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=120)).decode()  # type: ignore[union-attr]
        if not line.startswith("serving on "):
            raise SystemExit(f"the server did not start: {line}{(await process.stderr.read()).decode()}")  # type: ignore[union-attr]
        yield line.split()[-1]
    finally:
        process.terminate()
        await process.wait()


async def cache_counts(session: aiohttp.ClientSession, url: str) -> tuple[int, int]:
    async with session.get(url + "/metrics") as response:
        text = await response.text()
    found = {}
    for line in text.splitlines():
        if line.startswith(("scraper_tui_cache_hits_total ", "scraper_tui_cache_misses_total ")):
            name, value = line.split()
            found[name] = int(float(value))
    return found["scraper_tui_cache_hits_total"], found["scraper_tui_cache_misses_total"]


async def handler_totals(session: aiohttp.ClientSession, url: str) -> tuple[float, int]:
    """(seconds, count) the server's stats handler has taken so far, from its summary's _sum and _count."""
    async with session.get(url + "/metrics") as response:
        text = await response.text()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if f'operation="GET {STATS}"' in line and line.startswith("scraper_tui_operation_duration_seconds_"):
            name = line.split("{", 1)[0].rsplit("_", 1)[1]
            found[name] = float(line.split()[-1])
    return found.get("sum", 0.0), int(found.get("count", 0))


async def load(
    url: str, clients: int, *, requests: int, seconds: float, interval: float | None,
    warmed: Callable[[], Awaitable[object]],
) -> dict[str, float]:
    """Drive `clients` clients until `requests` answers or `seconds` have passed; latencies in seconds.

    `warmed()` is awaited between the warm-up and the timed part.
    """
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def client() -> None:
            nonlocal failures
            if interval is not None:
                await asyncio.sleep(random.uniform(0, interval))
            while len(latencies) < requests and time.perf_counter() < deadline:
                began = time.perf_counter()
                async with session.get(url + STATS) as response:
                    await response.read()
                    ok = response.status == 200
                finished = time.perf_counter()
                latencies.append(finished - began)
                failures += not ok
                if interval is not None:
                    await asyncio.sleep(max(0.0, began + interval - finished))

        # One warm-up request per connection, so connection set-up is not timed.
        for response in await asyncio.gather(*(session.get(url + STATS) for _ in range(min(clients, 50)))):
            response.release()
        await warmed()
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "failures": failures,
        "rps": len(ordered) / elapsed,
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "p99": ordered[int(0.99 * (len(ordered) - 1))],
    }


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout
  io.write(string.format("WRK %d %d %d %f %f %f\\n", summary.requests, failed, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


async def wrk(url: str, clients: int, seconds: float) -> dict[str, float]:
    """The same closed loop from wrk, whose client costs far less CPU than Python's (if installed)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    try:
        process = await asyncio.create_subprocess_exec(
            "wrk", "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", "-s", script.name, url + STATS,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
    finally:
        os.unlink(script.name)
    line = next(line for line in out.decode().splitlines() if line.startswith("WRK "))
    requests, failed, micros, p50, p95, p99 = (float(part) for part in line.split()[1:])
    return {"requests": int(requests), "failures": int(failed), "rps": requests / (micros / 1e6),
            "p50": p50 / 1e6, "p95": p95 / 1e6, "p99": p99 / 1e6}  # fmt: skip


async def measure(url: str, label: str, args: argparse.Namespace) -> None:
    snapshot: list[object] = []
    async with aiohttp.ClientSession() as session:

        async def warmed() -> None:
            snapshot[:] = [await cache_counts(session, url), await handler_totals(session, url)]

        for kind, interval in (("paced", args.interval), ("closed", None)):
            for clients in (50, 200):

                result = await load(url, clients, requests=args.requests, seconds=args.seconds, interval=interval,
                                    warmed=warmed)  # fmt: skip
                before, handled_before = snapshot
                hits, misses = (after - earlier for after, earlier in zip(await cache_counts(session, url), before))
                handled = await handler_totals(session, url)
                handler_mean = (handled[0] - handled_before[0]) / max(1, handled[1] - handled_before[1])
                print(f"  {label:<8} {kind:<6} {clients:>3} clients  {result['rps']:>7,.0f} req/s  "
                      f"p50 {result['p50'] * 1e3:7.2f} ms  p95 {result['p95'] * 1e3:7.2f} ms  "
                      f"p99 {result['p99'] * 1e3:7.2f} ms  ({result['requests']:,} requests, "
                      f"{result['failures']} failed; server: {misses:,} from the store, {hits:,} from the cache, "
                      f"handler mean {handler_mean * 1e3:.2f} ms)")  # fmt: skip
        if args.wrk and shutil.which("wrk"):
            for clients in (50, 200):
                result = await wrk(url, clients, args.seconds)
                print(f"  {label:<8} wrk    {clients:>3} clients  {result['rps']:>7,.0f} req/s  "
                      f"p50 {result['p50'] * 1e3:7.2f} ms  p95 {result['p95'] * 1e3:7.2f} ms  "
                      f"p99 {result['p99'] * 1e3:7.2f} ms  ({result['requests']:,} requests, "
                      f"{result['failures']} failed; closed loop, 2 threads)")  # fmt: skip


async def main_async(args: argparse.Namespace) -> None:
    jobs, runs = (100_000, 10_000) if args.quick else (1_000_000, 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        directory = Path(tmp)
        database = directory / "big.db"
        began = time.perf_counter()
        await make_database(database, jobs, runs)
        print(f"generated {jobs:,} jobs and {runs:,} runs in {time.perf_counter() - began:.1f} s")
        print(f"GET {STATS}: closed loop and paced (one request per client every {args.interval} s), "
              f"at most {args.requests:,} requests or {args.seconds:.0f} s each")  # fmt: skip
        cached = write_config(directory / "cached.toml", stats_ttl=300)
        uncached = write_config(directory / "uncached.toml", stats_ttl=0.000001)
        for label, config in (("cached", cached), ("uncached", uncached)):
            async with server(database, config) as url:
                await measure(url, label, args)
        print("budget: p95 under 10 ms at 200 concurrent clients")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k jobs / 10k runs instead of 1M / 100k")
    parser.add_argument("--requests", type=int, default=20_000, help="requests per measurement, at most")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per measurement, at most")
    parser.add_argument("--no-wrk", dest="wrk", action="store_false", help="skip the wrk closed loop")
    parser.add_argument("--interval", type=float, default=1.0, help="paced: seconds between one client's requests")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
