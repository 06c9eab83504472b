"""Switchable faults for the demo board: slow pages, errors, 429s, bad bodies.

A fault has a *target* and a *count*:

- target `"*"` matches every request; a source name without a slash
  (`"signature"`) matches every path under `/signature/`; a target ending in
  `*` (`"/signature/jobs*"`) matches paths starting with what precedes the
  star; any other target (`"/signature/jobs?page=2"`) matches exactly that
  path and query as the client sent it. Page 1 of a source is its start URL
  (`/signature/jobs`), not `?page=1`.
- `times=N` applies the fault to the next N matching requests, then it is
  spent and stays in `Faults.all` with `hits == N`; `times=None` applies it
  to every matching request until cleared.

On each request, every live `slow` fault that matches adds its delay (and
counts a hit); then the first live matching fault of any other kind, in the
order they were added, decides the response (and counts a hit). Requests are
recorded by the board before any fault applies, faulty or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["slow", "error", "rate_limit", "truncate", "oversized", "non_html"]

DEFAULT_OVERSIZED_BYTES = 11 * 1024 * 1024
"""Bigger than a typical 10 MB response cap."""


@dataclass(slots=True, eq=False)
class Fault:
    """One injected fault. Read `hits` to see how often it was applied."""

    kind: FaultKind
    target: str
    times: int | None = None
    """How many matching requests it applies to; None: all of them."""
    hits: int = 0
    delay: float = 0.0
    """slow: seconds to wait before answering."""
    status: int = 500
    """error: the HTTP status; rate_limit: always 429."""
    retry_after: int | None = None
    """error and rate_limit: the Retry-After header in seconds, if any."""
    keep: float = 0.5
    """truncate: the share of the document (in characters) that is sent."""
    drop_connection: bool = False
    """truncate: announce the full Content-Length, then close the connection
    mid-body (a transport error for the client) instead of a short but
    complete response (a broken document)."""
    size: int = DEFAULT_OVERSIZED_BYTES
    """oversized: body size in bytes."""
    declare_length: bool = True
    """oversized: send Content-Length; False streams it chunked, so only
    counting bytes while reading catches it."""
    content_type: str = "application/json"
    """non_html: the Content-Type of the body."""

    @property
    def live(self) -> bool:
        """Whether it still applies to the next matching request."""
        return self.times is None or self.hits < self.times

    def matches(self, path: str) -> bool:
        """Whether `path` (path and query as sent) is one this fault targets."""
        target = self.target
        if target == "*":
            return True
        if not target.startswith("/"):
            return path.startswith(f"/{target}/") or path.split("?", 1)[0] == f"/{target}"
        if target.endswith("*"):
            return path.startswith(target[:-1])
        return path == target


class Faults:
    """The board's fault switchboard (`DemoBoard.faults`).

    Each method adds a fault and returns it; `clear()` removes them. Safe to
    change while the board serves: everything runs on the board's event loop.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def _add(self, fault: Fault) -> Fault:
        if fault.times is not None and fault.times < 1:
            raise ValueError(f"times must be 1 or more, or None for always; got {fault.times}")
        if not fault.target:
            raise ValueError("a fault needs a target: '*', a source name or a path")
        self._faults.append(fault)
        return fault

    def slow(self, target: str, seconds: float, *, times: int | None = None) -> Fault:
        """Wait `seconds` before answering matching requests."""
        if seconds < 0:
            raise ValueError(f"a delay cannot be negative: {seconds}")
        return self._add(Fault("slow", target, times, delay=seconds))

    def error(self, target: str, status: int = 500, *, times: int | None = None,
              retry_after: int | None = None) -> Fault:
        """Answer with `status` (4xx or 5xx) and a small HTML error page."""
        if not 400 <= status <= 599:
            raise ValueError(f"an error status is 400-599, not {status}")
        return self._add(Fault("error", target, times, status=status, retry_after=retry_after))

    def rate_limit(self, target: str, retry_after: int = 1, *, times: int | None = None) -> Fault:
        """Answer 429 Too Many Requests with `Retry-After: retry_after` (seconds)."""
        if retry_after < 0:
            raise ValueError(f"Retry-After cannot be negative: {retry_after}")
        return self._add(Fault("rate_limit", target, times, status=429, retry_after=retry_after))

    def truncate(self, target: str, *, times: int | None = None, keep: float = 0.5,
                 drop_connection: bool = False) -> Fault:
        """Send only the first `keep` share of the page (see `Fault.drop_connection`)."""
        if not 0.0 <= keep < 1.0:
            raise ValueError(f"keep is a share in [0, 1), not {keep}")
        return self._add(Fault("truncate", target, times, keep=keep, drop_connection=drop_connection))

    def oversized(self, target: str, size: int = DEFAULT_OVERSIZED_BYTES, *,
                  times: int | None = None, declare_length: bool = True) -> Fault:
        """Answer with a valid HTML document of exactly `size` bytes."""
        if size < 1024:
            raise ValueError(f"an oversized body is at least 1024 bytes, not {size}")
        return self._add(Fault("oversized", target, times, size=size, declare_length=declare_length))

    def non_html(self, target: str, content_type: str = "application/json", *,
                 times: int | None = None) -> Fault:
        """Answer 200 with a non-HTML body: JSON, a PNG image or raw bytes."""
        return self._add(Fault("non_html", target, times, content_type=content_type))

    def clear(self, target: str | None = None) -> None:
        """Remove all faults, or those added with exactly this `target`."""
        if target is None:
            self._faults.clear()
        else:
            self._faults = [f for f in self._faults if f.target != target]

    def remove(self, fault: Fault) -> None:
        """Remove one fault (a spent one is harmless to keep)."""
        self._faults = [f for f in self._faults if f is not fault]

    @property
    def all(self) -> list[Fault]:
        """Every fault added and not cleared, spent or not, in order."""
        return list(self._faults)

    @property
    def active(self) -> list[Fault]:
        """The faults that still apply."""
        return [f for f in self._faults if f.live]

    def __len__(self) -> int:
        return len(self.active)

    def take(self, path: str) -> tuple[float, Fault | None]:
        """Consume the faults for one request: (total delay, response fault)."""
        delay = 0.0
        chosen: Fault | None = None
        for fault in self._faults:
            if not fault.live or not fault.matches(path):
                continue
            if fault.kind == "slow":
                fault.hits += 1
                delay += fault.delay
            elif chosen is None:
                fault.hits += 1
                chosen = fault
        return delay, chosen
