"""App benchmark: first screen, memory, idle CPU, Stats and History at 1M jobs, loop lag while scraping.

Run by hand:

    python benchmarks/bench_tui.py             # 1M jobs / 100k runs, 5 starts of each kind
    python benchmarks/bench_tui.py --quick     # 100k jobs / 10k runs, 2 starts, a smoke test
    python benchmarks/bench_tui.py --no-tmux   # headless only

Budgets (DESIGN.md, "Performance budgets", the app): first screen under
1.5 s, without the scraping stack imported (aiohttp is not needed to draw
Stats); idle CPU under 2% of a core; event-loop lag p99 under 50 ms while
scraping at full speed; RSS under 150 MB. The exit status is 1 when one is
missed. The Stats and History screens have no budget of their own (the
store's are: stats uncached under 2 ms, any history page under 2 ms); their
render times are printed beside the service calls alone, so that what the
screens add shows.

What is measured, on a fresh database of 1M jobs and 100k runs made by
`bench_store.generate` (then `records.rebuild_counters`), and on an empty
one:

- Time to first screen, in a fresh process each time, the median of
  `--repeat` starts, big and empty databases interleaved:
  - headless: `python bench_tui.py --child first-screen DB CONFIG`, which
    imports the app, opens `ScraperTUI.from_database(DB, config)` in
    `run_test(size=(80, 24))` and notes when the Stats screen has drawn its
    data: `StatsScreen.show_stats` has run and the compositor has produced
    the next frame with it (`App._display`, wrapped). Timed from the parent's
    clock just before `Popen` (`time.perf_counter` is CLOCK_MONOTONIC, the
    same in both processes), so interpreter start and every import count.
    The child also gives the time since its own start by the kernel
    (`/proc/self/stat` start time against CLOCK_BOOTTIME; not
    `psutil.Process().create_time()`, whose boot time is whole seconds),
    the milestones (imports done, app ready, data shown, frame), whether
    `aiohttp` and `scraper_tui.scraping` are in `sys.modules` at that frame,
    and its RSS.
  - a real terminal: `scraper-tui --db DB --config CONFIG` (the console
    script of this interpreter, as a user starts it: the CLI, the config,
    `service.prune()`, `run_app`) in a detached tmux session of 80x24 on a
    tmux server of its own; `tmux capture-pane -p` is polled every 10 ms
    until the summary ("Success rate", and the run count on the big
    database) is on the screen. Timed from launching tmux. RSS by psutil;
    whether aiohttp is loaded is read from the process's memory maps (its C
    extensions).
  CONFIG is the demo config pointing at the demo board below, limits raised
  so that every posting is reachable (as in bench_scrape.py), and
  `retention_days` raised so that the CLI's prune keeps the generated runs
  (they are dated 2025).
- Idle CPU over `--idle` seconds (10), after the first screen and 2 s to
  settle, on the big database: user + system CPU time of the process, in a
  headless child and of the real `scraper-tui` in tmux. The frames drawn
  meanwhile are counted in the headless one.
- Stats and History on the big database, headless at 80x24, in one child:
  time from `pilot.press("2")` until `HistoryScreen.show_page` has put the
  page's rows in the table (first showing, then switching back and forth),
  and until the next frame; PageDown; a jump to page 4000 and to the last
  page; `pilot.press("1")` back to Stats; and Stats refreshed uncached
  (`service.invalidate_cache()` and `StatsScreen.load()`) until
  `show_stats` ran. Medians of `--render-repeat`, first showings apart.
- Event-loop lag while scraping at full speed: the demo board
  (`python -m scraper_tui.demo --postings N`, 2000 by default) in its own
  process on 127.0.0.1; the app headless in `run_test` on the big database;
  a 10 ms ticker task on the app's loop records how late each wake-up is
  while all three demo scrapers run, started by `app.service.start_run`
  and awaited with `wait_runs`. `--rounds` rounds, on the Stats and the
  Scrapers screen in turn (Stats reloads on every start and finish, Scrapers
  shows live progress); the wake-ups of all rounds are pooled for
  p50/p99/max. The same in a real terminal (tmux) when tmux is there. The
  scrapes add 6000 jobs and 3 runs per round to the big database, so this
  comes last.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = Path(__file__).resolve()

FIRST_SCREEN_BUDGET_S = 1.5
IDLE_CPU_BUDGET_PERCENT = 2.0
LAG_BUDGET_MS = 50.0
RSS_BUDGET_MB = 150.0
TICK = 0.010
SIZE = (80, 24)
RETENTION_DAYS = 36500
MB = 1024 * 1024


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _since_process_start() -> float:
    """Seconds since this process was created, by the kernel's clock (10 ms resolution)."""
    with open("/proc/self/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time in ticks since boot
    return time.clock_gettime(time.CLOCK_BOOTTIME) - started


# == the children: one app each =====================================================


class Probe:
    """Notes when the screens show data and when frames are drawn, by wrapping the methods that do it."""

    def __init__(self, app: Any) -> None:
        from scraper_tui.tui.screens.history import HistoryScreen
        from scraper_tui.tui.screens.stats import StatsScreen

        self.frames: list[float] = []
        self.stats_shown: list[float] = []
        self.pages_shown: list[tuple[float, int, int]] = []
        probe = self
        show_stats, show_page = StatsScreen.show_stats, HistoryScreen.show_page

        def stats_wrapper(screen: Any, *args: Any, **kwargs: Any) -> None:
            show_stats(screen, *args, **kwargs)
            probe.stats_shown.append(time.perf_counter())

        def page_wrapper(screen: Any, answer: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            show_page(screen, answer, *args, **kwargs)
            probe.pages_shown.append((time.perf_counter(), int(answer["page"]), len(answer["results"])))

        StatsScreen.show_stats = stats_wrapper  # type: ignore[method-assign]
        HistoryScreen.show_page = page_wrapper  # type: ignore[method-assign]
        display = app._display

        def display_wrapper(screen: Any, renderable: Any) -> None:
            drawn = renderable is not None and not app._batch_count
            display(screen, renderable)
            if drawn:
                probe.frames.append(time.perf_counter())

        app._display = display_wrapper

    def frame_after(self, moment: float) -> float | None:
        return next((frame for frame in self.frames if frame >= moment), None)

    async def until(self, condition: Callable[[], Any], what: str, timeout: float = 60.0,
                    task: asyncio.Task[Any] | None = None) -> Any:  # fmt: skip
        """Poll `condition` every 2 ms until it is truthy; its value."""
        deadline = time.perf_counter() + timeout
        while True:
            value = condition()
            if value:
                return value
            if task is not None and task.done():
                raise RuntimeError(f"the app ended before {what}: {task.exception()!r}")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no {what} within {timeout:g} s")
            await asyncio.sleep(0.002)

    async def first_screen(self, task: asyncio.Task[Any] | None = None) -> tuple[float, float]:
        """When the Stats screen first showed its data, and the frame that drew it."""
        shown = await self.until(lambda: self.stats_shown and self.stats_shown[0], "stats shown", task=task)
        frame = await self.until(lambda: self.frame_after(shown), "frame after the stats", task=task)
        return shown, frame


@contextlib.asynccontextmanager
async def running(app: Any, tty: bool) -> AsyncIterator[Any]:
    """The app running on this loop: headless in `run_test` (yields its Pilot) or on the terminal (yields the task)."""
    if not tty:
        async with app.run_test(size=SIZE) as pilot:
            yield pilot
        return
    task = asyncio.create_task(app.run_async())
    try:
        with app._context():  # as run_test does: what is started from here belongs to the app
            yield task
    finally:
        if not task.done():
            app.exit()
        await asyncio.wait_for(asyncio.shield(task), 60)


def _load(db: str, config_path: str) -> tuple[Any, Any]:
    from scraper_tui.config import load_config
    from scraper_tui.tui.app import ScraperTUI

    app = ScraperTUI.from_database(db, load_config(config_path))
    return app, Probe(app)


def child_first_screen(db: str, config_path: str, idle: float) -> dict[str, Any]:
    """Start the app headless, note the first screen; with `idle`, then measure idle CPU."""
    imported_at = None

    async def main() -> dict[str, Any]:
        nonlocal imported_at
        app, probe = _load(db, config_path)
        imported_at = time.perf_counter()
        result: dict[str, Any] = {"imported": imported_at}
        async with running(app, tty=False):
            result["ready"] = time.perf_counter()
            shown, frame = await probe.first_screen()
            result["since_start"] = _since_process_start()
            result["aiohttp"] = "aiohttp" in sys.modules
            result["scraping"] = "scraper_tui.scraping" in sys.modules
            result["shown"], result["frame"] = shown, frame
            import psutil

            process = psutil.Process()
            result["rss"] = process.memory_info().rss
            stats = await app.service.stats()
            result["total_runs"], result["total_jobs"] = stats.get("total_runs"), stats.get("total_jobs")
            result["drawn"] = "Success" in app.export_screenshot()
            if idle:
                await asyncio.sleep(2.0)
                frames, before, began = len(probe.frames), process.cpu_times(), time.perf_counter()
                await asyncio.sleep(idle)
                after, seconds = process.cpu_times(), time.perf_counter() - began
                cpu = (after.user - before.user) + (after.system - before.system)
                result["idle"] = {"seconds": seconds, "cpu": cpu, "frames": len(probe.frames) - frames,
                                  "rss": process.memory_info().rss}  # fmt: skip
        return result

    return asyncio.run(main())


def child_render(db: str, config_path: str, repeat: int) -> dict[str, Any]:
    """Stats and History on the big database, headless, driven by keys."""

    async def main() -> dict[str, Any]:
        from scraper_tui.tui.screens.history import HistoryScreen
        from scraper_tui.tui.screens.stats import StatsScreen
        from scraper_tui.tui.widgets.run_table import RunTable

        app, probe = _load(db, config_path)
        out: dict[str, Any] = {}
        async with running(app, tty=False) as pilot:
            await probe.first_screen()
            await pilot.pause(0.5)
            service = app.service

            async def page_shown(press: Callable[[], Any], want_page: int | None = None) -> tuple[float, float, int]:
                """Seconds until a page is in the table, until the next frame, and its rows."""
                seen = len(probe.pages_shown)
                began = time.perf_counter()
                await press()

                def arrived() -> tuple[float, int, int] | None:
                    for entry in probe.pages_shown[seen:]:
                        if want_page is None or entry[1] == want_page:
                            return entry
                    return None

                at, _, rows = await probe.until(arrived, "history page")
                frame = await probe.until(lambda: probe.frame_after(at), "frame after the page")
                assert isinstance(app.screen, HistoryScreen)
                assert app.screen.query_one(RunTable).row_count == rows, "the table lacks the page's rows"
                return at - began, frame - began, rows

            async def stats_shown(press: Callable[[], Any]) -> tuple[float, float]:
                seen = len(probe.stats_shown)
                began = time.perf_counter()
                await press()
                at = await probe.until(lambda: probe.stats_shown[seen:] and probe.stats_shown[seen], "stats shown")
                frame = await probe.until(lambda: probe.frame_after(at), "frame after the stats")
                return at - began, frame - began

            async def settle() -> None:
                await pilot.pause(0.05)

            shown, frame, rows = await page_shown(lambda: pilot.press("2"), 1)
            out["history_first"] = {"shown": shown, "frame": frame, "rows": rows}
            history = app.screen
            out["history_pages"] = history.num_pages
            switches, back = [], []
            for _ in range(repeat):
                await settle()
                back.append(await stats_shown(lambda: pilot.press("1")))
                await settle()
                switches.append(await page_shown(lambda: pilot.press("2"), 1))
            out["history_switch"] = switches
            out["stats_switch"] = back
            turns = []
            for n in range(repeat):
                await settle()
                turns.append(await page_shown(lambda: pilot.press("pagedown"), n + 2))
            out["history_pagedown"] = turns
            jumps = {}
            for target in (min(4000, history.num_pages), history.num_pages, 1):
                samples = []
                for _ in range(max(3, repeat // 2)):
                    await settle()

                    async def jump(target: int = target) -> None:
                        history.page = target

                    if history.page == target:  # a watcher fires on a change only
                        history.page = 2 if target != 2 else 3
                        await probe.until(lambda: probe.pages_shown and probe.pages_shown[-1][1] == history.page,
                                          "page")  # fmt: skip
                        await settle()
                    samples.append(await page_shown(jump, target))
                jumps[str(target)] = samples
            out["history_jump"] = jumps
            await settle()
            await stats_shown(lambda: pilot.press("1"))
            assert isinstance(app.screen, StatsScreen)
            stats_screen = app.screen
            uncached = []
            misses_before = service.cache.get_metrics().get("misses")
            for _ in range(repeat):
                await settle()

                async def reload() -> None:
                    service.invalidate_cache()
                    stats_screen.load()

                uncached.append(await stats_shown(reload))
            out["stats_uncached"] = uncached
            out["stats_misses"] = (service.cache.get_metrics().get("misses") or 0) - (misses_before or 0)
            cached = []
            for _ in range(repeat):
                await settle()

                async def load() -> None:
                    stats_screen.load()

                cached.append(await stats_shown(load))
            out["stats_cached"] = cached
            # The service alone, for comparison: what the screens add is the difference.
            calls: dict[str, list[float]] = {"stats_uncached": [], "history_1": [], "history_deep": []}
            for _ in range(repeat):
                began = time.perf_counter()
                service.invalidate_cache()
                await service.stats()
                calls["stats_uncached"].append(time.perf_counter() - began)
                began = time.perf_counter()
                await service.history(1, service.page_size)
                calls["history_1"].append(time.perf_counter() - began)
                began = time.perf_counter()
                await service.history(min(4000, history.num_pages), service.page_size)
                calls["history_deep"].append(time.perf_counter() - began)
            out["service"] = {k: _median(v) for k, v in calls.items()}
            out["page_size"] = service.page_size
        return out

    return asyncio.run(main())


class Ticker:
    """A task on the running loop that sleeps TICK again and again and records how late each wake-up is."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        """Seconds late, one per wake-up."""
        self.at: list[float] = []
        """When each sleep began, seconds from the start."""
        self._ticking = True
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        began = time.perf_counter()
        while self._ticking:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(time.perf_counter() - before - TICK)
            self.at.append(before - began)

    async def stop(self) -> None:
        self._ticking = False
        await self._task


def child_lag(db: str, config_path: str, rounds: int, tty: bool) -> dict[str, Any]:
    """Scrape the board with all three demo scrapers while a ticker measures the app's loop."""

    async def main() -> dict[str, Any]:
        import psutil

        app, probe = _load(db, config_path)
        process = psutil.Process()
        out: dict[str, Any] = {"rounds": []}
        async with running(app, tty) as handle:
            await probe.first_screen(handle if tty else None)
            service = app.service
            names = [scraper.name for scraper in service.definitions.enabled_scrapers()]
            finished: list[dict[str, Any]] = []
            service.subscribe(lambda event: finished.append(event.data) if event.kind == "finished" else None)
            peak_rss = process.memory_info().rss
            for round_ in range(rounds):
                mode = ("stats", "scrapers")[round_ % 2]
                await app.switch_mode(mode)
                await asyncio.sleep(0.5)
                done_before = len(finished)
                frames_before = len(probe.frames)
                ticker = Ticker()
                await asyncio.sleep(0)
                cpu_before, began = process.cpu_times(), time.perf_counter()
                run_ids = [await service.start_run(name) for name in names]

                async def watch_rss() -> None:
                    nonlocal peak_rss
                    while True:
                        peak_rss = max(peak_rss, process.memory_info().rss)
                        await asyncio.sleep(0.25)

                watcher = asyncio.create_task(watch_rss())
                try:
                    await asyncio.wait_for(service.wait_runs(run_ids), 300)
                finally:
                    watcher.cancel()
                seconds = time.perf_counter() - began
                cpu_after = process.cpu_times()
                await ticker.stop()
                runs = finished[done_before:]
                out["rounds"].append({
                    "screen": mode,
                    "seconds": seconds,
                    "cpu": (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system),
                    "items": sum(run.get("jobs_found", 0) for run in runs),
                    "statuses": sorted(str(run.get("status")) for run in runs),
                    "frames": len(probe.frames) - frames_before,
                    "lags_ms": [round(lag * 1000, 3) for lag in ticker.lags],
                    "lag_at_s": [round(at, 4) for at in ticker.at],
                })  # fmt: skip
            out["peak_rss"] = peak_rss
            out["aiohttp"] = "aiohttp" in sys.modules
        return out

    return asyncio.run(main())


def child_main(args: argparse.Namespace) -> int:
    mode, db, config_path = args.child
    try:
        if mode == "first-screen":
            result = child_first_screen(db, config_path, args.idle_child)
        elif mode == "render":
            result = child_render(db, config_path, args.render_repeat)
        elif mode == "lag":
            result = child_lag(db, config_path, args.rounds, tty=args.out is not None)
        else:
            raise SystemExit(f"unknown child mode {mode}")
    except BaseException as error:  # said in the result, so that a tmux child's failure is seen
        if args.out is None or isinstance(error, KeyboardInterrupt):
            raise
        result = {"error": "".join(traceback.format_exception(error))}
    text = json.dumps(result)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        print(text, flush=True)
    return 0


# == the parent =====================================================================


def run_child(*argv: str, timeout: float = 600) -> tuple[dict[str, Any], float]:
    """`python bench_tui.py --child ...`: its JSON result and the parent's clock at launch."""
    launched = time.perf_counter()
    done = subprocess.run([sys.executable, str(SCRIPT), *argv], capture_output=True, text=True, timeout=timeout,
                          check=False, stdin=subprocess.DEVNULL)  # fmt: skip
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child {' '.join(argv)} failed with exit status {done.returncode}")
    if done.stderr.strip():
        sys.stderr.write(f"[child {argv[1]} stderr]\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1]), launched


class Tmux:
    """A tmux server of our own (its own socket), sessions of 80x24; stopped at the end."""

    def __init__(self) -> None:
        self.socket = f"bench-tui-{os.getpid()}"
        self._sessions = 0

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              text=True, timeout=30, check=False)  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def launch(self, argv: list[str]) -> tuple[str, int]:
        """A detached 80x24 session running `argv` (no shell in between); its name and the program's pid."""
        self._sessions += 1
        name = f"s{self._sessions}"
        pid = self("new-session", "-d", "-s", name, "-x", str(SIZE[0]), "-y", str(SIZE[1]), "-P", "-F",
                   "#{pane_pid}", "--", *argv)  # fmt: skip
        return name, int(pid.strip())

    def capture(self, name: str) -> str:
        return self("capture-pane", "-p", "-t", name, check=False)

    def end(self, name: str, pid: int, keys: tuple[str, ...] = ("q",), timeout: float = 20.0) -> None:
        """Quit the app with its key; kill the session if it does not leave in time."""
        import psutil

        self("send-keys", "-t", name, *keys, check=False)
        try:
            psutil.Process(pid).wait(timeout)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            print(f"  (the app in tmux session {name} did not quit on {keys}; killing the session)")
            self("kill-session", "-t", name, check=False)

    def stop(self) -> None:
        self("kill-server", check=False)


def _aiohttp_mapped(pid: int) -> bool:
    """Whether aiohttp's C extensions are mapped into process `pid` (aiohttp imported)."""
    import psutil

    try:
        return any("aiohttp" in m.path for m in psutil.Process(pid).memory_maps())
    except psutil.Error:
        return False


def tty_first_screen(tmux: Tmux, db: Path, config: Path, want: str | None, idle: float) -> dict[str, Any]:
    """`scraper-tui --db DB --config CONFIG` in tmux: seconds until the summary is on screen, RSS, idle CPU."""
    import psutil
    from bench_scrape import scraper_tui_command

    launched = time.perf_counter()
    name, pid = tmux.launch([*scraper_tui_command(), "--db", str(db), "--config", str(config)])
    deadline = launched + 60
    screen = ""
    try:
        while True:
            screen = tmux.capture(name)
            if "Success rate" in screen and (want is None or want in screen):
                seen = time.perf_counter()
                break
            if time.perf_counter() > deadline or not psutil.pid_exists(pid):
                raise RuntimeError(f"scraper-tui showed no stats in tmux; the screen:\n{screen}")
            time.sleep(0.01)
        process = psutil.Process(pid)
        result: dict[str, Any] = {"seconds": seen - launched, "rss": process.memory_info().rss,
                                  "aiohttp": _aiohttp_mapped(pid), "cmdline": process.cmdline()}  # fmt: skip
        if idle:
            time.sleep(2.0)
            before, began = process.cpu_times(), time.perf_counter()
            time.sleep(idle)
            after, seconds = process.cpu_times(), time.perf_counter() - began
            result["idle"] = {"seconds": seconds, "rss": process.memory_info().rss,
                              "cpu": (after.user - before.user) + (after.system - before.system)}  # fmt: skip
            result["screen"] = tmux.capture(name)
    finally:
        tmux.end(name, pid)
    return result


def tty_lag(tmux: Tmux, db: Path, config: Path, rounds: int, work: Path) -> dict[str, Any]:
    """The lag child on the real terminal driver, in tmux; its result comes back in a file."""
    import psutil

    out = work / f"lag-tty-{time.monotonic_ns()}.json"
    name, pid = tmux.launch([sys.executable, str(SCRIPT), "--child", "lag", str(db), str(config),
                             "--rounds", str(rounds), "--out", str(out)])  # fmt: skip
    try:
        psutil.Process(pid).wait(600)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        tmux("kill-session", "-t", name, check=False)
        raise RuntimeError("the lag child in tmux did not finish within 600 s") from None
    if not out.exists():
        raise RuntimeError("the lag child in tmux left no result")
    result = json.loads(out.read_text(encoding="utf-8"))
    if "error" in result:
        raise RuntimeError(f"the lag child in tmux failed:\n{result['error']}")
    return result


async def make_databases(work: Path, jobs: int, runs: int) -> tuple[Path, Path]:
    from bench_store import generate

    from scraper_tui.store import Store, records

    empty, big = work / "empty.db", work / "big.db"
    for path in (empty, big):
        store = await Store.open(path)
        await store.close()
    began = time.perf_counter()
    generate(big, jobs, runs)
    store = await Store.open(big)
    await store.run_write(records.rebuild_counters)
    await store.close()
    print(f"generated {jobs:,} jobs and {runs:,} runs in {time.perf_counter() - began:.1f} s "
          f"({big.stat().st_size / MB:.0f} MB)")  # fmt: skip
    return empty, big


def write_config(work: Path, board_url: str) -> Path:
    """The demo config on this board, every posting reachable, runs kept for a century."""
    from bench_scrape import write_run_config

    from scraper_tui.config import load_config

    path = write_run_config(work / "scrapers.toml", board_url)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[settings]\n", f"[settings]\nretention_days = {RETENTION_DAYS}\n", 1), "utf-8")
    assert load_config(path).settings.retention_days == RETENTION_DAYS
    return path


class Report:
    """Figures with their budgets; remembers the misses."""

    def __init__(self) -> None:
        self.misses: list[str] = []

    def check(self, label: str, value: float, budget: float, unit: str, fmt: str = ".3f",
              lower_is_better: bool = True) -> None:  # fmt: skip
        ok = value < budget if lower_is_better else value > budget
        if not ok or math.isnan(value):
            self.misses.append(label)
        print(f"  {label:44} {value:{fmt}} {unit:3} budget < {budget:g} {unit}: {'ok' if ok else 'OVER BUDGET'}")

    def flag(self, label: str, good: bool, text: str) -> None:
        if not good:
            self.misses.append(label)
        print(f"  {label:44} {text}: {'ok' if good else 'MISSED'}")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def parent_main(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(HERE))
    from bench_scrape import Board, scraper_tui_command

    jobs, runs = (100_000, 10_000) if args.quick else (1_000_000, 100_000)
    repeat = 2 if args.quick and args.repeat is None else (args.repeat or 5)
    use_tmux = not args.no_tmux and shutil.which("tmux") is not None
    if not args.no_tmux and not use_tmux:
        print("tmux not found: the real-terminal figures are skipped")
    want_runs = f"{runs:,}"
    report = Report()
    work = Path(tempfile.mkdtemp(prefix="bench_tui_"))
    board = None
    tmux = Tmux() if use_tmux else None
    try:
        board = Board(args.postings, 0)
        config = write_config(work, board.url)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; demo board {board.url} in process "
              f"{board.process.pid}, {args.postings} postings x 3 sources")  # fmt: skip
        empty, big = asyncio.run(make_databases(work, jobs, runs))
        db_of = {"big": big, "empty": empty}

        # -- first screen ----------------------------------------------------------
        print(f"\nfirst screen, headless (run_test {SIZE[0]}x{SIZE[1]}), {repeat} fresh processes each, "
              "timed from Popen to the frame that drew the stats:")  # fmt: skip
        headless: dict[str, list[dict[str, Any]]] = {"big": [], "empty": []}
        for _ in range(repeat):
            for kind in ("big", "empty"):
                r, launched = run_child("--child", "first-screen", str(db_of[kind]), str(config))
                for key in ("imported", "ready", "shown", "frame"):
                    r[key] -= launched
                if kind == "big" and r["total_runs"] != runs:
                    report.misses.append(f"the big database shows {r['total_runs']} runs, not {runs}")
                if not r["drawn"]:
                    report.misses.append("the headless screen does not show the summary")
                headless[kind].append(r)
        for kind, results in headless.items():
            medians = {key: _median([r[key] for r in results]) for key in ("imported", "ready", "shown", "frame")}
            print(f"  {kind:5}: imports done {_ms(medians['imported'])}, app ready {_ms(medians['ready'])}, "
                  f"stats shown {_ms(medians['shown'])}, frame {_ms(medians['frame'])}; since the process's own "
                  f"start {_ms(_median([r['since_start'] for r in results]))}; each: "
                  + ", ".join(f"{r['frame']:.3f}" for r in results))  # fmt: skip
        tty: dict[str, list[dict[str, Any]]] = {"big": [], "empty": []}
        if tmux is not None:
            print(f"first screen in a real terminal: {' '.join(scraper_tui_command())} --db DB --config CONFIG in "
                  f"tmux {SIZE[0]}x{SIZE[1]}, capture-pane every 10 ms until the summary shows:")  # fmt: skip
            for _ in range(repeat):
                for kind in ("big", "empty"):
                    tty[kind].append(tty_first_screen(tmux, db_of[kind], config, want_runs if kind == "big" else None,
                                                      idle=0))  # fmt: skip
            for kind, results in tty.items():
                print(f"  {kind:5}: {_ms(_median([r['seconds'] for r in results]))} median; each: "
                      + ", ".join(f"{r['seconds']:.3f}" for r in results))

        # -- idle ------------------------------------------------------------------
        print(f"\nidle, big database: {args.idle:g} s after the first screen and 2 s to settle")
        idle_headless, _ = run_child("--child", "first-screen", str(big), str(config), "--idle-child", str(args.idle))
        hi = idle_headless["idle"]
        print(f"  headless: {hi['cpu']:.3f} s CPU in {hi['seconds']:.2f} s, {hi['frames']} frames drawn")
        idle_tty = None
        if tmux is not None:
            idle_tty = tty_first_screen(tmux, big, config, want_runs, idle=args.idle)
            ti = idle_tty["idle"]
            print(f"  tmux:     {ti['cpu']:.3f} s CPU in {ti['seconds']:.2f} s (scraper-tui process)")

        # -- render ----------------------------------------------------------------
        print(f"\nStats and History on {jobs:,} jobs / {runs:,} runs, headless {SIZE[0]}x{SIZE[1]} "
              f"(shown: the data is in the widgets; frame: the next frame drawn), medians of {args.render_repeat}:")
        render, _ = run_child("--child", "render", str(big), str(config), "--render-repeat", str(args.render_repeat))

        def line(label: str, samples: list[Any]) -> None:
            shown = _median([s[0] for s in samples])
            frame = _median([s[1] for s in samples])
            print(f"  {label:42} shown {_ms(shown)}  frame {_ms(frame)}")

        first = render["history_first"]
        print(f"  {'History, first showing (press 2)':42} shown {_ms(first['shown'])}  frame {_ms(first['frame'])}"
              f"  ({first['rows']} rows of page 1 of {render['history_pages']:,})")  # fmt: skip
        line("History, shown again (press 2)", render["history_switch"])
        line("History, next page (PageDown)", render["history_pagedown"])
        for target, samples in render["history_jump"].items():
            line(f"History, to page {int(target):,}", samples)
        line("Stats, shown again (press 1), cached", render["stats_switch"])
        line("Stats, uncached (invalidate_cache + load)", render["stats_uncached"])
        line("Stats, cached (load)", render["stats_cached"])
        svc = render["service"]
        print(f"  the service alone: stats uncached {svc['stats_uncached'] * 1000:.2f} ms, history page 1 "
              f"{svc['history_1'] * 1000:.2f} ms, page 4000 {svc['history_deep'] * 1000:.2f} ms "
              f"(cache misses during the uncached loads: {render['stats_misses']})")  # fmt: skip

        # -- lag while scraping ---------------------------------------------------
        lag_results = {}
        print(f"\nevent-loop lag while scraping ({TICK * 1000:g} ms ticker on the app's loop, 3 scrapers x "
              f"{args.postings} postings, {args.rounds} rounds alternating the Stats and Scrapers screens):")
        lag_results["headless"], _ = run_child("--child", "lag", str(big), str(config), "--rounds", str(args.rounds))
        if tmux is not None:
            lag_results["tmux"] = tty_lag(tmux, big, config, args.rounds, work)
        for where, result in lag_results.items():
            for i, r in enumerate(result["rounds"], 1):
                lags = r["lags_ms"]
                print(f"  {where:8} round {i} on {r['screen']:8}: {r['items']} items in {r['seconds']:.2f} s "
                      f"({r['items'] / r['seconds']:.0f}/s), cpu {r['cpu']:.2f} s, {r['frames']} frames, "
                      f"lag p50 {_percentile(lags, 50):.1f} p99 {_percentile(lags, 99):.1f} "
                      f"max {max(lags, default=float('nan')):.1f} ms ({len(lags)} ticks); {','.join(set(r['statuses']))}")
                if r["items"] != 3 * args.postings or set(r["statuses"]) != {"completed"}:
                    report.misses.append(f"{where} lag round {i}: {r['items']} items, runs {r['statuses']}")
            late = sorted(((lag, at, i) for i, r in enumerate(result["rounds"], 1)
                           for lag, at in zip(r["lags_ms"], r["lag_at_s"]) if lag >= LAG_BUDGET_MS), reverse=True)
            if late:
                print(f"  {where}: wake-ups {LAG_BUDGET_MS:g} ms or more late: {len(late)}; the worst: "
                      + ", ".join(f"{lag:.0f} ms at +{at:.2f} s (round {i})" for lag, at, i in late[:6]))

        # -- the budgets ----------------------------------------------------------
        print("\nbudgets (DESIGN.md):")
        for kind in ("big", "empty"):
            report.check(f"first screen, headless, {kind} db (median)", _median([r["frame"] for r in headless[kind]]),
                         FIRST_SCREEN_BUDGET_S, "s")  # fmt: skip
            if tty[kind]:
                report.check(f"first screen, tmux, {kind} db (median)", _median([r["seconds"] for r in tty[kind]]),
                             FIRST_SCREEN_BUDGET_S, "s")  # fmt: skip
        loaded = sum(r["aiohttp"] for rs in headless.values() for r in rs)
        report.flag("'aiohttp' in sys.modules at first screen", loaded == 0,
                    f"{loaded} of {sum(len(rs) for rs in headless.values())} headless starts"
                    + (f"; mapped in {sum(r['aiohttp'] for rs in tty.values() for r in rs)} of "
                       f"{sum(len(rs) for rs in tty.values())} tmux starts" if tmux else ""))  # fmt: skip
        if tmux is not None:
            tty_loaded = sum(r["aiohttp"] for rs in tty.values() for r in rs)
            if tty_loaded:
                report.misses.append("aiohttp loaded at the first screen in tmux")
        scraping = sum(r["scraping"] for rs in headless.values() for r in rs)
        print(f"  {'scraper_tui.scraping imported at first screen':44} in {scraping} of "
              f"{sum(len(rs) for rs in headless.values())} headless starts")  # fmt: skip
        report.check("RSS after start, headless, big db (max)",
                     max(r["rss"] for r in headless["big"]) / MB, RSS_BUDGET_MB, "MB", ".1f")
        report.check("RSS after start, headless, empty db (max)",
                     max(r["rss"] for r in headless["empty"]) / MB, RSS_BUDGET_MB, "MB", ".1f")
        if tmux is not None:
            report.check("RSS after start, tmux, big db (max)",
                         max(r["rss"] for r in tty["big"]) / MB, RSS_BUDGET_MB, "MB", ".1f")
            report.check("RSS after start, tmux, empty db (max)",
                         max(r["rss"] for r in tty["empty"]) / MB, RSS_BUDGET_MB, "MB", ".1f")
        report.check(f"idle CPU over {args.idle:g} s, headless", 100 * hi["cpu"] / hi["seconds"],
                     IDLE_CPU_BUDGET_PERCENT, "%", ".2f")  # fmt: skip
        if idle_tty is not None:
            ti = idle_tty["idle"]
            report.check(f"idle CPU over {args.idle:g} s, tmux", 100 * ti["cpu"] / ti["seconds"],
                         IDLE_CPU_BUDGET_PERCENT, "%", ".2f")  # fmt: skip
        for where, result in lag_results.items():
            lags = [lag for r in result["rounds"] for lag in r["lags_ms"]]
            print(f"  lag while scraping, {where}: p50 {_percentile(lags, 50):.2f} ms, "
                  f"max {max(lags, default=float('nan')):.1f} ms over {len(lags)} wake-ups; per round p99 "
                  + ", ".join(f"{_percentile(r['lags_ms'], 99):.1f}" for r in result["rounds"]))  # fmt: skip
            report.check(f"lag p99 while scraping, {where}", _percentile(lags, 99), LAG_BUDGET_MS, "ms", ".2f")
            print(f"  {'RSS peak while scraping, ' + where:44} {result['peak_rss'] / MB:.1f} MB (no budget)")
        if report.misses:
            print("missed: " + "; ".join(report.misses))
        return 1 if report.misses else 0
    finally:
        if tmux is not None:
            tmux.stop()
        if board is not None:
            board.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="100k jobs / 10k runs instead of 1M / 100k")
    parser.add_argument("--repeat", type=int, default=None, help="starts of each kind (default 5; 2 with --quick)")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measured (default 10)")
    parser.add_argument("--render-repeat", type=int, default=10, help="samples of each render time (default 10)")
    parser.add_argument("--rounds", type=int, default=6, help="scraping rounds for the lag (default 6)")
    parser.add_argument("--postings", type=int, default=2000, help="postings per source on the board (default 2000)")
    parser.add_argument("--no-tmux", action="store_true", help="headless only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (databases, config)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DB", "CONFIG"), help=argparse.SUPPRESS)
    parser.add_argument("--idle-child", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    if min(args.render_repeat, args.rounds, args.postings) < 1 or (args.repeat is not None and args.repeat < 1):
        parser.error("--repeat, --render-repeat, --rounds and --postings must be at least 1")
    return parent_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
