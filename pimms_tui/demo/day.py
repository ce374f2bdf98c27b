"""One day of one demo office: its appointments, its walk-ins (past, or living now), its tickets."""

from __future__ import annotations

from pimms_tui.db.enums import AppointmentStatus

from .state import _V, _OfficePlan, _Plan
from .timeline import _arrival_profile, _Day
from .visits import _Visits


class _Days(_Visits):
    """Runs one office's day: who arrives when, and in what state ``now`` finds them."""

    def _run_day(self, office: _OfficePlan, day: _Day, count: int) -> None:
        rng = self.rng
        today = self.today[office.index]
        living = day.ordinal == today and self._living(office, day)
        appointments = sorted(
            self.appointments_by_cell.pop((office.index, day.ordinal), []),
            key=lambda a: (a.starts, a.id),
        )
        plans: list[_Plan] = []
        for appointment in appointments:
            plan = self._resolve_appointment(office, day, appointment, living)
            if plan is not None:
                plans.append(plan)
        # Appointments come out of the day's visits; drop the surplus as no-shows.
        while len(plans) > count:
            surplus = plans.pop()
            assert surplus.appointment is not None
            surplus.appointment.status = AppointmentStatus.NO_SHOW
        walk_ins = count - len(plans)
        office.remaining_walk_ins -= count
        if living:
            arrived = sum(1 for p in plans if p.status == _V.WAITING)
            plans.extend(self._living_walk_ins(office, day, walk_ins, arrived))
        else:
            plans.extend(self._past_walk_ins(day, walk_ins))
        for order, plan in enumerate(plans):
            plan.order = order
        plans.sort(key=lambda p: (p.arrival, p.order))
        numbers = {"A": 0, "R": 0}
        active = [p for p in plans if p.status in (_V.CALLED, _V.IN_PROGRESS)]
        busy = rng.sample(office.mediators, min(len(active), len(office.mediators)))
        for plan, mediator in zip(active, busy, strict=False):
            plan.staff = mediator
        load = min(1.6, count / 60)
        for plan in plans:
            series = "R" if plan.appointment is not None else "A"
            numbers[series] += 1
            self._visit(office, day, plan, series, numbers[series], load, living)
        for series, last in numbers.items():
            if last:
                self.rows["ticket_counter"].append((office.id, day.iso, series, last))

    def _past_walk_ins(self, day: _Day, count: int) -> list[_Plan]:
        rng = self.rng
        minutes, cum = _arrival_profile(day)
        if not minutes:
            return []
        arrivals = rng.choices(minutes, cum_weights=cum, k=count)
        plans = []
        for minute in arrivals:
            roll = rng.random()
            status = _V.DONE if roll < 0.95 else _V.LEFT if roll < 0.98 else _V.NO_SHOW
            plans.append(_Plan(day.base + minute + rng.randrange(60), status))
        return plans

    def _living_walk_ins(
        self, office: _OfficePlan, day: _Day, count: int, arrived: int
    ) -> list[_Plan]:
        """Today so far: most served, two or three at desks, the latest arrivals waiting."""
        rng = self.rng
        now_local = self._local(day, self.now)
        segments = [(a, min(b, now_local)) for a, b in day.intervals if a < now_local]
        open_total = sum(b - a for a, b in segments)

        def clock(offset: float) -> int:
            """The local time ``offset`` seconds of opening after the first opening."""
            for a, b in segments:
                if offset <= b - a:
                    return int(a + offset)
                offset -= b - a
            return segments[-1][1]

        waiting = min(count, max(3, rng.randint(6, max(6, min(10, count // 3))) - arrived))
        active = min(count - waiting, rng.randint(2, 3))
        done = count - waiting - active
        waiting_span = min(rng.randint(18, 30) * 60, open_total * 0.3)
        active_span = min(rng.randint(15, 25) * 60, open_total * 0.25)
        done_span = open_total - waiting_span - active_span
        if active_span < 180:
            waiting, active = waiting + active, 0
        if done_span < 15 * 60:
            waiting, done = waiting + done, 0
        plans: list[_Plan] = []
        for _ in range(done):
            local = clock(rng.uniform(0, done_span))
            start, end = day.interval_of(local)
            # Served and gone a little before now, not all at the same instant.
            limit = min(end, now_local - rng.randint(60, 900))
            if limit - local < 12 * 60:
                local = max(start, limit - rng.randint(12, 25) * 60)
            roll = rng.random()
            status = _V.DONE if roll < 0.95 else _V.LEFT if roll < 0.98 else _V.NO_SHOW
            if limit - local < 12 * 60:
                status, limit = _V.WAITING, now_local
            plans.append(_Plan(day.base + local, status, deadline=day.base + limit))
        for position in range(active):
            local = clock(rng.uniform(done_span, done_span + active_span))
            status = _V.CALLED if position == 2 else _V.IN_PROGRESS
            plans.append(_Plan(day.base + local, status))
        for _ in range(waiting):
            local = clock(rng.uniform(open_total - waiting_span, open_total))
            plans.append(_Plan(day.base + local, _V.WAITING))
        return plans
