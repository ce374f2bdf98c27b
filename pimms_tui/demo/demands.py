"""Demands of the demo's visits and the relays to partners that follow some of them."""

from __future__ import annotations

from datetime import date

from pimms_tui.db.enums import ConsentScope, HelpLevel, Outcome, RelayMode, RelayStatus

from .appointments import _Appointments
from .reference import (
    _LEVEL_CHOICES,
    _MOTIF_PARTNERS,
    _NOTES,
    _OUTCOME_CHOICES,
    _PARTNER_CHOICES,
    _PARTNER_SHARE,
    _REFUSAL_CHOICES,
    _RELAY_CONTACTS,
    _RELAY_MODE_CHOICES,
    _SHARED_DETAILS,
    _pick,
)
from .state import _OfficePlan, _Person
from .timeline import _Day


class _Demands(_Appointments):
    """Writes a visit's demands, books the appointments they lead to, relays the others."""

    def _demands(
        self,
        office: _OfficePlan,
        day: _Day,
        visit_id: int,
        person: _Person | None,
        first_motif: int,
        count: int,
        started: int,
        finished: int | None,
        staff: int,
        at_reception: bool,
    ) -> None:
        rng = self.rng
        stamp = self.stamp
        end = finished if finished is not None else min(self.now, started + 240)
        for position in range(1, count + 1):
            demand_id = self._new_id("demand")
            motif = first_motif if position == 1 else self._motif(day)
            code = self.motif_codes[motif]
            created = min(end, started + rng.randint(60 * position, 300 * position))
            partner = None
            share = _PARTNER_SHARE.get(code, 0.8)
            if code in _MOTIF_PARTNERS and rng.random() < share:
                partner = self._partner_for(office, code)
            outcome: str | None = None
            level: str = HelpLevel.INFORM
            register = self.simple_register
            if finished is None:
                pass  # still being listened to
            elif at_reception:
                outcome = Outcome.RESOLVED if rng.random() < 0.7 else Outcome.FINISH_ALONE
            else:
                outcome = _pick(rng, _OUTCOME_CHOICES)
                level = _pick(rng, _LEVEL_CHOICES)
                register = _pick(rng, self.register_choices)
                if outcome == Outcome.APPOINTMENT and person is None:
                    outcome = Outcome.COME_BACK
                if outcome == Outcome.RELAY:
                    if partner is None:
                        partner = self._partner_for(office, code) or office.partners.get("ccas")
                    if partner is None:
                        outcome = Outcome.FINISH_ALONE
                    elif rng.random() < 0.7:
                        register = self.partner_link
            appointment_id = None
            if outcome == Outcome.APPOINTMENT:
                assert person is not None
                appointment_id = self._book(office, day, person, motif, partner, created, staff)
                if appointment_id is None:
                    outcome = Outcome.COME_BACK
            note = None
            if rng.random() < 0.45:
                note = rng.choice(_NOTES.get(code, _NOTES["other"]))
            self.rows["demand"].append(
                (
                    demand_id,
                    office.id,
                    visit_id,
                    position,
                    motif,
                    partner,
                    register,
                    level,
                    outcome,
                    appointment_id,
                    note,
                    stamp(created),
                    day.iso,
                )
            )
            if outcome == Outcome.RELAY:
                assert partner is not None
                sent = min(end, created + rng.randint(120, 600))
                self._relay(office, day, demand_id, partner, person, code, sent, staff)

    def _partner_for(self, office: _OfficePlan, motif_code: str) -> int | None:
        choices = _PARTNER_CHOICES.get(motif_code)
        if not choices:
            return None
        return office.partners.get(_pick(self.rng, choices))

    def _relay(
        self,
        office: _OfficePlan,
        day: _Day,
        demand_id: int,
        partner: int,
        person: _Person | None,
        motif_code: str,
        sent: int,
        staff: int,
    ) -> None:
        rng = self.rng
        mode = _pick(rng, _RELAY_MODE_CHOICES)
        consent_id = shared = None
        if (
            person is not None
            and mode in (RelayMode.PHONE_TOGETHER, RelayMode.EMAIL, RelayMode.LETTER)
            and rng.random() < 0.6
        ):
            consent_id = self._consent(
                office, person.id, ConsentScope.SHARE_WITH_PARTNER, sent - 60, staff
            )
            shared = rng.choice(_SHARED_DETAILS)
        follow_up = day.ordinal + 14
        today = self.today[office.index]
        status: str = RelayStatus.OPEN
        refusal = None
        closed_at = None
        if follow_up <= today:
            overdue = today - follow_up
            closing = 0.35 if overdue <= 3 else 0.7 if overdue <= 10 else 0.96
            if rng.random() < closing:
                roll = rng.random()
                if roll < 0.13 and self.now - sent >= 30 * 86400:
                    status = RelayStatus.EXPIRED
                    closed_day = day.ordinal + 30 + rng.randint(0, 3)
                elif roll < 0.28:
                    status = RelayStatus.REFUSED
                    refusal = _pick(rng, _REFUSAL_CHOICES)
                    closed_day = follow_up + rng.randint(0, min(overdue, 5))
                elif roll < 0.40:
                    status = RelayStatus.UNREACHABLE
                    closed_day = follow_up + rng.randint(0, min(overdue, 5))
                else:
                    status = RelayStatus.CONFIRMED
                    closed_day = follow_up + rng.randint(-3, min(overdue, 5))
                closed_day = min(max(closed_day, day.ordinal + 1), today)
                closed = office.days.get(closed_day)
                base = closed.base if closed else day.base + (closed_day - day.ordinal) * 86400
                closed_at = min(self.now - 60, base + rng.randint(9 * 3600 + 900, 17 * 3600))
                closed_at = max(closed_at, sent + 60)
        self.rows["relay"].append(
            (
                self._new_id("relay"),
                office.id,
                demand_id,
                partner,
                mode,
                rng.choice(_RELAY_CONTACTS),
                rng.choice(_NOTES.get(motif_code, _NOTES["other"])),
                shared,
                consent_id,
                self.stamp(sent),
                date.fromordinal(follow_up).isoformat(),
                status,
                refusal,
                self.stamp(closed_at) if closed_at is not None else None,
                day.iso,
            )
        )
