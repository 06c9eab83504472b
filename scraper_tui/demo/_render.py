"""HTML for the demo board: one markup style per source.

- signature: cards, `div.job-card[data-id]`, root-relative links, `a.next`.
- flygosh: a table, `table.jobs tr.job`, document-relative links with an
  `&amp;` in the query, `a[rel=next]` holding a bare query (`?p=3`).
- indigo: a list, `ul#postings li` with data attributes, `./jobs/...` links,
  `<link rel="next">` in the head; its last page points into the archive that
  robots.txt disallows.

Text is escaped and, on some items, spread over lines with stray spaces, so
extraction has to decode entities and collapse whitespace to get the truth
back. Attribute values are escaped but never padded.
"""

from __future__ import annotations

from datetime import date
from html import escape

from .postings import SOURCES, Posting

ROBOTS_TXT = """\
# Demo job board. Be nice.
User-agent: *
Disallow: /private/
Disallow: /indigo/archive

User-agent: GreedyBot
Disallow: /
"""

_NAV = " ".join(
    f'<a href="{path}">{name.title()}</a>'
    for name, path in (("signature", "/signature/jobs"), ("flygosh", "/flygosh/listings"),
                       ("indigo", "/indigo/openings"))
)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _spread(text: str, index: int) -> str:
    """Escaped text, with stray whitespace on every third item."""
    escaped = _e(text)
    if index % 3 != 0:
        return escaped
    first, _, rest = escaped.partition(" ")
    if not rest:
        return f"\n      {escaped}\t\n    "
    return f"\n      {first}  \n\t {rest}\n    "


def _human_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def page(title: str, body: str, *, head: str = "") -> str:
    """A whole document in the board's chrome (nav, footer with a private link)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{_e(title)} · Demo Jobs</title>
{head}</head>
<body>
<header class="site"><a class="home" href="/">Demo Jobs</a> <nav>{_NAV}</nav></header>
<main>
{body}
</main>
<footer class="site"><a href="/private/admin">Staff login</a> · <a href="/robots.txt">robots.txt</a></footer>
</body>
</html>
"""


def index_page() -> str:
    items = "\n".join(
        f'<li><a href="{path}">{name}</a></li>'
        for name, path in zip(SOURCES, ("/signature/jobs", "/flygosh/listings", "/indigo/openings"))
    )
    return page("Sources", f"<h1>Demo job board</h1>\n<ul class=\"sources\">\n{items}\n</ul>")


def signature_listing(postings: list[Posting], page_no: int, num_pages: int) -> str:
    cards = []
    for index, p in enumerate(postings):
        salary = f'\n  <p class="salary">{_e(p.salary)}</p>' if p.salary else ""
        cards.append(f"""<div class="job-card" data-id="{_e(p.external_id)}">
  <h2>{_spread(p.title, index)}</h2>
  <p class="meta"><span class="company">{_spread(p.company, index + 1)}</span> ·
     <span class="location">{_e(p.location)}</span></p>{salary}
  <time datetime="{p.posted_at}">{_human_date(p.posted_at)}</time>
  <a class="apply" href="{_e(p.path)}">View &amp; apply</a>
</div>""")
    links = []
    if page_no > 1:
        links.append(f'<a class="prev" href="/signature/jobs?page={page_no - 1}">&larr; Previous</a>')
    links.append(f'<span class="current">Page {page_no} of {num_pages}</span>')
    if page_no < num_pages:
        links.append(f'<a class="next" href="/signature/jobs?page={page_no + 1}">Next &rarr;</a>')
    body = ('<h1>Signature jobs</h1>\n<section class="results">\n' + "\n".join(cards)
            + '\n</section>\n<nav class="pagination">' + " ".join(links) + "</nav>")
    return page(f"Signature jobs, page {page_no}", body)


def flygosh_listing(postings: list[Posting], page_no: int, num_pages: int) -> str:
    rows = []
    for index, p in enumerate(postings):
        href = p.path.removeprefix("/flygosh/")  # "job?id=...&src=list", relative
        rows.append(f"""<tr class="job">
  <td class="ref">{_e(p.external_id)}</td>
  <td class="title"><a href="{_e(href)}">{_spread(p.title, index + 2)}</a></td>
  <td class="company">{_e(p.company)}</td>
  <td class="location">{_spread(p.location, index)}</td>
  <td class="posted">{p.posted_at}</td>
  <td class="pay">{_e(p.salary) if p.salary else "&mdash;"}</td>
</tr>""")
        if index == 9:
            rows.append('<tr class="sponsor"><td colspan="6">Hiring? '
                        '<a href="/private/advertise">Advertise on Flygosh</a></td></tr>')
    pager = []
    if page_no > 1:
        pager.append(f'<a rel="prev" href="?p={page_no - 1}">&lsaquo; Prev</a>')
    pager.append(f"<b>{page_no}</b>/{num_pages}")
    if page_no < num_pages:
        pager.append(f'<a rel="next" href="?p={page_no + 1}">Next &rsaquo;</a>')
    body = ("<h1>Flygosh listings</h1>\n<table class=\"jobs\">\n<thead><tr><th>Ref</th><th>Position</th>"
            "<th>Employer</th><th>Where</th><th>Posted</th><th>Pay</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>\n<div class=\"pager\">" + " ".join(pager) + "</div>")
    return page(f"Flygosh listings, page {page_no}", body)


def indigo_listing(postings: list[Posting], next_href: str | None, *, heading: str = "Indigo openings") -> str:
    items = []
    for index, p in enumerate(postings):
        href = "./" + p.path.removeprefix("/indigo/")
        items.append(f"""<li class="posting" data-job-id="{_e(p.external_id)}" data-company="{_e(p.company)}" \
data-location="{_e(p.location)}" data-posted="{p.posted_at}">
  <a class="title" href="{_e(href)}">{_spread(p.title, index + 1)}</a>
  <span class="where">{_e(p.company)} &mdash; {_e(p.location)}</span>
  <small>posted {_human_date(p.posted_at)}</small>
</li>""")
    head = f'<link rel="next" href="{_e(next_href)}">\n' if next_href else ""
    more = f'\n<p class="more"><a class="older" href="{_e(next_href)}">Older openings</a></p>' if next_href else ""
    body = f"<h1>{_e(heading)}</h1>\n<ul id=\"postings\">\n" + "\n".join(items) + "\n</ul>" + more
    return page(heading, body, head=head)


def detail_page(p: Posting, back: str) -> str:
    salary = f"<p class=\"salary\">{_e(p.salary)}</p>\n" if p.salary else ""
    body = f"""<article class="posting" data-id="{_e(p.external_id)}">
<h1>{_e(p.title)}</h1>
<p class="company">{_e(p.company)}</p>
<p class="location">{_e(p.location)}</p>
<p>Posted <time datetime="{p.posted_at}">{_human_date(p.posted_at)}</time></p>
{salary}<p class="description">{_e(p.company)} is hiring a {_e(p.title)} in {_e(p.location)}.
You will work with a friendly team on interesting problems.</p>
<p><a href="{_e(back)}">Back to listings</a></p>
</article>"""
    return page(p.title, body)


def message_page(title: str, text: str) -> str:
    return page(title, f"<h1>{_e(title)}</h1>\n<p>{_e(text)}</p>")
