"""Visitors as the desk finds them: search as you type, likely duplicates, and merging files.

The search reads the token index of :mod:`.search_index` through range and equality
look-ups only, the same statements on SQLite and PostgreSQL. What is typed is cut into words:
a name word matches a visitor's token it starts (any order, accents and case ignored), phone
digits match the start of the phone, and a year from 1900 to 2100 the birth year. Results
come in three tiers, each filled only while there is room: every word equal to a token, then
every word starting one, then one typo away in a name word of four letters or more. Within a
tier, the most recently seen come first (``last_activity_at``, which every arrival moves),
then the newest file.

How the files are reached depends on how many tokens the narrowest word matches (counted up
to a cap, on the index): few, and its files are read and checked for the other words; many
(a letter or two), and the office's files are walked from the most recently seen, which
finds enough matches almost at once precisely because so many match. Two name words each
broad but rare together ("Sophie B", in an office of a million files) are read through the
pair tokens: one range of the index for both words.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Table,
    and_,
    any_,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import ConsentScope
from pimms_tui.db.models import Appointment, Consent, Visit, Visitor, VisitorSearchToken

from . import audit
from .access import Permission, require
from .actors import Actor
from .consent import KEEP_FILE_TEXT_HASH
from .errors import DomainError, NotFound, PermissionDenied
from .messages import N_
from .normalise import name_tokens, phone_digits, search_key, storable
from .search_index import (
    MAX_TOKEN_LENGTH,
    PAIR_MARK,
    index_visitor,
    name_part_tokens,
    pair_fits,
    pair_token,
)
from .validation import FieldError, normalise_phone, validate_birth_year, validate_email

# Fewer phone digits than this match too many files to be worth showing.
MIN_PHONE_DIGITS = 4
# Shorter name words are never matched with a typo ("le" would find half the office).
MIN_FUZZY_LENGTH = 4
# When the narrowest word matches at most DRIVE_LIMIT tokens, its files are read and ranked;
# a broader one walks the office's files from the most recently seen (see _Lookup.find).
# Tokens are counted up to COUNT_LIMIT: past it, a word is broad whatever its count.
DRIVE_LIMIT = 1000
COUNT_LIMIT = 20_000
# How many recent files a walk looks at before the narrowest word's tokens are read instead.
WALK_LIMIT = 2000
# Another word whose tokens are at most this many times the driving word's is read whole
# into a set (sequential index reads) rather than probed once per candidate (random ones).
SET_FACTOR = 4
# A name word is paired with another when it stands for at most this many tokens (a word
# typed whole, its longer forms, its typo variants); past it, the pairs would cost more.
PAIR_WORDS = 16
YEARS = range(1900, 2101)
DUPLICATES_LIMIT = 8

_NUMERIC_WORD = re.compile(r"[\d+().\-/]+")


@dataclass(frozen=True)
class VisitorMatch:
    """A search result: enough to tell two people apart, nothing more."""

    id: int
    first_name: str | None
    last_name: str | None
    birth_year: int | None
    commune: str | None
    last_visit_on: date | None


# --- What was typed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryWord:
    """One word of a search: a name part, phone digits or a birth year, already normalised."""

    kind: str  # "name", "phone" or "year"
    text: str
    # The parts of a compound typed whole ("bonnet", "de" for "Bonnet-de"), else empty.
    parts: tuple[str, ...] = ()


def parse_query(text: str) -> list[QueryWord]:
    """Cut a search into words; runs of digits ("06 12 34") make one phone fragment.

    A compound typed whole ("N'Diaye", "Dupont-Moreau") is one word, joined up as indexed.
    Phone fragments shorter than :data:`MIN_PHONE_DIGITS` are dropped while being typed.
    """
    words: list[QueryWord] = []
    numbers: list[str] = []

    def flush_numbers() -> None:
        if numbers:
            digits = phone_digits(" ".join(numbers))[:MAX_TOKEN_LENGTH]
            numbers.clear()
            if len(digits) == 4 and int(digits) in YEARS:
                words.append(QueryWord("year", digits))
            elif len(digits) >= MIN_PHONE_DIGITS:
                words.append(QueryWord("phone", digits))

    for raw in text.split():
        if _NUMERIC_WORD.fullmatch(raw) and any(ch.isdigit() for ch in raw):
            numbers.append(raw)
            continue
        flush_numbers()
        parts = name_tokens(raw)
        joined = "".join(parts)[:MAX_TOKEN_LENGTH]
        if joined:
            words.append(QueryWord("name", joined, tuple(parts) if len(parts) > 1 else ()))
    flush_numbers()
    return list(dict.fromkeys(words))


@dataclass(frozen=True)
class _Match:
    """What one word asks of a visitor: a token starting with ``prefix`` or among ``tokens``
    (``name``: the word is a name word, so it is in the pair tokens too)."""

    prefix: str | None = None
    tokens: tuple[str, ...] = ()
    name: bool = False

    def parts(
        self, column: ColumnElement[str], anchor: ColumnElement[bool]
    ) -> list[ColumnElement[bool]]:
        """The alternatives, each one range or one equality of an index led by ``anchor``.

        Kept apart rather than OR-ed: each is then one plain index look-up on both engines.
        """
        parts: list[ColumnElement[bool]] = []
        if self.prefix is not None:
            upper = _after_prefix(self.prefix)
            bounds = [column >= self.prefix] + ([column < upper] if upper is not None else [])
            parts.append(and_(anchor, *bounds))
        if len(self.tokens) == 1:
            parts.append(and_(anchor, column == self.tokens[0]))
        elif self.tokens:
            parts.append(and_(anchor, column.in_(self.tokens)))
        return parts


def _after_prefix(prefix: str) -> str | None:
    """The least string greater than every string starting with ``prefix`` (code-point order)."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored: skip over them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


def _matches(words: Sequence[QueryWord], *, exact: bool) -> list[_Match]:
    """What each word asks of a visitor to be an exact, or a prefix, match (a year is exact)."""
    return [
        _Match(tokens=(word.text,), name=word.kind == "name")
        if exact or word.kind == "year"
        else _Match(prefix=word.text, name=word.kind == "name")
        for word in words
    ]


def one_typo_variants(word: str) -> set[str]:
    """Every string one deletion, insertion, substitution or swap away from ``word``."""
    letters = set(string.ascii_lowercase) | set(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    variants = {head + tail[1:] for head, tail in splits if tail}
    variants |= {head + tail[1] + tail[0] + tail[2:] for head, tail in splits if len(tail) > 1}
    variants |= {head + c + tail[1:] for head, tail in splits if tail for c in letters}
    variants |= {head + c + tail for head, tail in splits for c in letters}
    variants.discard(word)
    return {v[:MAX_TOKEN_LENGTH] for v in variants}


# --- Looking up --------------------------------------------------------------------------------

# Core tables rather than ORM entities: these statements are built at every keystroke.
_VISITOR = cast(Table, Visitor.__table__)
_TOKEN = cast(Table, VisitorSearchToken.__table__)
_COLUMNS = (
    _VISITOR.c.id,
    _VISITOR.c.first_name,
    _VISITOR.c.last_name,
    _VISITOR.c.birth_year,
    _VISITOR.c.commune,
)
_ORDER = (_VISITOR.c.last_activity_at.desc(), _VISITOR.c.id.desc())
Result = tuple[int, str | None, str | None, int | None, str | None]


def _has(visitor_id: ColumnElement[int], match: _Match) -> ColumnElement[bool]:
    """Whether the visitor has a token the word matches (probes of the token primary key).

    ``OFFSET 0`` keeps PostgreSQL from turning the probe into a join that reads every token
    of the word (its estimate of a prefix range can be far off): a probe per visitor is what
    makes a walk stop early and a look-up cost what its narrowest word costs.
    """
    token = _TOKEN.alias()
    probes = [
        select(literal(1)).where(part).offset(0).exists()
        for part in match.parts(token.c.token, token.c.visitor_id == visitor_id)
    ]
    return or_(*probes) if len(probes) > 1 else probes[0]


@dataclass(frozen=True)
class _Driver:
    """Where a look-up reads its candidates: ``parts`` of the token index, matching about
    ``count`` tokens, each file then checked for the ``others`` words."""

    parts: list[ColumnElement[bool]]
    count: int
    others: list[_Match]
    other_counts: list[int]

    @property
    def probed(self) -> int:
        """How many other words are probed per candidate (the others are read as sets)."""
        return sum(n > min(COUNT_LIMIT, SET_FACTOR * self.count) for n in self.other_counts)


def _counted(parts: Sequence[ColumnElement[bool]], cap: int) -> ColumnElement[int]:
    """The tokens matching ``parts``, each part counted up to ``cap`` + 1 on the index."""
    counted = [
        select(func.count())
        .select_from(select(literal(1)).where(part).limit(cap + 1).subquery())
        .scalar_subquery()
        for part in parts
    ]
    return sum(counted[1:], counted[0])


class _Lookup:
    """The look-ups of one search (or duplicate check) in one office, in one transaction."""

    def __init__(
        self,
        session: Session,
        office_id: int,
        limit: int,
        also: Sequence[ColumnElement[bool]] = (),
    ) -> None:
        self.connection = session.connection()
        if self.connection.dialect.name == "postgresql":
            # A handful of rows wanted: parallel workers would only add their start-up, and
            # keep scanning ahead of a walk that already has enough (seconds on a big office).
            self.connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        self.office_id = office_id
        self.limit = limit
        self.also = also
        self.rows: list[Result] = []

    @property
    def room(self) -> int:
        """How many more results are wanted."""
        return self.limit - len(self.rows)

    def counts(self, matches: Sequence[_Match], cap: int) -> list[int]:
        """How many tokens of the office each word matches (a part counted up to ``cap`` + 1)."""
        totals = [
            _counted(match.parts(_TOKEN.c.token, _TOKEN.c.office_id == self.office_id), cap)
            for match in matches
        ]
        return [int(n) for n in self.connection.execute(select(*totals)).one()]

    def count_parts(self, parts: Sequence[ColumnElement[bool]], cap: int) -> int:
        """How many tokens the ``parts`` match together (each counted up to ``cap`` + 1)."""
        return int(self.connection.execute(select(_counted(parts, cap))).scalar_one())

    def _filters(self) -> list[ColumnElement[bool]]:
        filters = [
            _VISITOR.c.office_id == self.office_id,
            _VISITOR.c.anonymised_at.is_(None),
            _VISITOR.c.merged_into_id.is_(None),
            *self.also,
        ]
        if self.rows:
            filters.append(_VISITOR.c.id.not_in([row[0] for row in self.rows]))
        return filters

    def _among(self, visitor_id: ColumnElement[int], match: _Match) -> ColumnElement[bool]:
        """Whether the visitor is among those with a token the word matches: the word's
        tokens read once (an in-memory set on both engines), not probed visitor by visitor.

        ``IS TRUE`` keeps PostgreSQL from making it a join whose method would rest on its
        estimate of the range; the LIMIT (never reached: the word was counted) bounds that
        estimate, so the set is hashed.
        """
        tests = [
            visitor_id.in_(select(_TOKEN.c.visitor_id).where(part).limit(COUNT_LIMIT + 1)).is_(
                true()
            )
            for part in match.parts(_TOKEN.c.token, _TOKEN.c.office_id == self.office_id)
        ]
        return or_(*tests) if len(tests) > 1 else tests[0]

    def drive(self, driver: _Driver, tiers: Sequence[Sequence[_Match]] = ()) -> None:
        """Add the best files among those with a token the ``driver`` reads (few) that match
        its other words too, most recently seen first.

        Another word is checked by a probe per candidate, or, when it matches not many more
        tokens than the driver, by reading its tokens once into a set.

        ``tiers`` rank the files before their last activity: those matching every match of
        the first tier come first, and so on; the others after. Each candidate's visitor row
        is read through a correlated look-up of its primary key, and only the chosen ones are
        joined: the same plan on both engines, whatever PostgreSQL's statistics would favour.
        """
        checks = [
            self._among(_TOKEN.c.visitor_id, other)
            if count <= min(COUNT_LIMIT, SET_FACTOR * driver.count)
            else _has(_TOKEN.c.visitor_id, other)
            for other, count in zip(driver.others, driver.other_counts, strict=True)
        ]
        selects = [select(_TOKEN.c.visitor_id).where(part, *checks) for part in driver.parts]
        candidates = (union(*selects) if len(selects) > 1 else selects[0].distinct()).subquery()
        candidate = candidates.c.visitor_id
        seen = (
            select(_VISITOR.c.last_activity_at)
            .where(_VISITOR.c.id == candidate, *self._filters())
            .scalar_subquery()
        )
        rank: ColumnElement[int] = literal(0)
        if tiers:
            rank = case(
                *(
                    (and_(*(_has(candidate, m) for m in tier)), position)
                    for position, tier in enumerate(tiers)
                ),
                else_=len(tiers),
            )
        ranked = select(candidate.label("id"), rank.label("rank"), seen.label("seen")).subquery()
        # A candidate the filters refuse has no "seen": sorted last, dropped after the limit.
        best = (
            select(ranked)
            .order_by(ranked.c.rank, ranked.c.seen.desc().nulls_last(), ranked.c.id.desc())
            .limit(self.room)
            .subquery()
        )
        query = (
            select(*_COLUMNS)
            .select_from(best.join(_VISITOR, _VISITOR.c.id == best.c.id))
            .where(best.c.seen.is_not(None))
            .order_by(best.c.rank, best.c.seen.desc(), best.c.id.desc())
        )
        self.rows += [tuple(row) for row in self.connection.execute(query)]

    def walk(self, matches: Sequence[_Match], within: int | None = None) -> bool:
        """Add the most recently seen files matching every word, walking the office's files
        from the most recent (``within`` that many of them at most); whether it found enough.

        For broad words: so many files match that the walk soon has enough.
        """
        bounds: list[ColumnElement[bool]] = []
        if within is not None:
            since = self.connection.scalar(
                select(_VISITOR.c.last_activity_at)
                .with_hint(_VISITOR, "INDEXED BY ix_visitor_office_activity", "sqlite")
                .where(_VISITOR.c.office_id == self.office_id)
                .order_by(_VISITOR.c.last_activity_at.desc())
                .offset(within - 1)
                .limit(1)
            )
            if since is not None:
                bounds.append(_VISITOR.c.last_activity_at >= since)
        room = self.room
        query = (
            select(*_COLUMNS)
            .with_hint(_VISITOR, "INDEXED BY ix_visitor_office_activity", "sqlite")
            .where(*self._filters(), *bounds, *(_has(_VISITOR.c.id, m) for m in matches))
            .order_by(*_ORDER)
            .limit(room)
        )
        found = [tuple(row) for row in self.connection.execute(query)]
        self.rows += found
        return len(found) == room or not bounds

    def find(self, matches: Sequence[_Match], tiers: Sequence[Sequence[_Match]] = ()) -> None:
        """Add the files matching every word, best ``tiers`` first.

        From the narrowest word's tokens, or from the pairs of two name words when those are
        fewer, when that is cheap: few of them, or the other words narrow enough to be read
        whole. Else the most recent files are walked, a few thousand at first, then as far as
        the rate of matches met says is needed, while that costs less than reading the
        driver's tokens; reading them is the last resort.
        """
        counts = self.counts(matches, COUNT_LIMIT)
        driver = self._word_driver(matches, counts)
        together = None  # about how many files match two of the words, when counted
        if driver.count > DRIVE_LIMIT:
            paired, together = self._pair_driver(matches, counts)
            driver = paired or driver
        if driver.count == 0:
            return
        probed = driver.probed
        # Other words read whole as sets make reading the driver's files cheap, unless those
        # files are so many that the most recent ones match at once (then walking wins).
        few_together = together is None or together <= DRIVE_LIMIT
        if driver.count <= DRIVE_LIMIT or (
            driver.others and driver.count <= COUNT_LIMIT and not probed and few_together
        ):
            self.drive(driver, tiers)
            return
        for tier in tiers:
            self.find(tier)
            if self.room <= 0:
                return
        if driver.count > COUNT_LIMIT:
            self.walk(matches)
            return
        # In visitor rows read or probes made (about the same cost): a walked file costs
        # one, a driven token one per word probed for it, or a visitor row (one word).
        drive_cost = driver.count * max(1, probed)
        within = WALK_LIMIT
        room, before = self.room, len(self.rows)
        while within < drive_cost:
            if self.walk(matches, within=within):
                return
            met = len(self.rows) - before
            del self.rows[before:]
            # How far the walk would have to go at the rate it met matches so far.
            needed = within * room / met if met else drive_cost
            if needed >= drive_cost:
                break
            within = int(needed * 2)
        self.drive(driver)

    def _word_driver(self, matches: Sequence[_Match], counts: Sequence[int]) -> _Driver:
        """Candidates from the tokens of the narrowest word."""
        narrowest = min(range(len(matches)), key=lambda i: counts[i])
        return _Driver(
            parts=matches[narrowest].parts(_TOKEN.c.token, self._in_office),
            count=counts[narrowest],
            others=[m for i, m in enumerate(matches) if i != narrowest],
            other_counts=[n for i, n in enumerate(counts) if i != narrowest],
        )

    def _pair_driver(
        self, matches: Sequence[_Match], counts: Sequence[int]
    ) -> tuple[_Driver | None, int | None]:
        """Candidates from the pair tokens of the narrowest name word and another name word
        (the one they have fewest pairs with); and how many pairs that is, if counted: about
        how many files match both words. None when there are not two name words to pair.
        """
        names = [i for i, m in enumerate(matches) if m.name]
        if len(names) < 2:
            return None, None
        narrow = min(names, key=lambda i: counts[i])
        short = matches[narrow]
        listed = self._listed_tokens(short)
        options = {
            other: parts
            for other in names
            if other != narrow and (parts := self._pair_parts(short, listed, matches[other]))
        }
        if not options:
            return None, None
        totals = self.connection.execute(
            select(*(_counted(parts, COUNT_LIMIT) for parts in options.values()))
        ).one()
        count, partner = min(zip((int(n) for n in totals), options, strict=True))
        rest = [i for i in range(len(matches)) if i not in (narrow, partner)]
        driver = _Driver(
            parts=options[partner],
            count=count,
            others=[matches[i] for i in rest],
            other_counts=[counts[i] for i in rest],
        )
        return (driver if count < counts[narrow] else None), count

    def _pair_parts(
        self, short: _Match, listed: set[str] | None, wide: _Match
    ) -> list[ColumnElement[bool]]:
        """The parts of the index holding the pairs of ``short`` and ``wide`` (none if they
        cannot be paired).

        Each form of the short word (its typo variants, the tokens its prefix starts, when
        ``listed``) makes one range of pairs with the wide word; a prefix with many forms
        ("michel": "michelle", "michelmartin"…) makes one range of the pairs starting with
        it, filtered on the pair's second word: still one read of the index.
        """
        forms = set(short.tokens) | (listed or set())
        spread = short.prefix if short.prefix is not None and listed is None else None
        seconds = [wide.prefix] if wide.prefix is not None else []
        if any(f.startswith(t) for f in forms for t in seconds) or forms & set(wide.tokens):
            return []  # both words could match one token ("dupont dup"): no pair for that
        if spread is not None and any(
            spread.startswith(t) or t.startswith(spread) for t in (*seconds, *wide.tokens)
        ):
            return []
        firsts = [*forms, *([spread] if spread is not None else [])]
        if not all(pair_fits(f, t) for f in firsts for t in (*seconds, *wide.tokens)):
            return []  # a pair that long is cut in the index: not one range any more
        pairs = [
            _Match(
                prefix=pair_token(form, wide.prefix) if wide.prefix is not None else None,
                tokens=tuple(pair_token(form, t) for t in wide.tokens),
            )
            for form in sorted(forms)
        ]
        parts = [part for pair in pairs for part in pair.parts(_TOKEN.c.token, self._in_office)]
        if spread is not None:
            (within,) = _Match(prefix=PAIR_MARK + spread).parts(_TOKEN.c.token, self._in_office)
            # "~michel% d%": the pair's first word starts with "michel", its second with "d"
            # (a word holds no space, so the space is the one between the two).
            patterns = [f"{PAIR_MARK}{spread}% {t}%" for t in seconds]
            patterns += [f"{PAIR_MARK}{spread}% {t}" for t in wide.tokens]
            parts.append(and_(within, or_(*(_TOKEN.c.token.like(p) for p in patterns))))
        return parts

    def _listed_tokens(self, match: _Match) -> set[str] | None:
        """The office's tokens ``match`` matches, if there are at most PAIR_WORDS of them."""
        words = set(match.tokens)
        if match.prefix is not None:
            (part,) = _Match(prefix=match.prefix).parts(_TOKEN.c.token, self._in_office)
            words.update(
                self.connection.scalars(
                    select(_TOKEN.c.token).where(part).distinct().limit(PAIR_WORDS + 1)
                )
            )
        return words if len(words) <= PAIR_WORDS else None

    @property
    def _in_office(self) -> ColumnElement[bool]:
        return _TOKEN.c.office_id == self.office_id

    def matches(self) -> list[VisitorMatch]:
        """The results, with the day of their last visit (one grouped query)."""
        ids = [row[0] for row in self.rows]
        last_visits: dict[int, date] = {}
        if ids:
            visit = cast(Table, Visit.__table__)
            last_visits = {
                visitor_id: day
                for visitor_id, day in self.connection.execute(
                    select(visit.c.visitor_id, func.max(visit.c.day))
                    .where(visit.c.visitor_id.in_(ids))
                    .group_by(visit.c.visitor_id)
                )
            }
        return [VisitorMatch(*row, last_visit_on=last_visits.get(row[0])) for row in self.rows]


def _typo_tokens(
    connection: Connection, office_id: int, words: Sequence[QueryWord]
) -> dict[int, tuple[str, ...]]:
    """For each long enough name word (by position), the office's tokens one typo away that
    it is not already a prefix of."""
    variants = {
        position: {v for v in one_typo_variants(w.text) if not v.startswith(w.text)}
        for position, w in enumerate(words)
        if w.kind == "name" and len(w.text) >= MIN_FUZZY_LENGTH
    }
    candidates = sorted(set().union(*variants.values()))
    if not candidates:
        return {}
    if connection.dialect.name == "postgresql":
        # One array parameter: hundreds of bound values cost more than the look-ups.
        among = _TOKEN.c.token == any_(literal(candidates, ARRAY(String)))
    else:
        among = _TOKEN.c.token.in_(candidates)
    existing = set(
        connection.scalars(
            select(_TOKEN.c.token).where(_TOKEN.c.office_id == office_id, among).distinct()
        )
    )
    return {
        position: tuple(sorted(found))
        for position, options in variants.items()
        if (found := options & existing)
    }


class VisitorService:
    """Finding the visitors of an office, spotting duplicates, and merging two files."""

    def __init__(self, database: Database, office_id: int) -> None:
        self.database = database
        self.office_id = office_id

    def search(self, text: str, limit: int = 8) -> list[VisitorMatch]:
        """Visitors matching what was typed: name parts in any order, phone digits, birth year.

        Exact matches come first, then prefixes, then one typo away; anonymised and merged
        files are never found.
        """
        words = parse_query(text)
        if not words or limit < 1:
            return []
        exact = _matches(words, exact=True)
        prefix = _matches(words, exact=False)
        with self.database.read() as session:
            lookup = _Lookup(session, self.office_id, limit)
            lookup.find(prefix, tiers=[exact] if exact != prefix else [])
            if lookup.room > 0:
                # Every file matching by prefix is found: now those one typo away, a typed
                # compound taken part by part (the typo is in one of them).
                parts = [
                    part
                    for word in words
                    for part in ([QueryWord("name", p) for p in word.parts] or [word])
                ]
                typos = _typo_tokens(lookup.connection, self.office_id, parts)
                if typos:
                    lookup.find(
                        [
                            _Match(m.prefix, m.tokens + typos.get(i, ()), m.name)
                            for i, m in enumerate(_matches(parts, exact=False))
                        ]
                    )
            return lookup.matches()

    def likely_duplicates(
        self,
        first_name: str | None,
        last_name: str | None,
        phone: str | None,
        birth_year: int | str | None,
    ) -> list[VisitorMatch]:
        """Open files that are probably this person: the same name, and the same phone or year.

        Names compare as the search folds them, in any order and with compounds joined up
        ("N'Diaye" is "Ndiaye"); a file has the same name when each name part of either
        person is a name part, or a compound, of the other.
        """
        keys = {"".join(name_tokens(part))[:MAX_TOKEN_LENGTH] for part in (first_name, last_name)}
        keys.discard("")
        same: list[ColumnElement[bool]] = []
        digits = _phone_key(phone)
        if digits:
            same.append(_VISITOR.c.phone_digits == digits)
        year = _year_key(birth_year)
        if year is not None:
            same.append(_VISITOR.c.birth_year == year)
        if not keys or not same:
            return []
        forms = {*name_part_tokens(first_name), *name_part_tokens(last_name)}
        with self.database.read() as session:
            lookup = _Lookup(session, self.office_id, DUPLICATES_LIMIT, also=[or_(*same)])
            lookup.find([_Match(tokens=(key,), name=True) for key in sorted(keys)])
            lookup.rows = [
                row
                for row in lookup.rows
                if all(
                    "".join(name_tokens(part))[:MAX_TOKEN_LENGTH] in forms
                    for part in (row[1], row[2])
                    if name_tokens(part)
                )
            ]
            return lookup.matches()

    def merge(self, survivor_id: int, duplicate_id: int, actor: Actor, now: datetime) -> None:
        """Merge the duplicate file into the survivor: its history moves, it points there.

        Visits, consents and appointments move to the survivor; the duplicate keeps its
        identity as it was, marked ``merged_into`` the survivor and gone from the search.
        Files once merged into the duplicate now point at the survivor. Refused for a file
        merged into itself, a merged or anonymised file, and files of another office.
        """
        require(actor, Permission.MERGE)
        if actor.office_id != self.office_id:
            raise PermissionDenied(OTHER_OFFICE)
        if survivor_id == duplicate_id:
            raise DomainError(MERGE_INTO_ITSELF)
        with self.database.write() as session:
            files = {
                v.id: v
                for v in session.scalars(
                    select(Visitor)
                    .where(Visitor.id.in_((survivor_id, duplicate_id)))
                    .with_for_update()
                )
            }
            for visitor_id in (survivor_id, duplicate_id):
                visitor = files.get(visitor_id)
                if visitor is None:
                    raise NotFound(FILE_UNKNOWN)
                if visitor.office_id != self.office_id:
                    raise PermissionDenied(MERGE_OTHER_OFFICE)
                if visitor.merged_into_id is not None:
                    raise DomainError(MERGE_MERGED_FILE)
                if visitor.anonymised_at is not None:
                    raise DomainError(MERGE_ANONYMISED_FILE)
            survivor, duplicate = files[survivor_id], files[duplicate_id]
            moved = {
                table.__tablename__: _move(session, table, duplicate_id, survivor_id)
                for table in (Visit, Consent, Appointment)
            }
            session.execute(
                update(Visitor)
                .where(Visitor.merged_into_id == duplicate_id)
                .values(merged_into_id=survivor_id, version=Visitor.version + 1)
                .execution_options(synchronize_session=False)
            )
            # Through the ORM, so that the version check refuses a file edited meanwhile.
            duplicate.merged_into_id = survivor_id
            survivor.last_activity_at = max(survivor.last_activity_at, duplicate.last_activity_at)
            session.flush()
            index_visitor(session, duplicate_id)
            audit.record(
                session,
                actor,
                audit.Action.MERGE,
                at=now,
                entity="visitor",
                entity_id=survivor_id,
                office_id=self.office_id,
                survivor_id=survivor_id,
                duplicate_id=duplicate_id,
                moved=moved,
            )


def _move(session: Session, table: type[Visit | Consent | Appointment], old: int, new: int) -> int:
    """Point the rows of ``table`` from one visitor to another; how many moved."""
    result = session.execute(
        update(table)
        .where(table.visitor_id == old)
        .values(visitor_id=new)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _phone_key(phone: str | None) -> str | None:
    """The national digits of a typed phone (as the file would store them), if any."""
    if not phone or not phone.strip():
        return None
    try:
        return phone_digits(normalise_phone(phone))
    except FieldError:
        digits = phone_digits(phone)
        return digits if len(digits) >= MIN_PHONE_DIGITS else None


def _year_key(birth_year: int | str | None) -> int | None:
    """A plausible birth year from typed text or an int, else None."""
    if isinstance(birth_year, str):
        text = birth_year.strip()
        birth_year = int(text) if text.isascii() and text.isdigit() else None
    return birth_year if birth_year is not None and birth_year in YEARS else None


FILE_UNKNOWN = N_("This visitor file does not exist.")
OTHER_OFFICE = N_("This desk belongs to another office.")
MERGE_INTO_ITSELF = N_("A file cannot be merged into itself.")
MERGE_OTHER_OFFICE = N_("Only files of this office can be merged.")
MERGE_MERGED_FILE = N_("This file was already merged into another one.")
MERGE_ANONYMISED_FILE = N_("An anonymised file cannot be merged.")


# --- Opening a file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewVisitor:
    """What the desk types to open a named file; only the first name is required."""

    first_name: str
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    birth_year: str | None = None
    commune: str | None = None
    keep_file_consent: bool = False


@dataclass(frozen=True)
class CheckedVisitor:
    """A new visitor's particulars, every field checked and cleaned."""

    first_name: str
    last_name: str | None
    phone: str | None
    email: str | None
    birth_year: int | None
    commune: str | None


NAME_REQUIRED = N_("Type at least the first name.")
CONSENT_REQUIRED = N_(
    "A named file needs the visitor's consent. Without it, register an anonymous visit."
)
MAX_NAME_LENGTH = 120


def _name(value: str | None, field: str) -> str | None:
    cleaned = " ".join(storable(value or "").split())
    if len(cleaned) > MAX_NAME_LENGTH:
        raise FieldError(
            field,
            N_("This name is too long ({max} characters at most)."),
            {"max": str(MAX_NAME_LENGTH)},
        )
    return cleaned or None


def check_new_visitor(data: NewVisitor, now: datetime) -> CheckedVisitor:
    """Check every field of a new file (not the consent); FieldError names the first bad one."""
    first_name = _name(data.first_name, "first_name")
    if not first_name:
        raise FieldError("first_name", NAME_REQUIRED)
    last_name = _name(data.last_name, "last_name")
    phone = normalise_phone(data.phone) if data.phone and data.phone.strip() else None
    email = validate_email(data.email) if data.email and data.email.strip() else None
    birth_year = (
        validate_birth_year(data.birth_year, now.year)
        if data.birth_year and data.birth_year.strip()
        else None
    )
    commune = _name(data.commune, "commune")
    return CheckedVisitor(first_name, last_name, phone, email, birth_year, commune)


def create_visitor(
    database: Database, data: NewVisitor, actor: Actor, now: datetime
) -> VisitorMatch:
    """Open a named file with the visitor's recorded consent; every field checked first."""
    require(actor, Permission.IDENTITY)
    checked = check_new_visitor(data, now)
    if not data.keep_file_consent:
        raise FieldError("consent", CONSENT_REQUIRED)
    with database.write() as session:
        visitor = Visitor(
            office_id=actor.office_id,
            first_name=checked.first_name,
            last_name=checked.last_name,
            phone=checked.phone,
            phone_digits=phone_digits(checked.phone) if checked.phone else None,
            email=checked.email,
            birth_year=checked.birth_year,
            commune=checked.commune,
            search_key=search_key(checked.first_name, checked.last_name),
            created_at=now,
            last_activity_at=now,
        )
        session.add(visitor)
        session.flush()
        index_visitor(session, visitor.id)
        session.add(
            Consent(
                office_id=actor.office_id,
                visitor_id=visitor.id,
                scope=ConsentScope.KEEP_FILE,
                given_at=now,
                staff_id=actor.staff_id,
                text_version_hash=KEEP_FILE_TEXT_HASH,
            )
        )
        audit.record(
            session,
            actor,
            audit.Action.CONSENT_GIVEN,
            at=now,
            entity="visitor",
            entity_id=visitor.id,
            scope=ConsentScope.KEEP_FILE.value,
            text_version_hash=KEEP_FILE_TEXT_HASH,
        )
    return VisitorMatch(
        visitor.id, checked.first_name, checked.last_name, checked.birth_year, checked.commune, None
    )
