"""Statistics: figures of a fixed activity checked against hand-computed values, both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pimms_tui.application.stats import StatsService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.errors import PermissionDenied
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.stats import (
    InvalidPeriod,
    Period,
    Stats,
    StatsQuery,
    period_bounds,
)
from pimms_tui.domain.stats import percentile as _percentile
from tests.statskit import DAY, EARLIER_DAY, EXPECTED, build_activity


def manager(office: OfficeInfo) -> Actor:
    return Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)


def figures(database: Database, office: OfficeInfo, start: date, end: date) -> Stats:
    return StatsService(database).figures(
        manager(office), StatsQuery(start=start, end=end, office_ids=(office.id,))
    )


def test_figures_of_the_fixed_day(database: Database, office: OfficeInfo) -> None:
    """Every figure of Monday matches the hand computation (tests/statskit.py's table)."""
    activity = build_activity(database, office)
    stats = figures(database, office, DAY, DAY)

    assert stats.visits == EXPECTED["visits"]
    assert stats.named_visitors == EXPECTED["named_visitors"]
    assert stats.anonymous_visits == EXPECTED["anonymous_visits"]
    assert stats.visits_by_status == EXPECTED["by_status"]
    assert stats.demands == EXPECTED["demands"]
    motif_codes = {str(v): k for k, v in activity.motif_ids.items()}
    assert {motif_codes[t.key]: t.count for t in stats.by_motif} == EXPECTED["by_motif"]
    assert {t.key: t.count for t in stats.by_partner} == EXPECTED["by_partner"]
    assert {k: v for k, v in stats.by_outcome.items() if v} == EXPECTED["by_outcome"]
    assert stats.by_level == EXPECTED["by_level"]
    assert {t.key: t.count for t in stats.by_register} == {"partner_link": 3, "inform_train": 2}
    # Counted under the data·inclusion category of each motif's thématique.
    assert {t.key: t.count for t in stats.by_thematique} == {
        "difficultes-financieres": 3,
        "difficultes-administratives-ou-juridiques": 2,
    }
    assert {k: v for k, v in stats.relays_by_status.items() if v} == EXPECTED["relays"]
    assert stats.relays == 2
    assert stats.refusal_reasons == {"not_eligible": 1}
    assert [(p.key, p.by_status) for p in stats.relays_by_partner] == [
        ("caf", {"refused": 1}),
        ("edf", {"confirmed": 1}),
    ]
    assert {k: v for k, v in stats.appointments_by_status.items() if v} == EXPECTED["appointments"]
    assert stats.no_show_rate == pytest.approx(1 / 3)

    # Waits 4 (put back, counted to the first call), 10, 25, 32: the transfer adds nothing.
    assert stats.waiting.count == 4
    assert stats.waiting.mean == pytest.approx(EXPECTED["wait_mean"])
    assert stats.waiting.median == pytest.approx(EXPECTED["wait_median"])
    assert stats.waiting.p90 == pytest.approx(EXPECTED["wait_p90"])
    assert stats.waiting.over_target == EXPECTED["wait_over"]
    assert stats.waiting.share_over_target == pytest.approx(0.5)
    # Listening 20, 5 and 10 + 5 (both sides of the transfer, not the wait between).
    assert stats.listening.count == 3
    assert stats.listening.mean == pytest.approx(EXPECTED["listen_mean"])
    assert stats.listening.median == pytest.approx(EXPECTED["listen_median"])
    assert stats.listening.p90 == pytest.approx(EXPECTED["listen_p90"])

    assert [(d.day, d.visits) for d in stats.waiting_by_day] == [(DAY, 4)]
    assert stats.waiting_by_day[0].mean_minutes == pytest.approx(17.75)
    assert stats.arrivals_by_hour[10] == 5 and sum(stats.arrivals_by_hour) == 5
    assert stats.arrivals_by_weekday == [5, 0, 0, 0, 0, 0, 0]


def test_periods_and_offices(database: Database, office: OfficeInfo) -> None:
    """The week before counts in a longer period only; another office's activity never."""
    build_activity(database, office)
    with database.write() as session:
        other = create_office(session, name="PIMMS Autre", code="OTHER", now=office_now())
    both = figures(database, office, EARLIER_DAY, DAY)
    assert both.visits == 6 and both.demands == 6
    assert both.waiting.count == 5
    assert [d.day for d in both.waiting_by_day] == [EARLIER_DAY, DAY]
    assert both.arrivals_by_weekday[0] == 6
    service = StatsService(database)
    empty = service.figures(
        manager(office), StatsQuery(start=EARLIER_DAY, end=DAY, office_ids=(other.id,))
    )
    assert empty.visits == 0 and empty.demands == 0 and empty.waiting.mean is None
    network = service.figures(
        manager(office), StatsQuery(start=EARLIER_DAY, end=DAY, office_ids=(office.id, other.id))
    )
    assert network.visits == 6 and network.offices == ("TEST", "OTHER")


def test_partner_report(database: Database, office: OfficeInfo) -> None:
    """A partner report counts the demands and relays that concern the partner only."""
    build_activity(database, office)
    service = StatsService(database)
    caf = service.partner_ids(manager(office), [office.id], "caf")
    stats = service.figures(
        manager(office), StatsQuery(start=DAY, end=DAY, office_ids=(office.id,), partner_ids=caf)
    )
    assert stats.demands == 2
    assert {k: v for k, v in stats.by_outcome.items() if v} == {"resolved": 1, "relay": 1}
    assert stats.relays == 1 and stats.refusal_reasons == {"not_eligible": 1}
    rows = list(service.demand_rows(manager(office), stats.query))
    assert len(rows) == 2 and {r.partner for r in rows} == {"CAF — Caisse d’allocations familiales"}


def test_demand_rows_are_anonymous(database: Database, office: OfficeInfo) -> None:
    """The detail rows hold the waited minutes and the profile, and no name or note."""
    build_activity(database, office)
    rows = list(
        StatsService(database).demand_rows(
            manager(office), StatsQuery(start=DAY, end=DAY, office_ids=(office.id,))
        )
    )
    assert len(rows) == 5
    assert sorted(r.waited_minutes or 0 for r in rows) == [4.0, 10.0, 10.0, 10.0, 25.0]
    first = rows[0]
    assert (first.age_band, first.gender, first.named) == ("26_44", "female", False)
    assert sorted(r.relay_status or "" for r in rows) == ["", "", "", "confirmed", "refused"]
    text = repr(rows)
    for secret in ("Marie", "Curiosa", "Zorglub", "Plumeau", "Valjeanne"):
        assert secret not in text


def test_only_managers_see_statistics(database: Database, office: OfficeInfo) -> None:
    """Reception and mediators are refused by the domain, whatever the screen shows."""
    service = StatsService(database)
    query = StatsQuery(start=DAY, end=DAY, office_ids=(office.id,))
    for role in (Role.RECEPTION, Role.MEDIATOR):
        actor = Actor(office_id=office.id, desk_id=None, role=role)
        with pytest.raises(PermissionDenied):
            service.figures(actor, query)
        with pytest.raises(PermissionDenied):
            list(service.demand_rows(actor, query))


def test_bad_periods_are_refused() -> None:
    with pytest.raises(InvalidPeriod):
        StatsQuery(start=DAY, end=EARLIER_DAY, office_ids=(1,))
    with pytest.raises(InvalidPeriod):
        StatsQuery(start=DAY, end=DAY, office_ids=())


def test_period_bounds() -> None:
    assert period_bounds(Period.TODAY, DAY) == (DAY, DAY)
    assert period_bounds(Period.WEEK, date(2026, 3, 4)) == (DAY, date(2026, 3, 8))
    assert period_bounds(Period.MONTH, date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds(Period.YEAR, DAY) == (date(2026, 1, 1), date(2026, 12, 31))


def test_percentile_matches_percentile_cont() -> None:
    """Linear interpolation between ranks, as PostgreSQL's percentile_cont."""
    histogram = [(1, 1), (2, 2), (10, 1)]  # 1, 2, 2, 10
    assert _percentile(histogram, 0.5) == 2.0
    assert _percentile(histogram, 0.9) == pytest.approx(2 + 0.7 * 8)
    assert _percentile([(5, 1)], 0.9) == 5.0
    assert _percentile([], 0.5) is None


def office_now():  # type: ignore[no-untyped-def]
    from tests.statskit import at

    return at(DAY, 9, 0)


def _percentile_cont(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def test_times_match_the_events_on_demo_data(database: Database) -> None:
    """On the demo's realistic days (put back, transfers…), the waits and listening times
    equal those computed visit by visit from the raw events."""
    from collections import defaultdict
    from datetime import UTC, datetime

    from sqlalchemy import select

    from pimms_tui.db.models import Office, Visit, VisitEvent
    from pimms_tui.demo import seed_demo

    now = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    seed_demo(database, visitors=300, days=10, seed=5, offices=1, now=now)
    with database.read() as session:
        office_id = session.execute(select(Office.id)).scalar_one()
        visits = session.execute(select(Visit.id, Visit.arrived_at, Visit.status, Visit.day)).all()
        events = session.execute(
            select(VisitEvent.visit_id, VisitEvent.at, VisitEvent.from_status, VisitEvent.to_status)
        ).all()
    by_visit = defaultdict(list)
    for visit_id, at, from_status, to_status in events:
        by_visit[visit_id].append((at, from_status, to_status))
    waits, listens = [], []
    reshaped = 0
    for visit_id, arrived_at, status, _day in visits:
        history = by_visit[visit_id]
        calls = [at for at, _f, to in history if to == "called"]
        if calls:
            waits.append((min(calls) - arrived_at).total_seconds() / 60)
        if any(
            f in ("called", "in_progress") and t in ("waiting", "called") for _a, f, t in history
        ):
            reshaped += 1
        if status == "done":
            seconds = sum(
                (at.timestamp() if f == "in_progress" else 0)
                - (at.timestamp() if t == "in_progress" else 0)
                for at, f, t in history
            )
            listens.append(seconds / 60)
    assert reshaped > 0 and len(waits) > 100
    first = min(v.day for v in visits)
    last = max(v.day for v in visits)
    stats = StatsService(database).figures(
        Actor(office_id=office_id, desk_id=None, role=Role.MANAGER),
        StatsQuery(start=first, end=last, office_ids=(office_id,)),
    )
    assert stats.waiting.count == len(waits)
    assert stats.listening.count == len(listens)
    tolerance = 1 / 60  # whole seconds
    assert stats.waiting.mean == pytest.approx(sum(waits) / len(waits), abs=tolerance)
    assert stats.waiting.median == pytest.approx(_percentile_cont(waits, 0.5), abs=tolerance)
    assert stats.waiting.p90 == pytest.approx(_percentile_cont(waits, 0.9), abs=tolerance)
    assert stats.waiting.over_target == sum(1 for w in waits if w * 60 > 20 * 60 + 0.5)
    assert stats.listening.mean == pytest.approx(sum(listens) / len(listens), abs=tolerance)
    assert stats.listening.p90 == pytest.approx(_percentile_cont(listens, 0.9), abs=tolerance)


def test_open_relays_past_expiry_count_as_expired(database: Database, office: OfficeInfo) -> None:
    """An open relay 30 days past its follow-up date counts as expired, as the list says."""
    from datetime import timedelta

    from sqlalchemy import select

    from pimms_tui.db.models import Demand, Relay
    from tests.statskit import at

    activity = build_activity(database, office)
    with database.write() as session:
        demand_id = (
            session.execute(
                select(Demand.id).where(Demand.outcome == "resolved").order_by(Demand.id.desc())
            )
            .scalars()
            .first()
        )
        session.add(
            Relay(
                office_id=office.id,
                demand_id=demand_id,
                partner_id=activity.partner_ids["caf"],
                mode="email",
                sent_at=at(DAY, 10, 30),
                follow_up_on=DAY + timedelta(days=14),
                status="open",
                day=DAY,
            )
        )
    service = StatsService(database)
    query = StatsQuery(start=DAY, end=DAY, office_ids=(office.id,))
    later = DAY + timedelta(days=45)
    assert service.figures(manager(office), query).relays_by_status["open"] == 1
    expired = service.figures(manager(office), replace(query, today=later))
    assert expired.relays_by_status["open"] == 0 and expired.relays_by_status["expired"] == 1
    still_open = service.figures(manager(office), replace(query, today=DAY + timedelta(days=44)))
    assert still_open.relays_by_status["open"] == 1
