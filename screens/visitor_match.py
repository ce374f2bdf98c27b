"""How a found visitor shows in a list of results: what tells two people apart, nothing more."""

from __future__ import annotations

from rich.text import Text

from pimms_tui.domain.visitors import VisitorMatch
from pimms_tui.i18n import _, format_date

from .literal import clean, literal


def match_label(match: VisitorMatch) -> Text:
    """One search result: name, birth year, commune, last visit — and nothing more."""
    name = " ".join(p for p in (match.first_name, match.last_name) if p)
    details = [str(match.birth_year) if match.birth_year else ""]
    details.append(clean(match.commune, 30))
    if match.last_visit_on:
        details.append(_("last visit {day}").format(day=format_date(match.last_visit_on)))
    text = literal(name, 40, style="bold")
    text.append("  " + " · ".join(d for d in details if d), style="dim")
    return text
