"""The visitor's file as a mediator reads it: identity, consent, open items and the timeline.

The values, the rules and the statements (each taking a SQLAlchemy ``Session``); the use
cases that open the unit of work and journal the opening live in
``pimms_tui.application.visitor_file``.

- :mod:`.values`: the file's dataclasses and the refusals' messages;
- :mod:`.reading`: the visitor row, merges followed, the whole file in a fixed number of queries;
- :mod:`.editing`: identity fields checked, the guarded identity write, a visit started.
"""

from .editing import check_can_queue, identity_values, save_identity
from .reading import AppointmentViews, find_visitor, read_file, resolve_file
from .values import (
    ALREADY_IN_QUEUE,
    FILE_ANONYMISED,
    FILE_MERGED_AWAY,
    FILE_UNKNOWN,
    OTHER_OFFICE,
    ConsentState,
    Identity,
    IdentityChanges,
    OpenItems,
    OpenRelay,
    StaleFile,
    TimelineDemand,
    TimelineVisit,
    VisitorFile,
)

__all__ = [
    "ALREADY_IN_QUEUE",
    "FILE_ANONYMISED",
    "FILE_MERGED_AWAY",
    "FILE_UNKNOWN",
    "OTHER_OFFICE",
    "AppointmentViews",
    "ConsentState",
    "Identity",
    "IdentityChanges",
    "OpenItems",
    "OpenRelay",
    "StaleFile",
    "TimelineDemand",
    "TimelineVisit",
    "VisitorFile",
    "check_can_queue",
    "find_visitor",
    "identity_values",
    "read_file",
    "resolve_file",
    "save_identity",
]
