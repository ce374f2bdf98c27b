"""Activity statistics for funders and partners: the rules, the figures and their statements.

The statements take a SQLAlchemy ``Session`` and open no unit of work of their own: the
application's statistics use case checks the permission, opens the read and takes the
office's ``today``. Modules: :mod:`.figures` (the query and the figure dataclasses),
:mod:`.periods`, :mod:`.queries` (the figure set), :mod:`.breakdowns` (demands, relays,
appointments), :mod:`.durations` (percentiles), :mod:`.detail` (the export's anonymised
rows), :mod:`.scope` (offices and partners to choose from), :mod:`.masking` (external
reports), :mod:`.sql` (shared building blocks).

Nothing that identifies a person is read: no name, no note, no visitor id leaves the
database — only counts (the number of distinct named visitors is counted by the database).
"""

from .detail import demand_rows
from .durations import durations_of, percentile
from .figures import (
    DEFAULT_WAIT_TARGET_MINUTES,
    NO_PARTNER,
    DayWait,
    DemandRow,
    Durations,
    InvalidPeriod,
    PartnerRelays,
    Stats,
    StatsQuery,
    Tally,
    weekly_waits,
)
from .masking import DEFAULT_MASK_THRESHOLD, Masked, is_masked, masked_count, masked_figure
from .periods import Period, period_bounds, week_start
from .queries import read_figures
from .scope import list_offices, list_partners, office_ids_of, partner_ids, wait_target

__all__ = [
    "DEFAULT_MASK_THRESHOLD",
    "DEFAULT_WAIT_TARGET_MINUTES",
    "NO_PARTNER",
    "DayWait",
    "DemandRow",
    "Durations",
    "InvalidPeriod",
    "Masked",
    "PartnerRelays",
    "Period",
    "Stats",
    "StatsQuery",
    "Tally",
    "demand_rows",
    "durations_of",
    "is_masked",
    "list_offices",
    "list_partners",
    "masked_count",
    "masked_figure",
    "office_ids_of",
    "partner_ids",
    "percentile",
    "period_bounds",
    "read_figures",
    "wait_target",
    "week_start",
    "weekly_waits",
]
