"""A small fixed activity whose figures are computed by hand (tests/test_stats*.py).

Visits go through the real queue service (so the events are the ones the desk writes);
demands, relays and appointments are written as rows. All on Monday 2 March 2026 (Paris),
plus one visit the week before. Hand-computed figures are in ``EXPECTED`` below.

Times are Paris local (wait and listening in minutes):

- V1 anonymous (26–44, woman), arrives 10:00; call 10:10, start 10:11, done 10:31.
  Wait 10, listening 20, three demands.
- V2 Marie Curiosa (named), arrives 10:02; call 10:06, put back 10:07, call 10:20,
  start 10:21, done 10:26. Wait 4 (to the first call), listening 5, one demand.
- V3 anonymous, arrives 10:05; call 10:30, start 10:31, transfer 10:41, call 10:50,
  start 10:52, done 10:57. Wait 25, listening 10 + 5 = 15, one demand.
- V4 anonymous, arrives 10:08; call 10:40, recall 10:42, no-show 10:45. Wait 32 (to the
  first call), no demand.
- V5 Jean Valjeanne (named), arrives 10:10, left 10:15: never called.
- V0 anonymous, 23 February, arrives 10:00; call 10:06, start 10:06, done 10:10.
  Wait 6, listening 4, one demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from pimms_tui.application.queue import QueueService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import (
    AgeBand,
    AppointmentStatus,
    Gender,
    HelpLevel,
    Outcome,
    RefusalReason,
    RelayMode,
    RelayStatus,
    Role,
)
from pimms_tui.db.models import Appointment, Demand, Motif, Partner, Relay, Staff, Visitor
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, ensure_desk
from pimms_tui.domain.queue import ArrivalRequest

DAY = date(2026, 3, 2)
EARLIER_DAY = date(2026, 2, 23)
NAMES = ("Marie", "Curiosa", "Jean", "Valjeanne")
NOTES = ("Note secrète Zorglub", "Dossier confidentiel Plumeau")


@dataclass(frozen=True)
class Activity:
    """Ids a test may need."""

    motif_ids: dict[str, int]
    partner_ids: dict[str, int]


EXPECTED = {
    "visits": 5,
    "named_visitors": 2,
    "anonymous_visits": 3,
    "by_status": {"done": 3, "no_show": 1, "left": 1},
    "demands": 5,
    "by_motif": {"energy": 3, "family_benefits": 2},
    "by_partner": {"caf": 2, "edf": 1, "": 2},
    "by_outcome": {"resolved": 2, "relay": 2, "come_back": 1},
    "by_level": {"inform": 3, "accompany": 1, "on_behalf": 1},
    "relays": {"confirmed": 1, "refused": 1},
    "appointments": {"seen": 1, "no_show": 1, "excused": 1, "cancelled": 1},
    # Waits 4, 10, 25, 32 minutes; listening 5, 15, 20 minutes.
    "wait_mean": 17.75,
    "wait_median": 17.5,
    "wait_p90": 29.9,
    "wait_over": 2,
    "listen_mean": 40 / 3,
    "listen_median": 15.0,
    "listen_p90": 19.0,
}


def at(day: date, hour: int, minute: int) -> datetime:
    """Paris local time on ``day`` in March/February 2026 (UTC+1) as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour - 1, minute, tzinfo=UTC)


def build_activity(database: Database, office: OfficeInfo) -> Activity:
    """Write the fixed activity into ``database`` for ``office``."""
    clock = FixedClock(at(EARLIER_DAY, 10, 0))
    queue = QueueService(database, clock, office)
    with database.write() as session:
        desk = ensure_desk(session, office.id, "Guichet 1")
        staff = Staff(office_id=office.id, display_name="Camille", role=Role.MEDIATOR.value)
        marie = _visitor(office, NAMES[0], NAMES[1], clock.now())
        jean = _visitor(office, NAMES[2], NAMES[3], clock.now())
        session.add_all([staff, marie, jean])
        session.flush()
        staff_id, marie_id, jean_id = staff.id, marie.id, jean.id
        motifs = {c: i for c, i in session.execute(select(Motif.code, Motif.id))}
        partners = {
            c: i
            for c, i in session.execute(
                select(Partner.code, Partner.id).where(Partner.office_id == office.id)
            )
        }
    actor = Actor(office_id=office.id, desk_id=desk.id, staff_id=staff_id, role=Role.MEDIATOR)

    def set_clock(day: date, hour: int, minute: int) -> None:
        clock.current = at(day, hour, minute)

    def arrive(day: date, hour: int, minute: int, **fields: object) -> int:
        set_clock(day, hour, minute)
        return queue.register_arrival(ArrivalRequest(**fields), actor).visit_id  # type: ignore[arg-type]

    # The week before: V0.
    v0 = arrive(EARLIER_DAY, 10, 0)
    set_clock(EARLIER_DAY, 10, 6)
    queue.call(v0, actor)
    queue.start(v0, actor)
    set_clock(EARLIER_DAY, 10, 10)
    queue.finish(v0, actor)

    v1 = arrive(DAY, 10, 0, age_band=AgeBand.FROM_26_TO_44, gender=Gender.FEMALE)
    v2 = arrive(DAY, 10, 2, visitor_id=marie_id)
    v3 = arrive(DAY, 10, 5)
    v4 = arrive(DAY, 10, 8)
    v5 = arrive(DAY, 10, 10, visitor_id=jean_id)
    set_clock(DAY, 10, 6)  # the clock goes back: the steps are written in visit order
    queue.call(v2, actor)
    set_clock(DAY, 10, 7)
    queue.put_back(v2, actor)
    set_clock(DAY, 10, 10)
    queue.call(v1, actor)
    set_clock(DAY, 10, 11)
    queue.start(v1, actor)
    set_clock(DAY, 10, 15)
    queue.mark_left(v5, actor)
    set_clock(DAY, 10, 20)
    queue.call(v2, actor)
    set_clock(DAY, 10, 21)
    queue.start(v2, actor)
    set_clock(DAY, 10, 26)
    queue.finish(v2, actor)
    set_clock(DAY, 10, 30)
    queue.call(v3, actor)
    set_clock(DAY, 10, 31)
    queue.start(v3, actor)
    queue.finish(v1, actor)
    set_clock(DAY, 10, 40)
    queue.call(v4, actor)
    set_clock(DAY, 10, 41)
    queue.transfer(v3, None, None, actor)
    set_clock(DAY, 10, 42)
    queue.recall(v4, actor)
    set_clock(DAY, 10, 45)
    queue.mark_no_show(v4, actor)
    set_clock(DAY, 10, 50)
    queue.call(v3, actor)
    set_clock(DAY, 10, 52)
    queue.start(v3, actor)
    set_clock(DAY, 10, 57)
    queue.finish(v3, actor)

    energy, family = motifs["energy"], motifs["family_benefits"]
    caf, edf = partners["caf"], partners["edf"]
    with database.write() as session:
        demands = [
            # visit, motif, partner, level, outcome, note
            (v0, family, None, HelpLevel.INFORM, Outcome.RESOLVED, None),
            (v1, energy, caf, HelpLevel.INFORM, Outcome.RESOLVED, NOTES[0]),
            (v1, energy, edf, HelpLevel.ACCOMPANY, Outcome.RELAY, None),
            (v1, family, None, HelpLevel.ON_BEHALF, Outcome.COME_BACK, None),
            (v2, energy, caf, HelpLevel.INFORM, Outcome.RELAY, NOTES[1]),
            (v3, family, None, HelpLevel.INFORM, Outcome.RESOLVED, None),
        ]
        rows = []
        for position, (visit, motif, partner, level, outcome, note) in enumerate(demands):
            row = Demand(
                office_id=office.id,
                visit_id=visit,
                position=position + 1,
                motif_id=motif,
                partner_id=partner,
                register_code="partner_link" if partner else "inform_train",
                level=level.value,
                outcome=outcome.value,
                note=note,
                created_at=at(DAY, 10, 30),
                day=EARLIER_DAY if visit == v0 else DAY,  # the visit's day (statistics)
            )
            rows.append(row)
        session.add_all(rows)
        session.flush()
        sent = at(DAY, 10, 30)
        session.add_all(
            [
                Relay(
                    office_id=office.id,
                    demand_id=rows[2].id,
                    partner_id=edf,
                    mode=RelayMode.EMAIL.value,
                    reason=NOTES[0],
                    sent_at=sent,
                    follow_up_on=DAY + timedelta(days=14),
                    status=RelayStatus.CONFIRMED.value,
                    day=DAY,
                ),
                Relay(
                    office_id=office.id,
                    demand_id=rows[4].id,
                    partner_id=caf,
                    mode=RelayMode.PHONE_TOGETHER.value,
                    sent_at=sent,
                    follow_up_on=DAY + timedelta(days=14),
                    status=RelayStatus.REFUSED.value,
                    refusal_reason=RefusalReason.NOT_ELIGIBLE.value,
                    day=DAY,
                ),
            ]
        )
        for hour, status in (
            (14, AppointmentStatus.SEEN),
            (15, AppointmentStatus.NO_SHOW),
            (16, AppointmentStatus.EXCUSED),
            (17, AppointmentStatus.CANCELLED),
        ):
            session.add(
                Appointment(
                    office_id=office.id,
                    visitor_id=marie_id,
                    staff_id=staff_id,
                    starts_at=at(DAY, hour, 0),
                    status=status.value,
                    created_at=at(EARLIER_DAY, 10, 0),
                )
            )
        # An appointment the next week: outside every period of the tests but "year".
        session.add(
            Appointment(
                office_id=office.id,
                staff_id=staff_id,
                starts_at=at(DAY + timedelta(days=7), 9, 0),
                status=AppointmentStatus.BOOKED.value,
                created_at=at(EARLIER_DAY, 10, 0),
            )
        )
    return Activity(motif_ids=motifs, partner_ids=partners)


def _visitor(office: OfficeInfo, first: str, last: str, now: datetime) -> Visitor:
    return Visitor(
        office_id=office.id,
        first_name=first,
        last_name=last,
        search_key=f"{first} {last}".lower(),
        created_at=now,
        last_activity_at=now,
    )
