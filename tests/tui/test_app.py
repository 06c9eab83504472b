"""The app shell: modes and keys, the metrics pane, the keys panel, commands, errors, an open service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Footer, Header, HelpPanel
from textual.worker import WorkerFailed, WorkerState

from scraper_tui.tui.app import ScraperTUI
from scraper_tui.tui.screens.history import HistoryScreen
from scraper_tui.tui.screens.stats import StatsScreen
from scraper_tui.tui.widgets.metrics_pane import MetricsPane, metrics_text
from tests.tui.sample_data import open_sample_service, sample_config

MakeApp = Callable[..., ScraperTUI]


def screen_text(app: ScraperTUI) -> str:
    """What the terminal shows, as plain lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_first_screen_is_stats(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.current_mode == "stats"
        assert isinstance(app.screen, StatsScreen)
        assert "Recent runs" in screen_text(app)


@pytest.mark.parametrize(("key", "mode"), [("2", "history"), ("1", "stats")])
async def test_number_keys_switch_modes(make_app: MakeApp, key: str, mode: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2" if key == "1" else "1")  # start elsewhere, so the key has work to do
        await pilot.press(key)
        await app.workers.wait_for_complete()
        assert app.current_mode == mode


async def test_every_mode_key_reaches_its_screen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key, mode in zip("12345", ("stats", "history", "performance", "scrapers", "jobs"), strict=True):
            if mode not in app.MODES:
                continue  # the other screens arrive in their own commit
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.current_mode == mode
            assert app.screen.query(Header) and app.screen.query(Footer) and app.screen.query(MetricsPane)


async def test_every_binding_has_an_id(make_app: MakeApp) -> None:
    app = make_app()
    for binding in ScraperTUI.BINDINGS:
        assert getattr(binding, "id", None), binding
    for screen in (StatsScreen, HistoryScreen):
        for binding in screen.BINDINGS:
            assert getattr(binding, "id", None), binding
    async with app.run_test(size=(80, 24)):
        pass


async def test_every_screen_gets_a_header_metrics_pane_and_footer(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        for mode in ("stats", "history"):
            await pilot.press("1" if mode == "stats" else "2")
            await pilot.pause()
            assert len(app.screen.query(Header)) == 1
            assert len(app.screen.query(MetricsPane)) == 1
            assert len(app.screen.query(Footer)) == 1


async def test_m_hides_and_shows_the_metrics_pane_on_every_screen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cache hits" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert not app.screen.query_one(MetricsPane).display
        assert "cache hits" not in screen_text(app)
        await pilot.press("2")
        await pilot.pause()
        assert not app.screen.query_one(MetricsPane).display
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.query_one(MetricsPane).display
        assert "cache hits" in screen_text(app)


async def test_the_metrics_pane_shows_the_latest_stored_alert(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await app.workers.wait_for_complete()
        app.refresh_metrics()
        await pilot.pause()
        assert "db_query 'stats' took 1.20 s" in screen_text(app)


def test_metrics_text_says_what_it_does_not_know() -> None:
    text = metrics_text({"latest": None, "requests_in_flight": 3, "runs_running": 1}, {"hit_rate": 75.0}, None)
    assert text.plain.splitlines() == [
        "RSS -  CPU -  in flight 3  running 1  cache hits 75.0%",
        "alert none",
    ]


async def test_question_mark_shows_and_hides_the_keys(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query(HelpPanel)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query(HelpPanel)


async def test_q_quits(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_command_palette_offers_each_screen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        titles = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Stats screen", "History screen", "Toggle metrics pane"} <= set(titles)
        titles["History screen"].callback()
        await pilot.pause()
        assert app.current_mode == "history"


async def test_the_current_mode_key_is_dimmed(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)):
        assert app.check_action("switch_mode", ("stats",)) is None
        assert app.check_action("switch_mode", ("history",)) is True


async def test_a_failed_worker_becomes_a_notification(make_app: MakeApp) -> None:
    app = make_app()

    async def broken() -> None:
        raise RuntimeError("the disk is on fire")

    async with app.run_test(size=(80, 24)) as pilot:
        worker = app.screen.run_worker(broken, name="broken", exit_on_error=False)
        with pytest.raises(WorkerFailed):
            await worker.wait()
        await pilot.pause()
        assert worker.state is WorkerState.ERROR
        messages = [notification.message for notification in app._notifications]
        assert any("the disk is on fire" in message for message in messages)
        assert app.is_running


async def test_an_app_on_an_open_service_leaves_it_open(sample_db: Path) -> None:
    service = await open_sample_service(sample_db)
    try:
        app = ScraperTUI(service, interval=None, monitoring=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "Recent runs" in screen_text(app)
        assert (await service.stats())["total_runs"] == 45  # still open
    finally:
        await service.close()


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TEXTUAL_COLOR_SYSTEM": "256"}], ids=["NO_COLOR", "256"])
async def test_the_app_works_without_colour_and_with_256_colours(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if "NO_COLOR" in env:
            assert app.no_color
        text = screen_text(app)
        # Meaning never rests on colour: statuses are words, bars carry their numbers.
        assert "completed" in text and "signature ████" in text and " 60 " in text
        await pilot.press("2", "t", "t", "t", "t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "failed" in screen_text(app)


async def test_an_app_from_a_database_opens_its_service_and_closes_it_on_quit(sample_db: Path) -> None:
    app = ScraperTUI.from_database(sample_db, sample_config(sample_db), interval=None, monitoring=False)
    closed: list[bool] = []
    async with app.run_test(size=(80, 24)) as pilot:
        assert (await app.service.stats())["total_runs"] == 45
        close = app.service.close

        async def recorded_close() -> None:
            closed.append(True)
            await close()

        app.service.close = recorded_close  # type: ignore[method-assign]
        await pilot.press("q")
    assert closed == [True]


def test_an_app_needs_exactly_one_way_to_its_service() -> None:
    with pytest.raises(ValueError):
        ScraperTUI()
