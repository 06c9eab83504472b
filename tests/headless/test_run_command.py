"""`scraper-tui --run` as cron runs it: a subprocess against the real demo board on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from scraper_tui.demo import DemoBoard
from tests.conftest import write_quick_demo_config


@pytest.fixture
async def board() -> DemoBoard:
    async with DemoBoard(postings_per_source=80) as running:
        yield running


@pytest.fixture
def config(board: DemoBoard, tmp_path: Path) -> Path:
    return write_quick_demo_config(board, tmp_path / "scrapers.toml")


async def cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the command line; the board keeps serving on this loop meanwhile."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scraper_tui", *args, cwd=cwd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "SCRAPER_TUI_DB": ""},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


async def start_cli(*args: str, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scraper_tui", *args, cwd=cwd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def read_events_until(process: asyncio.subprocess.Process, done: object) -> list[dict]:
    events = []
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)  # type: ignore[union-attr]
        assert line, "the command ended early"
        events.append(json.loads(line))
        if done(events[-1]):  # type: ignore[operator]
            return events


def db_rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def test_full_run_json_export_and_stats_agree(board: DemoBoard, config: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "jobs.db")
    code, out, err = await cli("--config", str(config), "--db", db, "--run", "--json", cwd=tmp_path)
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]  # every stdout line is JSON
    assert [e["event"] for e in events if e["event"] in ("started", "finished")].count("finished") == 3
    assert events[-1]["event"] == "summary" and events[-1]["exit_code"] == 0
    assert {e["scraper"]: e["status"] for e in events if e["event"] == "finished"} == dict.fromkeys(
        ("signature", "flygosh", "indigo"), "completed"
    )

    code, out, err = await cli("--db", db, "--config", str(config), "export", "-o", str(tmp_path / "jobs.jsonl"),
                               cwd=tmp_path)  # fmt: skip
    assert code == 0, err
    exported = [json.loads(line) for line in (tmp_path / "jobs.jsonl").read_text().splitlines()]
    expected = {(p.source, p.external_id, p.title, p.company, p.location, p.url, p.posted_at)
                for source in ("signature", "flygosh", "indigo") for p in board.postings(source)}  # fmt: skip
    got = {(j["source"], j["external_id"], j["title"], j["company"], j["location"], j["url"], j["posted_at"])
           for j in exported}  # fmt: skip
    assert got == expected and len(exported) == len(expected)
    assert all(j["first_seen_at"] and j["last_seen_at"] for j in exported)

    code, out, _ = await cli("--db", db, "--config", str(config), "stats", "--json", cwd=tmp_path)
    stats = json.loads(out)
    by_source: dict[str, int] = {}
    for job in exported:
        by_source[job["source"]] = by_source.get(job["source"], 0) + 1
    assert stats["jobs_by_source"] == by_source and stats["completed_runs"] == 3

    code, out, _ = await cli("--db", db, "--config", str(config), "export", "--format", "csv", "--source", "indigo",
                             cwd=tmp_path)  # fmt: skip
    lines = out.splitlines()
    assert lines[0].startswith("external_id,source,title") and len(lines) == 1 + 80


async def test_plain_lines_when_not_a_terminal(config: Path, tmp_path: Path) -> None:
    code, out, err = await cli("--config", str(config), "--db", str(tmp_path / "x.db"), "--run", "signature",
                               cwd=tmp_path)  # fmt: skip
    assert code == 0, err
    assert "signature run 1 started (headless)" in out
    assert "signature run 1 completed" in out and "80 jobs (80 new" in out
    assert out.splitlines()[-1] == "1 runs: 1 completed; 0 alerts; exit 0"


async def test_sigint_cancels_flushes_and_exits_130(board: DemoBoard, config: Path, tmp_path: Path) -> None:
    board.faults.slow("signature", 0.4)
    db = tmp_path / "jobs.db"
    process = await start_cli("--config", str(config), "--db", str(db), "--run", "signature", "--json", cwd=tmp_path)
    await read_events_until(process, lambda e: e["event"] == "progress" and e["jobs_found"] >= 40)
    process.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 130
    finished = [json.loads(line) for line in out.decode().splitlines() if '"finished"' in line][0]
    assert finished["status"] == "cancelled"
    [(status, found)] = db_rows(db, "SELECT status, jobs_found FROM run")
    assert status == "cancelled" and found >= 40
    assert db_rows(db, "SELECT count(*) FROM job") == [(found,)]


async def test_sigkill_leaves_committed_jobs_and_an_interrupted_run(
    board: DemoBoard, config: Path, tmp_path: Path
) -> None:
    board.faults.slow("flygosh", 1.0)
    db = tmp_path / "jobs.db"
    process = await start_cli("--config", str(config), "--db", str(db), "--run", "flygosh", "--json", cwd=tmp_path)
    await read_events_until(process, lambda e: e["event"] == "progress" and e["jobs_found"] >= 50)
    await asyncio.sleep(0.5)  # past a flush interval: some batches are committed
    process.kill()
    await process.wait()
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
    stored = db_rows(db, "SELECT count(*) FROM job")[0][0]
    assert stored >= 25
    code, out, err = await cli("--db", str(db), "--config", str(config), "history", "--json", cwd=tmp_path)
    run = json.loads(out)["results"][0]
    assert run["status"] == "interrupted"
    assert "is gone" in db_rows(db, "SELECT error_message FROM run")[0][0]


async def test_a_second_run_of_the_same_scraper_is_refused(board: DemoBoard, config: Path, tmp_path: Path) -> None:
    board.faults.slow("indigo", 1.5)  # the first run outlives the second process's start-up
    db = tmp_path / "jobs.db"
    first = await start_cli("--config", str(config), "--db", str(db), "--run", "indigo", "--json", cwd=tmp_path)
    await read_events_until(first, lambda e: e["event"] == "progress")
    code, out, err = await cli("--config", str(config), "--db", str(db), "--run", "indigo", "--json", cwd=tmp_path)
    assert code == 1
    summary = json.loads(out.splitlines()[-1])
    assert "indigo is already running" in summary["refused"][0]
    await asyncio.wait_for(first.communicate(), timeout=60)
    assert first.returncode == 0
    assert db_rows(db, "SELECT count(*), count(DISTINCT external_id) FROM job") == [(80, 80)]
    assert db_rows(db, "SELECT status FROM run") == [("completed",)]
    assert db_rows(db, "SELECT rule FROM alert") == [("overlap",)]


async def test_zero_jobs_alert_and_fail_on_alert(config: Path, tmp_path: Path) -> None:
    text = config.read_text().replace('item = "div.job-card"', 'item = "div.no-such-card"')
    config.write_text(text)
    db = str(tmp_path / "jobs.db")
    code, out, _ = await cli("--config", str(config), "--db", db, "--run", "signature", cwd=tmp_path)
    assert code == 0 and "ALERT zero_jobs (critical): signature found no jobs" in out
    code, out, _ = await cli("--config", str(config), "--db", db, "--run", "signature", "--fail-on-alert",
                             cwd=tmp_path)  # fmt: skip
    assert code == 1 and "1 alerts; exit 1" in out


async def test_unknown_scraper_exits_2_and_creates_no_database(config: Path, tmp_path: Path) -> None:
    code, out, err = await cli("--config", str(config), "--db", str(tmp_path / "jobs.db"), "--run", "hidden",
                               cwd=tmp_path)  # fmt: skip
    assert code == 2 and "hidden" in err and "signature" in err and out == ""
    assert not (tmp_path / "jobs.db").exists()


async def test_history_of_one_run_shows_its_log(config: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "jobs.db")
    await cli("--config", str(config), "--db", db, "--run", "flygosh", cwd=tmp_path)
    code, out, err = await cli("--db", db, "--config", str(config), "history", "--run", "1", cwd=tmp_path)
    assert code == 0, err
    assert "started (headless)" in out and "completed in" in out and "field coverage" in out
    code, _, err = await cli("--db", db, "--config", str(config), "history", "--run", "99", cwd=tmp_path)
    assert code == 2 and "no run with id 99" in err
