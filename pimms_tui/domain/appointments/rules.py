"""The rules of appointments: opening hours, lengths, places, and their plain values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pimms_tui.db.enums import AppointmentStatus, Role
from pimms_tui.text import one_line

from .. import sensitive
from ..messages import N_
from ..validation import FieldError

MAX_DURATION_MINUTES = 8 * 60
MAX_PLACE_LENGTH = 120
# How far before a time to look for appointments that may still be running (longer than the
# longest appointment the domain accepts).
LOOKBACK = timedelta(days=1)
# Statuses that free the time they held.
FREEING_STATUSES = frozenset({AppointmentStatus.CANCELLED.value})
# Outcomes recorded after the fact ("à renseigner" until one is).
OUTCOME_STATUSES = frozenset(
    {
        AppointmentStatus.SEEN,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.EXCUSED,
        AppointmentStatus.CANCELLED,
    }
)
# Statuses of an appointment that still waits for its outcome.
PENDING_STATUSES = (AppointmentStatus.BOOKED.value, AppointmentStatus.ARRIVED.value)
# Who can receive appointments; "any mediator" searches only mediators.
BOOKABLE_ROLES = frozenset({Role.MEDIATOR.value, Role.MANAGER.value})

DURATION_INVALID = N_("An appointment lasts between 1 and {max} minutes.")
WITH_WHOM_MISSING = N_("Choose a mediator or a partner session for the appointment.")
NAIVE_TIME = N_("The appointment time has no time zone.")
IN_THE_PAST = N_("This time is already past: choose a later slot.")
OUTSIDE_HOURS = N_("The office is closed at that time: choose a slot within opening hours.")
SLOT_TAKEN = N_("This slot was just taken by another booking: choose another one.")
VISITOR_BUSY = N_("This visitor already has an appointment at that time.")
PLACE_TOO_LONG = N_("The place is too long ({max} characters at most).")
STAFF_UNKNOWN = N_("This mediator does not exist or is no longer active.")
STAFF_NOT_BOOKABLE = N_("Appointments are only booked with a mediator or a manager.")
PARTNER_UNKNOWN = N_("This partner does not exist or is no longer active.")
VISITOR_UNKNOWN = N_("This visitor file does not exist.")
VISITOR_ERASED = N_("This visitor file was anonymised or merged: search the visitor again.")
MOTIF_UNKNOWN = N_("This reason does not exist.")
APPOINTMENT_UNKNOWN = N_("This appointment does not exist.")
ALREADY_CANCELLED = N_("This appointment is already cancelled.")
OUTCOME_ALREADY_SET = N_("This appointment already has an outcome: it can no longer be cancelled.")
OUTCOME_INVALID = N_("Choose seen, no-show, excused or cancelled.")
NOT_STARTED = N_("This appointment has not started yet.")
CANCELLED_NO_OUTCOME = N_("This appointment was cancelled; book a new one if needed.")
OTHER_OFFICE = N_("This desk belongs to another office.")


@dataclass(frozen=True)
class Slot:
    """A time that can be booked: start (aware), length, and with whom."""

    starts_at: datetime
    duration_minutes: int
    staff_id: int | None = None
    partner_id: int | None = None

    @property
    def ends_at(self) -> datetime:
        """When the slot ends."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class AppointmentView:
    """An appointment as the agenda and the listening screen show it."""

    id: int
    starts_at: datetime
    duration_minutes: int
    status: str
    place: str | None
    visitor_id: int | None
    visitor_first_name: str | None
    visitor_last_name: str | None
    staff_id: int | None
    staff_name: str | None
    partner_id: int | None
    partner_name: str | None
    motif_id: int | None
    motif_code: str | None
    motif_label_fr: str | None
    motif_label_en: str | None

    @property
    def ends_at(self) -> datetime:
        """When the appointment ends."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)


# --- Opening hours --------------------------------------------------------------------------


def _parse_hhmm(value: Any) -> tuple[int, int] | None:
    """ "09:30" → (9, 30); None when the value is not a time of day (24:00 allowed)."""
    if not isinstance(value, str):
        return None
    parts = value.strip().split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= minute < 60 and (0 <= hour < 24 or (hour == 24 and minute == 0))):
        return None
    return hour, minute


def _local_instant(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on a day (24:00 is the next midnight)."""
    if hour == 24:
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def opening_intervals(
    opening_hours: dict[str, Any], timezone: str, day: date
) -> list[tuple[datetime, datetime]]:
    """The day's opening intervals as UTC instants; Monday is "0", times are local.

    Malformed entries are skipped rather than trusted: a closed day is better than a slot at
    an impossible time.
    """
    zone = ZoneInfo(timezone)
    intervals: list[tuple[datetime, datetime]] = []
    entries = opening_hours.get(str(day.weekday())) or []
    if not isinstance(entries, list):
        return intervals
    for entry in entries:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            continue
        start, end = _parse_hhmm(entry[0]), _parse_hhmm(entry[1])
        if start is None or end is None:
            continue
        start_at = _local_instant(day, *start, zone)
        end_at = _local_instant(day, *end, zone)
        if start_at < end_at:
            intervals.append((start_at, end_at))
    intervals.sort()
    return intervals


def within(intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    """Whether the time lies inside one of the opening intervals."""
    return any(open_at <= start and end <= close_at for open_at, close_at in intervals)


def overlaps(busy: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    """Whether the time overlaps one of the busy times."""
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def check_duration(duration_minutes: int) -> None:
    """Refuse a length that is not a positive number of minutes up to the maximum."""
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 0 < duration_minutes <= MAX_DURATION_MINUTES
    ):
        raise FieldError("duration_minutes", DURATION_INVALID, {"max": str(MAX_DURATION_MINUTES)})


def clean_place(place: str | None) -> str | None:
    """A place typed for the appointment: spaces collapsed, None when empty; checked."""
    if place is None:
        return None
    cleaned = one_line(place)
    if not cleaned:
        return None
    if len(cleaned) > MAX_PLACE_LENGTH:
        raise FieldError("place", PLACE_TOO_LONG, {"max": str(MAX_PLACE_LENGTH)})
    sensitive.check_free_text(cleaned)
    return cleaned
