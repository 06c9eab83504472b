"""Field extraction: the field syntax, clean text, absolute URLs, skipping and coverage."""

from __future__ import annotations

import random
from urllib.parse import urljoin, urlsplit

import pytest

from scraper_tui.config import FieldSpec, parse_config
from scraper_tui.scraping.extract import (
    _PLAIN_RELATIVE,
    Extractor,
    FieldCoverage,
    PageResult,
    _absolute,
    _base_directory,
    canonical_url,
    clean_text,
    url_hash,
)

PAGE_URL = "https://jobs.example.org/board/list?page=1"


def extractor(next_page: str | None = None, item: str = "div.job", **fields: str) -> Extractor:
    fields = fields or {"title": "h2", "url": "a.apply@href"}
    return Extractor(
        item,
        {name: FieldSpec.parse(text) for name, text in fields.items()},
        FieldSpec.parse(next_page) if next_page else None,
    )


def card(inner: str, attrs: str = "") -> str:
    return f'<div class="job" {attrs}>{inner}</div>'


def one(html: str, ex: Extractor | None = None, url: str = PAGE_URL) -> dict[str, str]:
    result = (ex or extractor()).extract(f"<html><body>{html}</body></html>", url)
    assert len(result.items) == 1, result
    return result.items[0]


APPLY = '<a class="apply" href="/jobs/1">Apply</a>'


# -- field syntax -----------------------------------------------------------


def test_css_gives_the_element_text() -> None:
    assert one(card("<h2>Python developer</h2>" + APPLY))["title"] == "Python developer"


def test_css_text_is_deep() -> None:
    assert one(card("<h2>Senior <em>Python</em> developer</h2>" + APPLY))["title"] == "Senior Python developer"


def test_css_text_invents_no_spaces_between_inline_elements() -> None:
    assert one(card("<h2><b>Sen</b>ior</h2>" + APPLY))["title"] == "Senior"


def test_css_at_attr_gives_the_matched_elements_attribute() -> None:
    ex = extractor(title="h2", url="a.apply@href", posted_at="time@datetime")
    item = one(card('<h2>T</h2><time datetime="2024-05-01T10:00:00Z">May 1</time>' + APPLY), ex)
    assert item["posted_at"] == "2024-05-01T10:00:00Z"


def test_at_attr_gives_the_item_elements_own_attribute() -> None:
    ex = extractor(title="h2", url="a.apply@href", external_id="@data-id")
    assert one(card("<h2>T</h2>" + APPLY, 'data-id="abc-7"'), ex)["external_id"] == "abc-7"


def test_first_match_in_the_item_wins() -> None:
    assert one(card("<h2>First</h2><h2>Second</h2>" + APPLY))["title"] == "First"


def test_a_field_selector_does_not_match_the_item_element_itself() -> None:
    ex = extractor(item="div.job", title="div", url="a@href")
    html = '<div class="job"><a href="/j">x</a><div>Inner title</div></div>'
    assert one(html, ex)["title"] == "Inner title"


def test_fields_stay_inside_their_item() -> None:
    ex = extractor(title="h2", url="a.apply@href", company=".company")
    html = card("<h2>A</h2>" + APPLY) + card('<h2>B</h2><a class="apply" href="/2">x</a><i class="company">Acme</i>')
    items = ex.extract(html, PAGE_URL).items
    assert [i.get("company") for i in items] == [None, "Acme"]
    assert "company" not in items[0]


def test_selector_with_at_inside_brackets() -> None:
    ex = extractor(title="h2", url="a.apply@href", contact='a[href^="mailto:"]@title')
    html = card('<h2>T</h2><a href="mailto:hr@x.org" title="HR desk">mail</a>' + APPLY)
    assert one(html, ex)["contact"] == "HR desk"


def test_extractor_from_config() -> None:
    config = parse_config(
        '[scrapers.s]\nstart_urls = ["https://x.org/"]\nitem = "li"\nnext_page = "a.next"\n'
        'fields = { title = "h3", url = "a@href" }\n',
        env={},
    )
    ex = Extractor.from_config(config.scraper("s"))
    result = ex.extract('<ul><li><h3>T</h3><a href="/1">x</a></li></ul><a class="next" href="/p2">n</a>', PAGE_URL)
    assert result.items[0]["title"] == "T"
    assert result.next_urls == ["https://jobs.example.org/p2"]


# -- URLs -------------------------------------------------------------------


def test_relative_urls_are_made_absolute_against_the_page() -> None:
    html = card('<h2>T</h2><a class="apply" href="detail/9">x</a>')
    assert one(html)["url"] == "https://jobs.example.org/board/detail/9"


def test_dot_dot_urls_are_resolved() -> None:
    html = card('<h2>T</h2><a class="apply" href="../../jobs/9?x=1">x</a>')
    assert one(html)["url"] == "https://jobs.example.org/jobs/9?x=1"


def test_protocol_relative_and_absolute_urls() -> None:
    assert one(card('<h2>T</h2><a class="apply" href="//cdn.org/j">x</a>'))["url"] == "https://cdn.org/j"
    assert one(card('<h2>T</h2><a class="apply" href="http://o.org/j">x</a>'))["url"] == "http://o.org/j"


def test_base_element_changes_the_base_url() -> None:
    html = '<html><head><base href="https://mirror.org/root/"></head><body>'
    html += card('<h2>T</h2><a class="apply" href="j/1">x</a>') + "</body></html>"
    assert extractor().extract(html, PAGE_URL).items[0]["url"] == "https://mirror.org/root/j/1"


def test_whitespace_around_and_inside_hrefs_is_dropped() -> None:
    html = card('<h2>T</h2><a class="apply" href="  /jobs/\n1  ">x</a>')
    assert one(html)["url"] == "https://jobs.example.org/jobs/1"


def test_src_attributes_of_any_field_are_made_absolute() -> None:
    ex = extractor(title="h2", url="a.apply@href", logo="img@src", alt="img@alt")
    item = one(card('<h2>T</h2><img src="/logo.png" alt="logo.png">' + APPLY), ex)
    assert item["logo"] == "https://jobs.example.org/logo.png"
    assert item["alt"] == "logo.png"


def test_url_field_from_text_is_made_absolute() -> None:
    ex = extractor(title="h2", url="span.link")
    assert one(card('<h2>T</h2><span class="link"> /jobs/4 </span>'), ex)["url"] == "https://jobs.example.org/jobs/4"


def test_javascript_and_mailto_urls_count_as_missing() -> None:
    html = card('<h2>A</h2><a class="apply" href="javascript:apply(1)">x</a>')
    html += card('<h2>B</h2><a class="apply" href="mailto:jobs@x.org">x</a>')
    result = extractor().extract(html, PAGE_URL)
    assert result.items == []
    assert result.skipped_reasons == {"missing url": 2}


# -- the relative-path fast path against urljoin ----------------------------

JOIN_BASES = [
    PAGE_URL,                                          # a file in a directory, with a query
    "https://jobs.example.org/board/list?page=1#top",  # query and fragment
    "https://jobs.example.org/board/",                 # a directory
    "https://jobs.example.org/board",                  # no trailing slash
    "https://jobs.example.org",                        # just a host, no path
    "https://jobs.example.org?q=1#f",                  # a host with a query and fragment, no path
    "http://User@Jobs.Example.org:8080/a;p/b;q?x=/y#z",  # userinfo, port, ;params
    "https://jobs.example.org/a//b/./c/../d",          # empty and dot segments in the base
    "https://jobs.example.org/%7Eme/caf%C3%A9/list",   # percent-encoding in the base
]

# (value, does the fast path take it)
JOIN_CASES = [
    ("job?id=7&src=list", True),
    ("./jobs/indigo-000001", True),
    ("detail/9", True),
    ("detail/9/", True),
    ("a;b", True),
    ("a;p/b;q?x", True),
    ("%7Ejob/caf%C3%A9?q=%20", True),
    ("job#apply", True),
    ("job?x#y", True),
    ("job?next=http://x.org/a", True),   # a colon in the query is not a scheme
    ("  job?id=1  ", True),              # whitespace around
    ("\tjo\nb?id=1\r\n", True),         # tabs and newlines inside are dropped
    ("?page=2", False),                  # query only
    ("#top", False),                     # fragment only
    ("./", False),
    ("./?x=1", False),
    ("./#f", False),
    ("../jobs/1", False),
    ("..", False),
    (".", False),
    ("a/../b", False),
    ("a/./b", False),
    ("././a", False),
    ("//cdn.example.org/j", False),
    ("/jobs/1", False),                  # absolute path: the origin fast path
    ("mailto:jobs@example.org", False),
    ("javascript:apply(1)", False),
    ("job:1", False),
    ("a/b:c", False),
    ("a//b", False),                     # urljoin drops the empty segment
    ("job;", False),                     # urljoin drops empty ;params, query, fragment
    ("job;?x", False),
    ("job?", False),
    ("job#", False),
    ("job?#f", False),
    (";x", True),
    ("", False),
    ("   ", False),
    ("https://other.org/j", False),
]


def _urljoin_absolute(value: str, base: str) -> str | None:
    """What `_absolute` must give: urljoin on the value stripped of surrounding
    whitespace and inner tabs and newlines, http(s) only, spaces escaped."""
    value = value.strip().replace("\t", "").replace("\n", "").replace("\r", "")
    if not value:
        return None
    url = urljoin(base, value).replace(" ", "%20")
    scheme, _, rest = url.partition(":")
    return url if scheme.lower() in ("http", "https") and rest.startswith("//") else None


def _origin(base: str) -> str:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def test_base_directory_is_urljoins() -> None:
    assert _base_directory(PAGE_URL) == "https://jobs.example.org/board/"
    assert _base_directory("https://jobs.example.org/board/list?page=1#top") == "https://jobs.example.org/board/"
    assert _base_directory("https://jobs.example.org/board") == "https://jobs.example.org/"
    assert _base_directory("https://jobs.example.org/board/") == "https://jobs.example.org/board/"
    assert _base_directory("https://jobs.example.org") == "https://jobs.example.org/"
    assert _base_directory("https://jobs.example.org?q=1#f") == "https://jobs.example.org/"
    assert _base_directory("https://jobs.example.org/a//b/./c/../d") == "https://jobs.example.org/a/b/"
    assert _base_directory("mailto:jobs@example.org") == ""  # no directory: every value goes to urljoin


@pytest.mark.parametrize("base", JOIN_BASES)
def test_relative_fast_path_gives_what_urljoin_gives(base: str) -> None:
    base_dir, origin = _base_directory(base), _origin(base)
    for value, fast in JOIN_CASES:
        cleaned = value.strip().replace("\t", "").replace("\n", "").replace("\r", "")
        rel = cleaned.removeprefix("./")
        assert bool(rel and _PLAIN_RELATIVE.fullmatch(rel)) is fast, value
        if fast:
            assert base_dir + rel == urljoin(base, cleaned), value
        if not value.strip().startswith("/") or value.strip().startswith("//"):
            assert _absolute(value, base, origin, base_dir) == _urljoin_absolute(value, base), (base, value)
        # and the fast path changes nothing against running without it
        assert _absolute(value, base, origin, base_dir) == _absolute(value, base, origin), (base, value)


def test_relative_fast_path_changes_nothing_on_random_values() -> None:
    rng = random.Random(20240501)
    alphabet = "ab/.?#;:%= &2F"
    for _ in range(3000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
        if rng.random() < 0.3:
            value = "./" + value
        for base in JOIN_BASES:
            origin = _origin(base)
            assert _absolute(value, base, origin, _base_directory(base)) == _absolute(value, base, origin), (
                base, value)
            if not value.strip().startswith("/") or value.strip().startswith("//"):
                assert _absolute(value, base, origin) == _urljoin_absolute(value, base), (base, value)


def test_relative_links_of_the_demo_shapes() -> None:
    ex = extractor(title="a", url="a@href", next_page="link[rel=next]@href")
    html = ('<link rel="next" href="openings?offset=20">'
            + card('<a href="job?id=f-1&amp;src=list">A</a>') + card('<a href="./jobs/i-2">B</a>'))
    result = ex.extract(html, "http://127.0.0.1:8080/indigo/openings?offset=0")
    assert [i["url"] for i in result.items] == ["http://127.0.0.1:8080/indigo/job?id=f-1&src=list",
                                                "http://127.0.0.1:8080/indigo/jobs/i-2"]
    assert result.next_urls == ["http://127.0.0.1:8080/indigo/openings?offset=20"]
    based = '<html><head><base href="https://mirror.org/root/x?y#z"></head><body>' + html + "</body></html>"
    result = ex.extract(based, "http://127.0.0.1:8080/indigo/openings")
    assert [i["url"] for i in result.items] == ["https://mirror.org/root/job?id=f-1&src=list",
                                                "https://mirror.org/root/jobs/i-2"]
    assert result.next_urls == ["https://mirror.org/root/openings?offset=20"]


# -- text -------------------------------------------------------------------


def test_entities_are_decoded() -> None:
    html = card("<h2>R&amp;D &lt;lead&gt; &#39;now&#39; &quot;q&quot; caf&eacute;</h2>" + APPLY)
    assert one(html)["title"] == "R&D <lead> 'now' \"q\" café"


def test_entities_in_attributes_are_decoded() -> None:
    html = card('<h2>T</h2><a class="apply" href="/j?a=1&amp;b=2">x</a>')
    assert one(html)["url"] == "https://jobs.example.org/j?a=1&b=2"


def test_whitespace_and_newlines_are_collapsed() -> None:
    html = card("<h2>\n   Python\n\t\tdeveloper&nbsp;&nbsp; (remote)\n </h2>" + APPLY)
    assert one(html)["title"] == "Python developer (remote)"


def test_control_characters_and_escape_sequences_are_removed() -> None:
    html = card("<h2>Bad\x1b[31m red\x07\x00 \x9b2J title</h2>" + APPLY)
    assert one(html)["title"] == "Bad[31m red 2J title"


def test_markup_like_text_is_kept_literally() -> None:
    html = card("<h2>[bold]Boss[/bold] &lt;b&gt;x&lt;/b&gt;</h2>" + APPLY)
    assert one(html)["title"] == "[bold]Boss[/bold] <b>x</b>"


def test_clean_text_keeps_normal_unicode() -> None:
    assert clean_text("  Zürich – 東京 👩\u200d💻  ") == "Zürich – 東京 👩\u200d💻"


def test_clean_text_removes_bidi_overrides() -> None:
    assert clean_text("abc\u202edef\u2066") == "abcdef"


def test_posted_at_stays_as_found() -> None:
    ex = extractor(title="h2", url="a.apply@href", posted_at=".date")
    assert one(card('<h2>T</h2><span class="date">3 days ago</span>' + APPLY), ex)["posted_at"] == "3 days ago"


def test_empty_fields_are_absent() -> None:
    ex = extractor(title="h2", url="a.apply@href", company=".company")
    assert "company" not in one(card('<h2>T</h2><span class="company">  \n </span>' + APPLY), ex)


# -- skipping and ids -------------------------------------------------------


def test_items_missing_title_or_url_are_skipped_and_counted() -> None:
    html = card(APPLY) + card("<h2>No link</h2>") + card("") + card("<h2>Good</h2>" + APPLY)
    result = extractor().extract(html, PAGE_URL)
    assert [i["title"] for i in result.items] == ["Good"]
    assert result.skipped == 3
    assert result.skipped_reasons == {"missing title": 1, "missing url": 1, "missing title and url": 1}
    assert result.item_elements == 4


def test_external_id_defaults_to_the_hash_of_the_canonical_url() -> None:
    item = one(card("<h2>T</h2>" + APPLY))
    assert item["external_id"] == url_hash("https://jobs.example.org/jobs/1")
    assert len(item["external_id"]) == 20


def test_tracking_parameters_and_fragment_do_not_change_the_external_id() -> None:
    plain = one(card('<h2>T</h2><a class="apply" href="/jobs/1?id=5">x</a>'))
    tracked = one(card('<h2>T</h2><a class="apply" href="/jobs/1?utm_source=x&id=5&fbclid=z#apply">x</a>'))
    assert tracked["external_id"] == plain["external_id"]
    assert tracked["url"].endswith("#apply")  # the URL itself is kept as found


def test_external_id_from_the_page_wins() -> None:
    ex = extractor(title="h2", url="a.apply@href", external_id="@data-id")
    assert one(card("<h2>T</h2>" + APPLY, 'data-id=" 77 "'), ex)["external_id"] == "77"


def test_canonical_url() -> None:
    assert canonical_url("HTTPS://Jobs.Example.ORG:443/a?utm_source=x&b=1&ref=hn&c=%2F#frag") == (
        "https://jobs.example.org/a?b=1&c=%2F"
    )
    assert canonical_url("http://x.org:80") == "http://x.org/"
    assert canonical_url("http://x.org:8080/a?gclid=1&mc_cid=2&mc_eid=3") == "http://x.org:8080/a"
    assert canonical_url("https://x.org/A/b?z=2&a=1") == "https://x.org/A/b?z=2&a=1"


def test_url_hash_differs_for_different_postings() -> None:
    assert url_hash("https://x.org/jobs/1") != url_hash("https://x.org/jobs/2")
    assert url_hash("https://X.org/jobs/1#top") == url_hash("https://x.org/jobs/1")


# -- next page --------------------------------------------------------------


def test_next_page_is_absolute() -> None:
    result = extractor(next_page="a.next@href").extract('<a class="next" href="?page=2">Next</a>', PAGE_URL)
    assert result.next_urls == ["https://jobs.example.org/board/list?page=2"]


def test_next_page_without_attribute_uses_href_and_drops_repeats_and_self() -> None:
    html = '<nav><a class="p" href="?page=1">1</a><a class="p" href="?page=2">2</a><a class="p" href="?page=2">&gt;</a></nav>'
    result = extractor(next_page="a.p").extract(html, PAGE_URL)
    assert result.next_urls == ["https://jobs.example.org/board/list?page=2"]


def test_no_next_page_gives_an_empty_list() -> None:
    assert extractor(next_page="a.next").extract("<p>last page</p>", PAGE_URL).next_urls == []
    assert extractor().extract('<a class="next" href="/2">n</a>', PAGE_URL).next_urls == []


# -- coverage ---------------------------------------------------------------


def test_field_counts_cover_all_item_elements() -> None:
    ex = extractor(title="h2", url="a.apply@href", company=".company")
    html = card('<h2>A</h2><i class="company">X</i>' + APPLY) + card("<h2>B</h2>" + APPLY) + card('<i class="company">Y</i>')
    result = ex.extract(html, PAGE_URL)
    assert result.item_elements == 3
    assert result.field_counts == {"title": 2, "url": 2, "company": 2}


def test_coverage_accumulates_across_pages() -> None:
    ex = extractor(title="h2", url="a.apply@href", company=".company")
    coverage = FieldCoverage(["title", "url", "company"])
    coverage.add(ex.extract(card('<h2>A</h2><i class="company">X</i>' + APPLY), PAGE_URL))
    coverage.add(ex.extract(card("<h2>B</h2>" + APPLY) + card("<h2>C</h2>" + APPLY) + card(APPLY), PAGE_URL))
    assert coverage.item_elements == 4
    assert coverage.coverage() == {"title": 0.75, "url": 1.0, "company": 0.25}


def test_coverage_without_items_is_empty_not_zero() -> None:
    coverage = FieldCoverage(["title"])
    coverage.add(PageResult())
    assert coverage.coverage() == {}


# -- input ------------------------------------------------------------------


def test_utf8_bytes() -> None:
    html = ("<html><body>" + card("<h2>Café – Zürich</h2>" + APPLY) + "</body></html>").encode()
    assert extractor().extract(html, PAGE_URL).items[0]["title"] == "Café – Zürich"


def test_bytes_with_a_declared_legacy_charset() -> None:
    html = ('<html><head><meta charset="windows-1252"></head><body>' + card("<h2>Café</h2>" + APPLY) + "</body></html>")
    result = extractor().extract(html.encode("cp1252"), PAGE_URL)
    assert result.items[0]["title"] == "Café"


def test_empty_and_garbage_pages_give_nothing() -> None:
    for page in ("", b"", "<<<>>>", "\x00\x01"):
        result = extractor().extract(page, PAGE_URL)
        assert (result.items, result.item_elements, result.skipped) == ([], 0, 0)


def test_one_extractor_serves_many_pages() -> None:
    ex = extractor()
    first = ex.extract(card("<h2>A</h2>" + APPLY), PAGE_URL)
    second = ex.extract(card("<h2>B</h2>" + APPLY), PAGE_URL)
    assert (first.items[0]["title"], second.items[0]["title"]) == ("A", "B")
