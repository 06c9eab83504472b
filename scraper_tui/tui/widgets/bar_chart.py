"""A horizontal bar chart of labelled counts, drawn as plain text.

Bars are made of block characters and every bar carries its number, so the
chart reads the same without colour (NO_COLOR, 16-colour terminals) and in
an SVG snapshot. Labels are data (source names) and are shown literally.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from scraper_tui.tui.format import plain

__all__ = ["BarChart", "render_bars"]

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"


def _bar(value: float, top: float, width: int) -> str:
    """A bar `value / top` of `width` cells, in eighths of a cell; a non-zero value shows at least a sliver."""
    if top <= 0 or width <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / top))
    full, rest = divmod(eighths, 8)
    return _FULL * full + (_EIGHTHS[rest] if rest else "")


def render_bars(values: Mapping[str, int], width: int, *, label_width: int = 12, empty: str = "no data yet") -> Text:
    """The chart as `Text`: one line per label, `label bar count`, largest first as given."""
    if not values:
        return Text(empty, style="italic")
    labels = {name: plain(name) for name in values}
    label_width = min(label_width, max(len(label) for label in labels.values()))
    numbers = {name: f"{count:,}" for name, count in values.items()}
    number_width = max(len(n) for n in numbers.values())
    bar_width = max(1, width - label_width - number_width - 2)
    top = max(values.values())
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, (name, count) in enumerate(values.items()):
        if index:
            text.append("\n")
        label = labels[name]
        if len(label) > label_width:
            label = label[: label_width - 1] + "…"
        text.append(label.ljust(label_width) + " ", style="bold")
        bar = _bar(count, top, bar_width)
        text.append(bar.ljust(bar_width))
        text.append(" " + numbers[name].rjust(number_width))
    return text


class _Chart:
    """A renderable that lays the bars out at the width it is given."""

    def __init__(self, values: Mapping[str, int], label_width: int, empty: str) -> None:
        self.values = values
        self.label_width = label_width
        self.empty = empty

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield render_bars(self.values, options.max_width, label_width=self.label_width, empty=self.empty)


class BarChart(Widget):
    """Labelled horizontal bars; assign `values` (a fresh dict) to redraw."""

    DEFAULT_CSS = """
    BarChart {
        height: auto;
        color: $text-accent;
    }
    """

    values: reactive[dict[str, int]] = reactive(dict, layout=True)
    """Counts by label, drawn in the order given. Compared by equality: an unchanged dict does not redraw."""

    def __init__(
        self, values: Mapping[str, int] | None = None, *, label_width: int = 12, empty: str = "no data yet",
        name: str | None = None, id: str | None = None, classes: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(name=name, id=id, classes=classes)
        self.label_width = label_width
        self.empty = empty
        if values is not None:
            self.set_reactive(BarChart.values, dict(values))

    def render(self) -> _Chart:
        return _Chart(self.values, self.label_width, self.empty)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.values))
