"""One visit of the demo: who comes and why, its chain of statuses and times, its events."""

from __future__ import annotations

import json

from pimms_tui.db.enums import AgeBand, AppointmentStatus, Gender, Need, Priority, VisitSource

from .demands import _Demands
from .reference import _AGE_BAND_CHOICES, _DEMAND_COUNT_CHOICES, _GENDER_CHOICES, _pick
from .state import _V, _Appointment, _OfficePlan, _Person, _Plan
from .timeline import _Day


def _timings(
    arrived: int, events: list[tuple[int, int | None, int | None, str | None, str]]
) -> tuple[float | None, float | None]:
    """The visit's waited and listened seconds, as the queue writes them (visits.py)."""
    waited: float | None = None
    listened: float | None = None
    entered = arrived
    for at, _by, _where, before, after in events:
        if after == _V.CALLED and waited is None:
            waited = float(at - arrived)
        if before == _V.IN_PROGRESS:
            listened = (listened or 0.0) + (at - entered)
        if after == _V.IN_PROGRESS:
            entered = at
    return waited, listened


class _Visits(_Demands):
    """Writes one visit with its events, and its demands when someone listened."""

    def _visit(
        self,
        office: _OfficePlan,
        day: _Day,
        plan: _Plan,
        series: str,
        number: int,
        load: float,
        living: bool,
    ) -> None:
        rng = self.rng
        stamp = self.stamp
        visit_id = self._new_id("visit")
        appointment = plan.appointment
        person: _Person | None = None
        if appointment is not None:
            person = self._person(appointment.visitor) if appointment.visitor else None
        elif rng.random() >= 0.31:
            person = self._choose_visitor(office, day)
        receptionist = rng.choice(office.receptionists)
        a = plan.arrival
        if person is not None:
            if person.created < 0:
                person.created = a
                person.registered_by = receptionist
            person.last_day = day.ordinal

        # Who comes, and why.
        age_band: str | None = None
        gender: str = Gender.NOT_GIVEN.value
        commune: str | None = None
        needs: list[str]
        interpreter: str | None = None
        priority: str = Priority.NONE
        if person is not None:
            needs = list(person.needs)
            if Need.INTERPRETER in needs:
                interpreter = person.language
            age = day.year - person.birth_year if person.birth_year else 40
            if appointment is not None:
                pass  # due appointments go first anyway: no priority to declare
            elif Need.REDUCED_MOBILITY in needs and rng.random() < 0.5:
                priority = Priority.DISABILITY
            elif age >= 75 and rng.random() < 0.4:
                priority = Priority.ELDERLY
            elif person.female and 18 <= age <= 42 and rng.random() < 0.02:
                priority = Priority.PREGNANCY
            elif rng.random() < 0.015:
                priority = Priority.URGENCY
        else:
            needs = []
            if rng.random() < 0.65:
                age_band = _pick(rng, _AGE_BAND_CHOICES)
            if rng.random() < 0.55:
                gender = _pick(rng, _GENDER_CHOICES)
            if rng.random() < 0.5:
                commune = _pick(rng, office.commune_choices)
            if rng.random() < 0.03:
                needs.append(Need.INTERPRETER)
                interpreter = rng.choice(("ar", "uk", "ru", "tr", "ro", "ps", "ti", "en"))
            if rng.random() < 0.015:
                needs.append(Need.REDUCED_MOBILITY)
            if rng.random() < 0.015:
                priority = Priority.URGENCY
            elif age_band == AgeBand.FROM_65 and rng.random() < 0.3:
                priority = Priority.ELDERLY
        if living and plan.status == _V.WAITING and appointment is None:
            # Today's queue shows what the desk deals with: priorities and needs.
            roll = rng.random()
            if roll < 0.2 and priority == Priority.NONE:
                priority = rng.choice((Priority.ELDERLY, Priority.DISABILITY, Priority.URGENCY))
            elif roll > 0.82 and Need.INTERPRETER not in needs:
                needs.append(Need.INTERPRETER)
                interpreter = rng.choice(("ar", "uk", "tr", "ps", "ro"))

        if appointment is not None and appointment.motif is not None:
            motif = appointment.motif
        elif person is not None and person.last_motif >= 0 and rng.random() < 0.4:
            motif = person.last_motif
        else:
            motif = self._motif(day)
        if person is not None:
            person.last_motif = motif

        # What happens: the chain of statuses with times, staff and desk.
        limit = day.base + day.interval_of(a - day.base)[1]
        if day.ordinal == self.today[office.index]:
            limit = min(limit, self.now)
        if plan.deadline is not None:
            limit = min(limit, plan.deadline)
        at_reception = False
        if appointment is not None and appointment.staff is not None:
            staff = appointment.staff
        elif plan.staff is not None:
            staff = plan.staff
        elif plan.status == _V.DONE and rng.random() < 0.12:
            staff, at_reception = receptionist, True
        else:
            staff = rng.choice(office.mediators)
        desk = office.reception_desk if at_reception else office.mediator_desk(staff, day)
        events: list[tuple[int, int | None, int | None, str | None, str]] = [
            (a, receptionist, office.reception_desk, None, _V.WAITING)
        ]
        called = started = finished = None
        status = plan.status
        demand_count = 0
        if status == _V.DONE:
            demand_count = 1 if at_reception else _pick(rng, _DEMAND_COUNT_CHOICES)
            if appointment is not None:
                called, started, finished = self._appointment_times(appointment, a, limit)
            else:
                called, started, finished = self._service_times(
                    a, limit, demand_count, at_reception, load
                )
            if appointment is None:
                events += self._detours(office, day, staff, desk, a, called, started, finished)
            if events[-1][4] == _V.IN_PROGRESS:
                staff, desk = events[-1][1] or staff, events[-1][2] or desk
                started = events[-1][0]
                called = events[-2][0]
            else:
                events.append((called, staff, desk, _V.WAITING, _V.CALLED))
                events.append((started, staff, desk, _V.CALLED, _V.IN_PROGRESS))
            events.append((finished, staff, desk, _V.IN_PROGRESS, _V.DONE))
        elif status == _V.LEFT:
            finished = min(limit - 30, a + rng.randint(10, 45) * 60)
            events.append((finished, receptionist, office.reception_desk, _V.WAITING, _V.LEFT))
        elif status == _V.NO_SHOW:
            called = a + min(rng.randint(5, 30) * 60, limit - a - 360)
            finished = called + rng.randint(120, 300)
            events.append((called, staff, desk, _V.WAITING, _V.CALLED))
            events.append((finished, staff, desk, _V.CALLED, _V.NO_SHOW))
        elif status in (_V.CALLED, _V.IN_PROGRESS):
            room = limit - a
            if status == _V.CALLED:
                called = max(a + min(60, room // 2), limit - rng.randint(30, 150))
            else:
                called = a + max(room // 3, room - rng.randint(240, 1200))
                started = min(limit, called + rng.randint(20, 90))
                demand_count = 1
            events.append((called, staff, desk, _V.WAITING, _V.CALLED))
            if started is not None:
                events.append((started, staff, desk, _V.CALLED, _V.IN_PROGRESS))
        if status in (_V.WAITING, _V.LEFT):
            staff_id = desk_id = None
        else:
            staff_id, desk_id = staff, desk
        end = events[-1][0]
        if person is not None:
            self._touch(person, end)
        if appointment is not None and status == _V.WAITING:
            appointment.status = AppointmentStatus.ARRIVED

        self.rows["visit"].append(
            (
                visit_id,
                office.id,
                day.iso,
                number,
                f"{series}-{number:03d}",
                person.id if person else None,
                appointment.id if appointment else None,
                age_band,
                gender,
                commune,
                VisitSource.APPOINTMENT if appointment else VisitSource.WALK_IN,
                priority,
                json.dumps(needs),
                interpreter,
                motif,
                status,
                desk_id,
                staff_id,
                stamp(a),
                stamp(called) if called is not None else None,
                stamp(started) if started is not None else None,
                stamp(finished) if finished is not None else None,
                *_timings(a, events),
            )
        )
        event_rows = self.rows["visit_event"]
        for at, by, where, before, after in events:
            event_rows.append(
                (
                    self._new_id("visit_event"),
                    office.id,
                    visit_id,
                    stamp(at),
                    by,
                    where,
                    before,
                    after,
                )
            )
        if demand_count and started is not None:
            self._demands(
                office,
                day,
                visit_id,
                person,
                motif,
                demand_count,
                started,
                finished,
                staff,
                at_reception,
            )

    def _service_times(
        self, a: int, limit: int, demands: int, at_reception: bool, load: float
    ) -> tuple[int, int, int]:
        """Wait, walk to the desk and listening time, squeezed to end before ``limit``."""
        rng = self.rng
        room = limit - a
        walk = rng.randint(20, 90)
        if at_reception:
            wait = int(rng.triangular(60, 600, 180))
            listening = int(rng.triangular(120, 600, 240))
        else:
            wait = int(rng.triangular(300, 2400, 420 + 480 * load))
            listening = int(rng.triangular(360, 2400, 840)) + (demands - 1) * rng.randint(240, 600)
        wait = max(60, min(wait, room - walk - 300))
        listening = max(60, min(listening, room - wait - walk))
        called = a + wait
        started = called + walk
        return called, started, started + listening

    def _appointment_times(
        self, appointment: _Appointment, a: int, limit: int
    ) -> tuple[int, int, int]:
        rng = self.rng
        called = min(max(a + 60, appointment.starts + rng.randint(-120, 300)), limit - 400)
        started = called + rng.randint(20, 90)
        listening = rng.randint(appointment.duration * 30, appointment.duration * 60)
        return called, started, max(started + 120, min(started + listening, limit))

    def _detours(
        self,
        office: _OfficePlan,
        day: _Day,
        staff: int,
        desk: int,
        a: int,
        called: int,
        started: int,
        finished: int,
    ) -> list[tuple[int, int | None, int | None, str | None, str]]:
        """A few visits are put back in the queue or transferred to another mediator."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.02 and called - a >= 8 * 60:
            first_call = rng.randint(a + 120, called - 300)
            back = first_call + rng.randint(60, 150)
            return [
                (first_call, staff, desk, _V.WAITING, _V.CALLED),
                (back, staff, desk, _V.CALLED, _V.WAITING),
            ]
        others = [m for m in office.mediators if m != staff]
        if roll > 0.99 and others and finished - started >= 20 * 60:
            other = rng.choice(others)
            other_desk = office.mediator_desk(other, day)
            moved = started + rng.randint(5 * 60, (finished - started) // 2)
            recalled = moved + rng.randint(60, 300)
            restarted = recalled + rng.randint(20, 60)
            if finished - restarted < 5 * 60:
                return []
            return [
                (called, staff, desk, _V.WAITING, _V.CALLED),
                (started, staff, desk, _V.CALLED, _V.IN_PROGRESS),
                (moved, staff, desk, _V.IN_PROGRESS, _V.WAITING),
                (recalled, other, other_desk, _V.WAITING, _V.CALLED),
                (restarted, other, other_desk, _V.CALLED, _V.IN_PROGRESS),
            ]
        return []
