"""Deterministic job postings for the demo board.

Every posting comes from a `random.Random` seeded with the board's seed and the
source name (string seeds hash with SHA-512, so the data is the same in every
process, whatever PYTHONHASHSEED says). The global `random` module is never
touched.

The text held in a `Posting` is the *normalised* truth: single spaces, no
leading or trailing whitespace, entities decoded. The board's markup adds
escaping and stray whitespace on top, so an extractor that decodes entities and
collapses whitespace gets exactly these values back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

SOURCES: tuple[str, ...] = ("signature", "flygosh", "indigo")
"""The demo board's sources, in the order the index page lists them."""

PAGE_SIZES: dict[str, int] = {"signature": 20, "flygosh": 25, "indigo": 30}
"""Postings per listing page; they differ so pagination bugs show per source."""

DEFAULT_POSTINGS = 250
"""Postings per source unless the board is told otherwise."""

DEFAULT_SEED = 2024

NEWEST_DATE = date(2025, 6, 30)
"""The most recent `posted_at`; fixed so the data never depends on today."""

_MAX_AGE_DAYS = 180

EDITABLE_FIELDS: frozenset[str] = frozenset(
    {"title", "company", "location", "posted_at", "salary"}
)
"""Fields `DemoBoard.edit_posting` may change (the id and URL never change)."""


@dataclass(frozen=True, slots=True)
class Posting:
    """One job posting as a correct scraper must extract it.

    `url` is absolute once the board hands the posting out (`DemoBoard.postings`);
    `path` is the same link without scheme and host. `posted_at` is an ISO 8601
    date string (`YYYY-MM-DD`). `salary` is shown in the markup but is not one
    of the demo config's fields.
    """

    source: str
    external_id: str
    title: str
    company: str
    location: str
    posted_at: str
    path: str
    url: str
    salary: str | None = None


_ROLES = (
    "Backend Engineer", "Frontend Developer", "Full Stack Developer",
    "Data Engineer", "Data Scientist", "Machine Learning Engineer",
    "Site Reliability Engineer", "DevOps Engineer", "Platform Engineer",
    "Security Engineer", "Mobile Developer (iOS)", "Android Developer",
    "QA Engineer", "Test Automation Engineer", "Product Manager",
    "Product Designer", "UX Researcher", "Technical Writer",
    "Engineering Manager", "Solutions Architect", "Cloud Architect",
    "Database Administrator", "Network Engineer", "Embedded Software Engineer",
    "Firmware Engineer", "Analytics Engineer", "Business Analyst",
    "Scrum Master", "Customer Success Manager", "Account Executive",
    "Sales Development Representative", "Marketing Manager",
    "Content Strategist", "Recruiter", "People Partner", "Financial Analyst",
    "Payroll Specialist", "Office Manager", "Support Engineer",
    "Python Developer", "Go Developer", "Rust Engineer", "Java Developer",
    "Ruby on Rails Developer", "Game Developer", "Graphics Programmer",
    "Bioinformatics Scientist", "Research Scientist", "Hardware Engineer",
)

_SENIORITY = ("", "", "", "Senior ", "Senior ", "Junior ", "Lead ", "Staff ", "Principal ")

_SUFFIXES = ("", "", "", "", "", " (Remote)", " - Contract", " (m/f/d)", ", Payments", ", Search")

_SPECIAL_TITLES = (
    "R&D Engineer",
    "QA & Test Automation Lead",
    "C/C++ Developer <Embedded>",
    'Developer Advocate "DevRel"',
    "Sales & Marketing Coordinator",
    "Head of Growth 'EMEA'",
    "Intern [bold]Summer 2025[/bold]",
    "Data Engineer (ETL <-> Streaming)",
)
"""Titles that need escaping in HTML or literal rendering in a terminal UI."""

_COMPANIES = (
    "Northwind Traders", "Barnes & Hale", "O'Reilly Freight", "Bluefin Labs",
    "Fjord Analytics", "Müller & Söhne GmbH", "Square [Bracket] Games",
    "Quill \"&\" Ink", "Lumen Health", "Copperleaf Energy", "Halcyon Robotics",
    "Tessellate", "Parcel Post Co.", "Brightwater Bank", "Kestrel Aerospace",
    "Oakridge Insurance", "Meridian Maps", "Nimbus Cloud", "Ferrous Steelworks",
    "Juniper Learning", "Ampersand <Studio>", "Granite Legal LLP",
    "Polaris Logistics", "Sable Security", "Wren & Finch", "Cobalt Payments",
    "Atlas Grocers", "Vireo Mobility", "Pinecone Media", "Harbor Biotech",
    "Saffron Foods", "Trellis HR", "Orbital Data", "Ridgeline Outdoor",
    "Mosaic Retail", "Zephyr Wind", "Ironclad Systems", "Lattice Quantum",
    "Beacon Civic Tech", "Driftwood Hotels", "Cinder Games", "Tandem Travel",
)

_LOCATIONS = (
    "London, UK", "Manchester, UK", "Edinburgh, UK", "Dublin, IE",
    "Berlin, DE", "Munich, DE", "Hamburg, DE", "Zürich, CH", "Vienna, AT",
    "Amsterdam, NL", "Paris, FR", "Lisbon, PT", "Madrid, ES", "Barcelona, ES",
    "Stockholm, SE", "Oslo, NO", "Copenhagen, DK", "Helsinki, FI",
    "Tallinn, EE", "Warsaw, PL", "Kraków, PL", "Prague, CZ",
    "New York, NY", "San Francisco, CA", "Seattle, WA", "Austin, TX",
    "Boston, MA", "Chicago, IL", "Toronto, ON", "Montréal, QC",
    "São Paulo, BR", "Cape Town, ZA", "Bengaluru, IN", "Singapore",
    "Tokyo, JP", "Sydney, AU", "Remote", "Remote (EU)", "Remote (US)",
)

_CURRENCY = {"UK": "£", "NY": "$", "CA": "$", "WA": "$", "TX": "$", "MA": "$",
             "IL": "$", "(US)": "$", "ON": "CA$", "QC": "CA$", "CH": "CHF ",
             "SE": "SEK ", "NO": "NOK ", "DK": "DKK ", "PL": "PLN ", "CZ": "CZK ",
             "BR": "R$", "ZA": "R", "IN": "₹", "JP": "¥", "AU": "A$", "Singapore": "S$"}


def _title(rng: random.Random, index: int) -> str:
    # A fixed share of special titles, so even a small board has some.
    if index % 23 == 5:
        return _SPECIAL_TITLES[(index // 23) % len(_SPECIAL_TITLES)]
    return rng.choice(_SENIORITY) + rng.choice(_ROLES) + rng.choice(_SUFFIXES)


def _salary(rng: random.Random, location: str) -> str | None:
    if rng.random() < 0.4:
        return None
    currency = _CURRENCY.get(location.rsplit(" ", 1)[-1], "€")
    low = rng.randrange(30, 160, 5)
    high = low + rng.randrange(10, 45, 5)
    return f"{currency}{low}k–{currency}{high}k"


def _external_ids(source: str, rng: random.Random, count: int) -> list[str]:
    if source == "signature":
        return [str(n) for n in rng.sample(range(10_000, 10_000 + max(90_000, count * 3)), count)]
    if source == "flygosh":
        return [f"FG-{n:05d}" for n in rng.sample(range(1, max(99_999, count * 3)), count)]
    seen: set[str] = set()
    ids: list[str] = []
    while len(ids) < count:
        candidate = f"ind-{rng.getrandbits(32):08x}"
        if candidate not in seen:
            seen.add(candidate)
            ids.append(candidate)
    return ids


def posting_path(source: str, external_id: str) -> str:
    """The detail page path of a posting, as its listing link resolves."""
    if source == "signature":
        return f"/signature/jobs/{external_id}"
    if source == "flygosh":
        return f"/flygosh/job?id={external_id}&src=list"
    if source == "indigo":
        return f"/indigo/jobs/{external_id}"
    raise KeyError(f"unknown demo source {source!r}; expected one of {', '.join(SOURCES)}")


def generate_postings(source: str, count: int = DEFAULT_POSTINGS, *,
                      seed: int = DEFAULT_SEED, base_url: str = "") -> list[Posting]:
    """The postings of `source`, newest first, as its listing pages show them.

    Same `source`, `count` and `seed` give the same list in every process.
    `base_url` (e.g. "http://127.0.0.1:8080") prefixes each `path` to make `url`.
    """
    if source not in SOURCES:
        raise KeyError(f"unknown demo source {source!r}; expected one of {', '.join(SOURCES)}")
    if count < 0:
        raise ValueError(f"postings per source must be 0 or more, not {count}")
    rng = random.Random(f"scraper-tui-demo:{seed}:{source}")
    ids = _external_ids(source, rng, count)
    dated: list[tuple[int, Posting]] = []
    for index, external_id in enumerate(ids):
        location = rng.choice(_LOCATIONS)
        age = rng.randint(0, _MAX_AGE_DAYS)
        path = posting_path(source, external_id)
        posting = Posting(
            source=source,
            external_id=external_id,
            title=_title(rng, index),
            company=rng.choice(_COMPANIES),
            location=location,
            posted_at=(NEWEST_DATE - timedelta(days=age)).isoformat(),
            path=path,
            url=base_url + path,
            salary=_salary(rng, location),
        )
        dated.append((age, posting))
    # Newest first; the sort is stable, so equal dates keep generation order.
    dated.sort(key=lambda pair: pair[0])
    return [posting for _, posting in dated]


def archived_postings(count: int = 12, *, seed: int = DEFAULT_SEED, base_url: str = "") -> list[Posting]:
    """Old indigo postings behind /indigo/archive, which robots.txt disallows.

    They are never part of `DemoBoard.postings("indigo")`: a scraper that
    obeys robots.txt never sees them, so finding one in the store is a bug.
    """
    rng = random.Random(f"scraper-tui-demo:{seed}:indigo-archive")
    result = []
    for index in range(count):
        external_id = f"ind-arch{index:04d}"
        location = rng.choice(_LOCATIONS)
        path = f"/indigo/archive/{external_id}"
        result.append(Posting(
            source="indigo",
            external_id=external_id,
            title=_title(rng, index),
            company=rng.choice(_COMPANIES),
            location=location,
            posted_at=(NEWEST_DATE - timedelta(days=_MAX_AGE_DAYS + 30 + index)).isoformat(),
            path=path,
            url=base_url + path,
            salary=None,
        ))
    return result
