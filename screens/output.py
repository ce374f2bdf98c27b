"""The last line of defence: no text drawn on the screen ever carries a terminal command.

Textual turns each screen update into strips of segments and writes, for each segment, its
style as escape codes then its text as it is. Widgets are meant to be given clean text (the
views use ``literal``, the fields ``SafeInput``), but a value from the database could still
reach a widget some other way: a select's option, a title, a toast. So each update is
checked here on its way to the terminal: a segment whose TEXT holds a control, bidi or other
hidden character is redrawn without it (``pimms_tui.text.for_terminal``), and a link whose
address holds one loses the link. The escape codes Textual itself emits for colours, cursor
moves and synchronised output are outside the segments' text, so they are untouched.

Dropping is right at this point, where a visible replacement would not be: the layout was
computed with those characters as zero-width, so removing them keeps every cell in place.
Most updates hold only printable text and cost one ``str.isprintable`` per segment.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual._compositor import ChopsUpdate, InlineUpdate, LayoutUpdate
from textual.strip import Strip

from pimms_tui.text import for_terminal


def _safe_segment(segment: Segment) -> Segment:
    text, style, control = segment
    link = style.link if style is not None else None
    if link and for_terminal(link) != link:
        assert style is not None
        style = style.update_link(None)
    return Segment(for_terminal(text), style, control)


def _needs_cleaning(segment: Segment) -> bool:
    text, style, _control = segment
    if not text.isprintable() and for_terminal(text) != text:
        return True
    link = style.link if style is not None else None
    return link is not None and for_terminal(link) != link


def safe_strip(strip: Strip) -> Strip:
    """The strip itself when its text is clean (the usual case), else a cleaned copy."""
    if not any(_needs_cleaning(segment) for segment in strip):
        return strip
    return Strip([_safe_segment(segment) for segment in strip])


def safe_update(update: Any) -> Any:
    """The same screen update with every strip's text made safe for the terminal.

    The three kinds of update Textual 8 draws are rebuilt with clean strips; anything else
    (Textual draws nothing else through ``App._display``) is passed on unchanged.
    """
    if isinstance(update, LayoutUpdate):
        lines = [[safe_strip(strip) for strip in line] for line in update.strips]
        return LayoutUpdate(lines, update.region)  # type: ignore[arg-type]
    if isinstance(update, ChopsUpdate):
        chops = [
            {x: None if strip is None else safe_strip(strip) for x, strip in line.items()}
            for line in update.chops
        ]
        return ChopsUpdate(chops, update.spans, update.chop_ends)
    if isinstance(update, InlineUpdate):
        return InlineUpdate([safe_strip(strip) for strip in update.strips], update.clear)
    return update
