"""The board's ground truth: deterministic, realistic, normalised postings."""

from __future__ import annotations

import re
from datetime import date

import pytest

from scraper_tui.demo import DEFAULT_POSTINGS, PAGE_SIZES, SOURCES, DemoBoard, generate_postings
from scraper_tui.demo.postings import NEWEST_DATE


def _fields(postings):  # everything but the port-dependent URL
    return [(p.external_id, p.title, p.company, p.location, p.posted_at, p.path, p.salary) for p in postings]


async def test_two_boards_with_the_same_seed_hold_the_same_postings() -> None:
    async with DemoBoard() as first, DemoBoard() as second:
        for source in SOURCES:
            assert _fields(first.postings(source)) == _fields(second.postings(source))


def test_generation_is_independent_of_the_global_random_state() -> None:
    import random

    random.seed(1)
    before = generate_postings("indigo", 50)
    random.seed(2)
    assert generate_postings("indigo", 50) == before


def test_another_seed_gives_other_postings() -> None:
    assert _fields(generate_postings("signature", 30, seed=1)) != _fields(generate_postings("signature", 30, seed=2))


async def test_postings_per_source_is_configurable() -> None:
    async with DemoBoard(postings_per_source=2000) as big, DemoBoard(postings_per_source=0) as empty:
        for source in SOURCES:
            assert len(big.postings(source)) == 2000
            assert empty.postings(source) == []
            assert empty.num_pages(source) == 1


async def test_default_board_has_a_few_hundred_postings_per_source(board: DemoBoard) -> None:
    for source in SOURCES:
        assert len(board.postings(source)) == DEFAULT_POSTINGS >= 200


def test_page_sizes_differ_between_sources() -> None:
    assert len(set(PAGE_SIZES.values())) == len(SOURCES)


@pytest.mark.parametrize("source", SOURCES)
def test_external_ids_are_unique_per_source(source: str) -> None:
    postings = generate_postings(source, 2000)
    assert len({p.external_id for p in postings}) == 2000


@pytest.mark.parametrize("source", SOURCES)
def test_postings_are_listed_newest_first_with_iso_dates(source: str) -> None:
    dates = [date.fromisoformat(p.posted_at) for p in generate_postings(source)]
    assert dates == sorted(dates, reverse=True)
    assert all(date(2024, 12, 1) <= d <= NEWEST_DATE for d in dates)


@pytest.mark.parametrize("source", SOURCES)
def test_truth_text_is_already_normalised(source: str) -> None:
    for p in generate_postings(source):
        for text in (p.title, p.company, p.location):
            assert text == " ".join(text.split()) and text


def test_some_text_needs_html_escaping() -> None:
    everything = [t for s in SOURCES for p in generate_postings(s) for t in (p.title, p.company)]
    for char in "&<>\"'":
        assert any(char in text for text in everything), char


async def test_urls_are_absolute_on_the_running_board(board: DemoBoard) -> None:
    for source in SOURCES:
        for p in board.postings(source):
            assert p.url == board.url + p.path
            assert re.fullmatch(rf"http://127\.0\.0\.1:\d+/{source}/\S+", p.url)
