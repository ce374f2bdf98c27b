"""Statistics use cases (managers): the figures of a period and their exports.

The one place the screen (``m`` on the queue) and the command line (``pimms export stats``)
get their figures from: the permission is checked here, each call opens its own read, and
"today" (relays expire, the default period) comes from the one clock in the office's
timezone. The rules and statements are in :mod:`pimms_tui.domain.stats`; the files are
rendered by the documents package.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from pimms_tui.db.engine import Database
from pimms_tui.documents.stats_csv import write_stats_csv
from pimms_tui.documents.stats_summary import summary_lines
from pimms_tui.documents.stats_xlsx import write_stats_xlsx
from pimms_tui.domain import stats as rules
from pimms_tui.domain.access import Permission, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import Clock, SystemClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.stats import DemandRow, Stats, StatsQuery

FORMATS = ("csv", "xlsx")


class StatsService:
    """Statistics of one or several offices of the database for managers.

    ``office`` is the terminal's office: its calendar gives "today", and it is the scope and
    the waiting target when none is chosen. Without it (benchmarks, checks), queries are built
    by the caller.
    """

    def __init__(
        self, database: Database, clock: Clock | None = None, office: OfficeInfo | None = None
    ) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self.office = office

    # The office's calendar ------------------------------------------------------------------

    def today(self) -> date:
        """The terminal's office's calendar day now, in its own timezone."""
        assert self.office is not None, "statistics without an office have no today"
        return self.office.today(self.clock)

    def period(self, period: str) -> tuple[date, date]:
        """First and last day of today's period (``rules.Period``) in the office's calendar."""
        return rules.period_bounds(period, self.today())

    # What can be counted --------------------------------------------------------------------

    def offices(self, actor: Actor) -> list[tuple[int, str, str]]:
        """Every office of the database as (id, code, name): the screen's choice."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            return rules.list_offices(session)

    def wait_target(self, office_id: int) -> int:
        """The office's waiting-time target in minutes (its settings)."""
        with self.database.read() as session:
            return rules.wait_target(session, office_id)

    def partners(self, actor: Actor, office_ids: Sequence[int]) -> list[tuple[str, str]]:
        """The partners of these offices as (code, name), one per code, by name."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            return rules.list_partners(session, office_ids)

    def partner_ids(self, actor: Actor, office_ids: Sequence[int], code: str) -> tuple[int, ...]:
        """The partners with ``code`` in these offices (a partner report across offices)."""
        require(actor, Permission.STATISTICS)
        with self.database.read() as session:
            return rules.partner_ids(session, office_ids, code)

    def query(
        self,
        actor: Actor,
        start: date,
        end: date,
        *,
        office_codes: Sequence[str] = (),
        all_offices: bool = False,
        partner: str | None = None,
        wait_target: int | None = None,
    ) -> StatsQuery:
        """What to count, as the screen and the command line ask for it, with today's date.

        The offices: every office, or those with ``office_codes``, else the terminal's. The
        waiting target: ``wait_target``, else that of the terminal's office when it is counted,
        else that of the first office counted. ``partner``: a partner report (its code).
        """
        require(actor, Permission.STATISTICS)
        assert self.office is not None, "a query needs the terminal's office"
        with self.database.read() as session:
            if all_offices:
                office_ids = tuple(i for i, _code, _name in rules.list_offices(session))
            elif office_codes:
                office_ids = rules.office_ids_of(session, office_codes)
            else:
                office_ids = (self.office.id,)
            if wait_target is None and office_ids:
                home = self.office.id if self.office.id in office_ids else office_ids[0]
                wait_target = rules.wait_target(session, home)
            partners = None
            if partner is not None:
                partners = rules.partner_ids(session, office_ids, partner)
        return StatsQuery(
            start=start,
            end=end,
            office_ids=office_ids,
            wait_target_minutes=rules.DEFAULT_WAIT_TARGET_MINUTES
            if wait_target is None
            else wait_target,
            partner_ids=partners,
            today=self.today(),
        )

    def partner_query(self, actor: Actor, query: StatsQuery, partner: str) -> StatsQuery:
        """The same period and offices, for the demands and relays of one partner (its code)."""
        return replace(query, partner_ids=self.partner_ids(actor, query.office_ids, partner))

    # Figures --------------------------------------------------------------------------------

    def figures(self, actor: Actor, query: StatsQuery) -> Stats:
        """The whole figure set of the period: about ten aggregate statements in one read."""
        require(actor, Permission.STATISTICS)
        with self.database.read(long=True) as session:
            return rules.read_figures(session, query)

    def demand_rows(self, actor: Actor, query: StatsQuery) -> Iterator[DemandRow]:
        """The period's demands, one anonymised row each, streamed (exports' detail)."""
        require(actor, Permission.STATISTICS)
        with self.database.read(long=True) as session:
            yield from rules.demand_rows(session, query)

    # Exports --------------------------------------------------------------------------------

    def export(
        self,
        actor: Actor,
        query: StatsQuery,
        *,
        path: Path,
        file_format: str,
        mask_below: int | None = None,
    ) -> list[Path]:
        """Write the figures and the detail of ``query`` to ``path``; returns the files written.

        CSV writes the detail to ``path`` and the summary beside it; XLSX one workbook. With
        ``mask_below`` (external reports), counts of fewer people are masked in the summary.
        """
        if file_format not in FORMATS:
            raise ValueError(f"unknown format {file_format!r}")
        lines = summary_lines(self.figures(actor, query), mask_below=mask_below)
        rows = self.demand_rows(actor, query)
        if file_format == "xlsx":
            return [write_stats_xlsx(path, lines, rows)]
        return write_stats_csv(path, lines, rows)


def default_export_path(
    folder: Path, query: StatsQuery, file_format: str, partner: str | None = None
) -> Path:
    """``stats-2026-01-01-2026-12-31.csv`` in ``folder`` (``stats-caf-…`` for a partner)."""
    kind = f"stats-{partner}" if partner else "stats"
    return folder / f"{kind}-{query.start.isoformat()}-{query.end.isoformat()}.{file_format}"
