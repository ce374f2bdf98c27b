"""Visitors of the demo: who they are, when they come back, their files, search tokens, consents."""

from __future__ import annotations

import json
from datetime import date
from itertools import accumulate

from pimms_tui.db.enums import ConsentScope, Need
from pimms_tui.db.normalise import phone_digits, search_key
from pimms_tui.db.search_index import contact_tokens, name_part_tokens, pair_token
from pimms_tui.domain.consent import KEEP_FILE_TEXT_HASH
from pimms_tui.domain.orientation import SHARE_CONSENT_TEXT_HASH

from .names import _FRENCH_LAST, _ORIGIN_CUM, _ORIGINS, _age, _email
from .offices import _OLD_FILES_DAYS, _GeneratorBase
from .reference import _pick
from .state import _OfficePlan, _Person
from .timeline import _Day


class _People(_GeneratorBase):
    """Makes the visitors, picks who comes each day, and writes their files at the end."""

    def _make_people(self) -> None:
        rng = self.rng
        office_cum = list(accumulate(o.weight for o in self.offices))
        first_id = self.next_id["visitor"]
        today = date.fromordinal(max(self.today.values()))
        for n in range(self.visitor_count):
            office = rng.choices(self.offices, cum_weights=office_cum)[0]
            origin = rng.choices(_ORIGINS, cum_weights=_ORIGIN_CUM)[0]
            female = rng.random() < 0.56
            first = rng.choice(origin.female if female else origin.male)
            last: str | None = rng.choice(origin.last)
            roll = rng.random()
            if origin is _ORIGINS[0] and roll < 0.07:
                last = f"{last}-{rng.choice(_FRENCH_LAST)}"
            elif roll > 0.97:
                last = None  # only a first name was given
            age = _age(rng)
            birth_year = today.year - age if rng.random() < 0.88 else None
            language = "fr"
            needs: list[str] = []
            if origin.languages and rng.random() < origin.other_language:
                language = rng.choice(origin.languages)
                if rng.random() < 0.5:
                    needs.append(Need.INTERPRETER)
            if age >= 70 and rng.random() < 0.12:
                needs.append(Need.REDUCED_MOBILITY)
            if rng.random() < 0.01:
                needs.append(Need.HEARING)
            if rng.random() < 0.008:
                needs.append(Need.SIGHT)
            phone = self._mobile() if rng.random() < 0.8 else None
            email = _email(rng, first, last) if rng.random() < 0.3 else None
            commune = None
            if rng.random() < 0.92:
                commune = _pick(rng, office.commune_choices)
            person = _Person(
                id=first_id + n,
                office=office.index,
                first=first,
                last=last,
                female=female,
                birth_year=birth_year,
                phone=phone,
                email=email,
                language=language,
                needs=needs,
                commune=commune,
                regular=rng.random() < 0.12,
            )
            self.people.append(person)
            # A few files are older than the window: people who have not come back since.
            if rng.random() >= 0.03:
                office.newcomers.append(n)
        self.next_id["visitor"] += self.visitor_count

    def _mobile(self) -> str:
        rng = self.rng
        return f"+33{rng.choice(self.mobile_prefixes)}{rng.randrange(100000):05d}"

    def _choose_visitor(self, office: _OfficePlan, day: _Day) -> _Person | None:
        """A newcomer or someone coming back, so that visitors are spread over the window."""
        rng = self.rng
        left = len(office.newcomers) - office.next_newcomer
        expected_named = office.remaining_walk_ins * 0.69 + 1
        if left > 0 and (not office.seen or rng.random() < left / expected_named):
            person = self.people[office.newcomers[office.next_newcomer]]
            office.next_newcomer += 1
            office.seen.append(person.id)
            if person.regular:
                office.regulars.append(person.id)
            return person
        if not office.seen:
            return None
        for _ in range(3):
            pool = office.regulars if office.regulars and rng.random() < 0.5 else office.seen
            person = self._person(rng.choice(pool))
            if person.last_day != day.ordinal:
                return person
        return None

    def _person(self, visitor_id: int) -> _Person:
        return self.people[visitor_id - self.people[0].id]

    def _touch(self, person: _Person, instant: int) -> None:
        person.last_activity = max(person.last_activity, instant)

    def _finish_people(self) -> None:
        """Write visitor rows and their keep-file consents, old files dated before the window."""
        rng = self.rng
        stamp = self.stamp
        window_start = min(
            o.days[self.today[o.index] - self.day_count + 1].base for o in self.offices
        )
        for person in self.people:
            office = self.offices[person.office]
            if person.created < 0:
                # Registered before the window and not seen since.
                created_day = office.days[self.today[office.index] - self.day_count + 1]
                days_before = rng.randint(30, _OLD_FILES_DAYS)
                person.created = (
                    created_day.base - days_before * 86400 + rng.randint(9 * 3600, 17 * 3600)
                )
                idle = rng.randint(0, max(0, days_before - 20))
                person.last_activity = min(
                    person.created + idle * 86400 + rng.randint(0, 3600), window_start - 86400
                )
                person.registered_by = rng.choice(office.receptionists)
            key = (person.first, person.last)
            folded = self.search_keys.get(key)
            if folded is None:
                folded = self.search_keys[key] = search_key(person.first, person.last)
            digits = phone_digits(person.phone) if person.phone else None
            self._index(person, office.id, digits)
            self.rows["visitor"].append(
                (
                    person.id,
                    office.id,
                    person.first,
                    person.last,
                    person.phone,
                    person.email,
                    person.birth_year,
                    person.language,
                    json.dumps(person.needs),
                    person.commune,
                    folded,
                    digits,
                    1,
                    stamp(person.created),
                    stamp(person.last_activity),
                    None,
                    None,
                )
            )
            self._consent(
                office, person.id, ConsentScope.KEEP_FILE, person.created, person.registered_by
            )

    def _index(self, person: _Person, office_id: int, digits: str | None) -> None:
        """The person's search tokens, as search_index.all_tokens (name parts cached)."""
        tokens = set(contact_tokens(digits, person.birth_year))
        words: set[str] = set()
        for part in (person.first, person.last):
            part_tokens = self.name_tokens.get(part)
            if part_tokens is None:
                part_tokens = self.name_tokens[part] = name_part_tokens(part)
            words.update(part_tokens)
        tokens |= words
        tokens.update(pair_token(a, b) for a in words for b in words if a != b)
        rows = self.rows["visitor_search_token"]
        for token in tokens:
            rows.append((person.id, token, office_id))

    def _consent(
        self, office: _OfficePlan, visitor_id: int, scope: str, at: int, staff: int | None
    ) -> int:
        consent_id = self._new_id("consent")
        text_hash = (
            KEEP_FILE_TEXT_HASH if scope == ConsentScope.KEEP_FILE else SHARE_CONSENT_TEXT_HASH
        )
        self.rows["consent"].append(
            (
                consent_id,
                office.id,
                visitor_id,
                scope,
                self.stamp(at),
                staff,
                text_hash,
                None,
            )
        )
        return consent_id
