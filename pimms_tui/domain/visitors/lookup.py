"""How a search reaches the files: from the narrowest word's tokens, by pairs, or by a walk.

How the files are reached depends on how many tokens the narrowest word matches (counted up
to a cap, on the index): few, and its files are read and checked for the other words; many
(a letter or two), and the office's files are walked from the most recently seen, which
finds enough matches almost at once precisely because so many match. Two name words each
broad but rare together ("Sophie B", in an office of a million files) are read through the
pair tokens: one range of the index for both words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, literal, or_, select, true, union
from sqlalchemy.orm import Session

from pimms_tui.db.search_index import PAIR_MARK, pair_fits, pair_token

from .query import VisitorMatch, WordMatch
from .statements import COLUMNS, ORDER, TOKEN, VISITOR, Result, counted, has_token, last_visits

# When the narrowest word matches at most DRIVE_LIMIT tokens, its files are read and ranked;
# a broader one walks the office's files from the most recently seen (see Lookup.find).
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


@dataclass(frozen=True)
class _Driver:
    """Where a look-up reads its candidates: ``parts`` of the token index, matching about
    ``count`` tokens, each file then checked for the ``others`` words."""

    parts: list[ColumnElement[bool]]
    count: int
    others: list[WordMatch]
    other_counts: list[int]

    @property
    def probed(self) -> int:
        """How many other words are probed per candidate (the others are read as sets)."""
        return sum(n > min(COUNT_LIMIT, SET_FACTOR * self.count) for n in self.other_counts)


class Lookup:
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

    def counts(self, matches: Sequence[WordMatch], cap: int) -> list[int]:
        """How many tokens of the office each word matches (a part counted up to ``cap`` + 1)."""
        totals = [
            counted(match.parts(TOKEN.c.token, TOKEN.c.office_id == self.office_id), cap)
            for match in matches
        ]
        return [int(n) for n in self.connection.execute(select(*totals)).one()]

    def _filters(self) -> list[ColumnElement[bool]]:
        filters = [
            VISITOR.c.office_id == self.office_id,
            VISITOR.c.anonymised_at.is_(None),
            VISITOR.c.merged_into_id.is_(None),
            *self.also,
        ]
        if self.rows:
            filters.append(VISITOR.c.id.not_in([row[0] for row in self.rows]))
        return filters

    def _among(self, visitor_id: ColumnElement[int], match: WordMatch) -> ColumnElement[bool]:
        """Whether the visitor is among those with a token the word matches: the word's
        tokens read once (an in-memory set on both engines), not probed visitor by visitor.

        ``IS TRUE`` keeps PostgreSQL from making it a join whose method would rest on its
        estimate of the range; the LIMIT (never reached: the word was counted) bounds that
        estimate, so the set is hashed.
        """
        tests = [
            visitor_id.in_(select(TOKEN.c.visitor_id).where(part).limit(COUNT_LIMIT + 1)).is_(
                true()
            )
            for part in match.parts(TOKEN.c.token, TOKEN.c.office_id == self.office_id)
        ]
        return or_(*tests) if len(tests) > 1 else tests[0]

    def drive(self, driver: _Driver, tiers: Sequence[Sequence[WordMatch]] = ()) -> None:
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
            self._among(TOKEN.c.visitor_id, other)
            if count <= min(COUNT_LIMIT, SET_FACTOR * driver.count)
            else has_token(TOKEN.c.visitor_id, other)
            for other, count in zip(driver.others, driver.other_counts, strict=True)
        ]
        selects = [select(TOKEN.c.visitor_id).where(part, *checks) for part in driver.parts]
        candidates = (union(*selects) if len(selects) > 1 else selects[0].distinct()).subquery()
        candidate = candidates.c.visitor_id
        seen = (
            select(VISITOR.c.last_activity_at)
            .where(VISITOR.c.id == candidate, *self._filters())
            .scalar_subquery()
        )
        rank: ColumnElement[int] = literal(0)
        if tiers:
            rank = case(
                *(
                    (and_(*(has_token(candidate, m) for m in tier)), position)
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
            select(*COLUMNS)
            .select_from(best.join(VISITOR, VISITOR.c.id == best.c.id))
            .where(best.c.seen.is_not(None))
            .order_by(best.c.rank, best.c.seen.desc(), best.c.id.desc())
        )
        self.rows += [tuple(row) for row in self.connection.execute(query)]

    def walk(self, matches: Sequence[WordMatch], within: int | None = None) -> bool:
        """Add the most recently seen files matching every word, walking the office's files
        from the most recent (``within`` that many of them at most); whether it found enough.

        For broad words: so many files match that the walk soon has enough.
        """
        bounds: list[ColumnElement[bool]] = []
        if within is not None:
            since = self.connection.scalar(
                select(VISITOR.c.last_activity_at)
                .with_hint(VISITOR, "INDEXED BY ix_visitor_office_activity", "sqlite")
                .where(VISITOR.c.office_id == self.office_id)
                .order_by(VISITOR.c.last_activity_at.desc())
                .offset(within - 1)
                .limit(1)
            )
            if since is not None:
                bounds.append(VISITOR.c.last_activity_at >= since)
        room = self.room
        query = (
            select(*COLUMNS)
            .with_hint(VISITOR, "INDEXED BY ix_visitor_office_activity", "sqlite")
            .where(*self._filters(), *bounds, *(has_token(VISITOR.c.id, m) for m in matches))
            .order_by(*ORDER)
            .limit(room)
        )
        found = [tuple(row) for row in self.connection.execute(query)]
        self.rows += found
        return len(found) == room or not bounds

    def find(self, matches: Sequence[WordMatch], tiers: Sequence[Sequence[WordMatch]] = ()) -> None:
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

    def _word_driver(self, matches: Sequence[WordMatch], counts: Sequence[int]) -> _Driver:
        """Candidates from the tokens of the narrowest word."""
        narrowest = min(range(len(matches)), key=lambda i: counts[i])
        return _Driver(
            parts=matches[narrowest].parts(TOKEN.c.token, self._in_office),
            count=counts[narrowest],
            others=[m for i, m in enumerate(matches) if i != narrowest],
            other_counts=[n for i, n in enumerate(counts) if i != narrowest],
        )

    def _pair_driver(
        self, matches: Sequence[WordMatch], counts: Sequence[int]
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
            select(*(counted(parts, COUNT_LIMIT) for parts in options.values()))
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
        self, short: WordMatch, listed: set[str] | None, wide: WordMatch
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
            WordMatch(
                prefix=pair_token(form, wide.prefix) if wide.prefix is not None else None,
                tokens=tuple(pair_token(form, t) for t in wide.tokens),
            )
            for form in sorted(forms)
        ]
        parts = [part for pair in pairs for part in pair.parts(TOKEN.c.token, self._in_office)]
        if spread is not None:
            (within,) = WordMatch(prefix=PAIR_MARK + spread).parts(TOKEN.c.token, self._in_office)
            # "~michel% d%": the pair's first word starts with "michel", its second with "d"
            # (a word holds no space, so the space is the one between the two).
            patterns = [f"{PAIR_MARK}{spread}% {t}%" for t in seconds]
            patterns += [f"{PAIR_MARK}{spread}% {t}" for t in wide.tokens]
            parts.append(and_(within, or_(*(TOKEN.c.token.like(p) for p in patterns))))
        return parts

    def _listed_tokens(self, match: WordMatch) -> set[str] | None:
        """The office's tokens ``match`` matches, if there are at most PAIR_WORDS of them."""
        words = set(match.tokens)
        if match.prefix is not None:
            (part,) = WordMatch(prefix=match.prefix).parts(TOKEN.c.token, self._in_office)
            words.update(
                self.connection.scalars(
                    select(TOKEN.c.token).where(part).distinct().limit(PAIR_WORDS + 1)
                )
            )
        return words if len(words) <= PAIR_WORDS else None

    @property
    def _in_office(self) -> ColumnElement[bool]:
        return TOKEN.c.office_id == self.office_id

    def matches(self) -> list[VisitorMatch]:
        """The results, with the day of their last visit (one grouped query)."""
        visits = last_visits(self.connection, [row[0] for row in self.rows])
        return [VisitorMatch(*row, last_visit_on=visits.get(row[0])) for row in self.rows]
