"""Appointments of the demo: booking free slots, today's phone bookings, what became of each."""

from __future__ import annotations

from collections.abc import Sequence
from math import exp

from pimms_tui.db.enums import AppointmentStatus

from .people import _People
from .reference import _DURATION_CHOICES, _PERMANENCES, _pick
from .state import _V, _Appointment, _OfficePlan, _Person, _Plan
from .timeline import _SLOT, _Day, _slot_starts


class _Appointments(_People):
    """Books appointments with mediators or at partners' sessions, and settles them."""

    def _book(
        self,
        office: _OfficePlan,
        day: _Day,
        person: _Person,
        motif: int,
        partner: int | None,
        created: int,
        staff: int,
        *,
        target: int | None = None,
    ) -> int | None:
        """Book a free slot on a later open day, with a mediator or at a partner's session."""
        rng = self.rng
        partner_code = None
        if partner is not None and rng.random() < 0.4:
            for code, partner_id in office.partners.items():
                if partner_id == partner and code in _PERMANENCES:
                    partner_code = code
        start = office.open_days.index(day.ordinal) + 1 if target is None else 0
        candidates = office.open_days[start : start + 14] if target is None else [target]
        if target is None and candidates:
            weights = [1.0 + 2.0 * exp(-(((k - 4) / 3) ** 2)) for k in range(len(candidates))]
            first = rng.choices(range(len(candidates)), weights=weights)[0]
            candidates = candidates[first:] + candidates[:first]
        for ordinal in candidates:
            booked_day = office.days[ordinal]
            if partner_code is not None:
                weekday, begin, finish = _PERMANENCES[partner_code]
                if booked_day.weekday != weekday:
                    continue
                slot = self._free_slot(("p", partner), booked_day, [(begin, finish)], 30)
                if slot is None:
                    continue
                return self._add_appointment(
                    office, booked_day, person, None, partner, motif, slot, 30, created,
                    f"Permanence {partner_code.replace('_', ' ').upper()}",
                )  # fmt: skip
            duration = _pick(rng, _DURATION_CHOICES)
            mediators = list(office.mediators)
            rng.shuffle(mediators)
            if staff in mediators and rng.random() < 0.6:
                mediators.remove(staff)
                mediators.insert(0, staff)  # usually with the mediator who listened
            for mediator in mediators:
                slot = self._free_slot(("m", mediator), booked_day, booked_day.intervals, duration)
                if slot is not None:
                    desk = office.desk_names[office.mediator_desk(mediator, booked_day)]
                    return self._add_appointment(
                        office, booked_day, person, mediator, None, motif, slot, duration,
                        created, desk,
                    )  # fmt: skip
        return None

    def _free_slot(
        self,
        owner: tuple[str, int | None],
        day: _Day,
        intervals: Sequence[tuple[int, int]],
        duration: int,
    ) -> int | None:
        """A free quarter-hour-aligned start (local seconds) for ``duration`` minutes."""
        key = (owner[0], owner[1] or 0, day.ordinal)
        taken = self.booked_slots.get(key)
        if taken is None:
            taken = self.booked_slots[key] = bytearray(96)
        cells = -(-duration * 60 // _SLOT)
        free = bytes(cells)
        starts = [
            first
            for first in _slot_starts(tuple(intervals), duration)
            if taken[first : first + cells] == free
        ]
        if not starts:
            return None
        chosen = self.rng.choice(starts)
        taken[chosen : chosen + cells] = b"\x01" * cells
        return chosen * _SLOT

    def _add_appointment(
        self,
        office: _OfficePlan,
        day: _Day,
        person: _Person | None,
        staff: int | None,
        partner: int | None,
        motif: int | None,
        slot: int,
        duration: int,
        created: int,
        place: str | None,
    ) -> int:
        appointment = _Appointment(
            id=self._new_id("appointment"),
            office=office.index,
            visitor=person.id if person else None,
            staff=staff,
            partner=partner,
            motif=motif,
            day=day.ordinal,
            starts=day.base + slot,
            duration=duration,
            place=place,
            created=created,
        )
        self.appointments.append(appointment)
        self.appointments_by_cell.setdefault((office.index, day.ordinal), []).append(appointment)
        return appointment.id

    def _top_up_today(self, office: _OfficePlan) -> None:
        """Make sure the mediators have several appointments today, booked earlier by phone."""
        rng = self.rng
        today = self.today[office.index]
        day = office.days[today]
        if not day.intervals or not office.seen:
            return
        earlier = [d for d in office.open_days if d < today]
        if not earlier:
            return
        booked_on = office.days[earlier[-1]]
        created = booked_on.base + booked_on.intervals[-1][1] - rng.randint(60, 600)
        existing = [a for a in self.appointments_by_cell.get((office.index, today), []) if a.staff]
        wanted = rng.randint(5, 8) - len(existing)
        for _ in range(max(0, wanted)):
            person = self._person(rng.choice(office.seen))
            if person.created > created:
                continue
            self._touch(person, created)
            self._book(
                office, booked_on, person, self._motif(day), None, created,
                rng.choice(office.mediators), target=today,
            )  # fmt: skip

    def _resolve_appointment(
        self, office: _OfficePlan, day: _Day, appointment: _Appointment, living: bool
    ) -> _Plan | None:
        """Decide what became of an appointment of this day; a visit when the person came."""
        rng = self.rng
        end = appointment.starts + appointment.duration * 60
        if appointment.starts - 600 > self.now:
            appointment.status = (
                AppointmentStatus.CANCELLED if rng.random() < 0.05 else AppointmentStatus.BOOKED
            )
            return None
        if living and end - 15 * 60 > self.now:
            # Due now: the person has checked in and waits to be called.
            if appointment.staff is None or appointment.visitor is None:
                return None
            opening = day.base + day.interval_of(appointment.starts - day.base)[0]
            if opening > self.now - 60:
                return None  # the doors open at the time of the appointment: not here yet
            early = appointment.starts - rng.randint(120, 600)
            return _Plan(max(opening, min(early, self.now - 30)), _V.WAITING, appointment)
        roll = rng.random()
        recent = self.today[office.index] - day.ordinal <= 14
        if roll < (0.06 if recent else 0.005):
            appointment.status = AppointmentStatus.BOOKED  # outcome missing: "à renseigner"
        elif roll < 0.12:
            appointment.status = AppointmentStatus.CANCELLED
        elif roll < 0.18:
            appointment.status = AppointmentStatus.EXCUSED
        elif roll < 0.30:
            appointment.status = AppointmentStatus.NO_SHOW
        else:
            appointment.status = AppointmentStatus.SEEN
            if appointment.staff is not None and appointment.visitor is not None:
                start_local = appointment.starts - day.base
                interval_start = day.interval_of(start_local)[0]
                arrival = max(day.base + interval_start, appointment.starts - rng.randint(120, 720))
                return _Plan(arrival, _V.DONE, appointment)
        return None

    def _finish_appointments(self) -> None:
        """Settle the appointments still ahead (a few cancelled) and write every row."""
        for cell in list(self.appointments_by_cell):
            for appointment in self.appointments_by_cell.pop(cell):
                if self.rng.random() < 0.05:
                    appointment.status = AppointmentStatus.CANCELLED
        # Every office has a few past appointments whose outcome is still to fill in.
        for office in self.offices:
            recent = [
                a
                for a in self.appointments
                if a.office == office.index
                and a.starts + a.duration * 60 <= self.now
                and self.today[office.index] - a.day <= 14
            ]
            missing = 2 - sum(1 for a in recent if a.status == AppointmentStatus.BOOKED)
            unseen = (
                AppointmentStatus.NO_SHOW,
                AppointmentStatus.EXCUSED,
                AppointmentStatus.CANCELLED,
            )
            for appointment in [a for a in reversed(recent) if a.status in unseen][:missing]:
                appointment.status = AppointmentStatus.BOOKED
        stamp = self.stamp
        for appointment in self.appointments:
            office_id = self.offices[appointment.office].id
            self.rows["appointment"].append(
                (
                    appointment.id,
                    office_id,
                    appointment.visitor,
                    appointment.staff,
                    appointment.partner,
                    appointment.motif,
                    stamp(appointment.starts),
                    appointment.duration,
                    appointment.place,
                    appointment.status,
                    stamp(appointment.created),
                )
            )
