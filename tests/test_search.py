"""The visitor search as you type: names, phones, years, typos, ranking, and its indexes.

Every database test runs on SQLite and PostgreSQL with the same expectations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update

from pimms_tui.application.visitors import VisitorService
from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.db.models import Visit, Visitor, VisitorSearchToken
from pimms_tui.db.search_index import (
    PAIR_MARK,
    all_tokens,
    forget_visitors,
    index_visitor,
    name_part_tokens,
    pair_tokens,
    search_tokens,
)
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo, create_office
from pimms_tui.domain.visitors import (
    NewVisitor,
    QueryWord,
    VisitorMatch,
    create_visitor,
    one_typo_variants,
    parse_query,
)
from pimms_tui.domain.visitors import lookup as visitors_module

from .conftest import migrate_as_owner


class Desk:
    """Files opened one minute apart (the later, the more recently seen), and the search."""

    def __init__(self, database: Database, office: OfficeInfo, clock: FixedClock) -> None:
        self.database = database
        self.office = office
        self.clock = clock
        self.actor = Actor(office_id=office.id, desk_id=None, role=Role.MANAGER)
        self.service = VisitorService(database, office.id)

    def add(
        self,
        first: str,
        last: str | None = None,
        phone: str | None = None,
        year: str | None = None,
        commune: str | None = None,
    ) -> int:
        """Open a file now, then move the clock on a minute."""
        data = NewVisitor(first, last, phone, birth_year=year, commune=commune)
        data = NewVisitor(**{**data.__dict__, "keep_file_consent": True})
        visitor_id = create_visitor(self.database, data, self.actor, self.clock.now()).id
        self.clock.advance(minutes=1)
        return visitor_id

    def search(self, text: str, limit: int = 8) -> list[VisitorMatch]:
        """The matches for what was typed."""
        return self.service.search(text, limit)

    def names(self, text: str, limit: int = 8) -> list[str]:
        """The full names found, in the order shown."""
        return [
            " ".join(p for p in (m.first_name, m.last_name) if p) for m in self.search(text, limit)
        ]


@pytest.fixture
def desk(database: Database, office: OfficeInfo, clock: FixedClock) -> Desk:
    """An office's desk searching its visitors."""
    return Desk(database, office, clock)


# --- What is typed -----------------------------------------------------------------------------


def test_query_words() -> None:
    """Names fold; digit runs make one phone fragment; a year 1900–2100 is a birth year."""
    assert parse_query("Hélène  DUPONT-Moreau") == [
        QueryWord("name", "helene"),
        QueryWord("name", "dupontmoreau", ("dupont", "moreau")),
    ]
    assert parse_query("06 12 34") == [QueryWord("phone", "061234")]
    assert parse_query("+33 6 12") == [QueryWord("phone", "0612")]
    assert parse_query("06.12.34") == [QueryWord("phone", "061234")]
    assert parse_query("dupont 1985") == [QueryWord("name", "dupont"), QueryWord("year", "1985")]
    assert parse_query("06") == []  # too few digits to mean anything yet
    assert parse_query("  ") == []
    assert parse_query("N'Diaye") == [QueryWord("name", "ndiaye", ("n", "diaye"))]


def test_tokens_of_a_file() -> None:
    """Each name part, each compound joined up from every part on, phone digits and year."""
    assert name_part_tokens("de La Fontaine") == [
        "de",
        "la",
        "fontaine",
        "delafontaine",
        "lafontaine",
    ]
    assert search_tokens("Awa", "N'Diaye", "0612345678", 1990) == {
        "awa",
        "n",
        "diaye",
        "ndiaye",
        "0612345678",
        "1990",
    }
    assert search_tokens(None, None, None, None) == set()


def test_one_typo_variants() -> None:
    """Deletions, insertions, substitutions and swaps; never the word itself."""
    variants = one_typo_variants("dupont")
    assert {"dupond", "dupnt", "duppont", "udpont"} <= variants
    assert "dupont" not in variants and "dupotn" in variants


# --- Names -------------------------------------------------------------------------------------


def test_accents_case_and_order_do_not_matter(desk: Desk) -> None:
    """ "helene dupont" finds Hélène Dupont-Moreau, typed in any order and case."""
    desk.add("Hélène", "Dupont-Moreau")
    desk.add("Marc", "Durand")
    for typed in ("helene dupont", "DUPONT hélène", "moreau hel", "Dupont-Moreau", "hélène"):
        assert desk.names(typed) == ["Hélène Dupont-Moreau"], typed


def test_compound_and_particle_names(desk: Desk) -> None:
    """Particles and compounds are found spaced, joined up, or by their main part."""
    desk.add("Jean", "de La Fontaine")
    desk.add("Awa", "N'Diaye")
    desk.add("Moussa", "Ndiaye")
    desk.add("Karim", "Ben Salah")
    desk.add("Pieter", "Van der Berg")
    desk.add("Yann", "Le Gall")
    assert desk.names("de la fontaine") == ["Jean de La Fontaine"]
    assert desk.names("delafontaine") == ["Jean de La Fontaine"]
    assert desk.names("lafontaine jean") == ["Jean de La Fontaine"]
    assert desk.names("fontaine") == ["Jean de La Fontaine"]
    # N'Diaye and Ndiaye are the same name, whichever way it is typed.
    for typed in ("ndiaye", "N'Diaye", "n’diaye"):
        assert set(desk.names(typed)) == {"Awa N'Diaye", "Moussa Ndiaye"}, typed
    assert desk.names("diaye awa") == ["Awa N'Diaye"]
    assert desk.names("ben salah") == ["Karim Ben Salah"]
    assert desk.names("bensalah") == ["Karim Ben Salah"]
    assert desk.names("salah karim") == ["Karim Ben Salah"]
    assert desk.names("vanderberg") == ["Pieter Van der Berg"]
    assert desk.names("van der berg") == ["Pieter Van der Berg"]
    assert desk.names("le gall") == ["Yann Le Gall"]
    assert desk.names("legall") == ["Yann Le Gall"]


def test_vietnamese_and_other_letters(desk: Desk) -> None:
    """ "nguyen" finds Nguyễn; letters NFKD keeps whole (đ, ø, œ, ß) are folded too."""
    desk.add("Thi Lan", "Nguyễn")
    desk.add("Văn Long", "Đặng")
    desk.add("Hülya", "Öztürk")
    desk.add("Rémi", "Lebœuf")
    assert desk.names("nguyen") == ["Thi Lan Nguyễn"]
    assert desk.names("thi lan nguyen") == ["Thi Lan Nguyễn"]
    assert desk.names("thilan") == ["Thi Lan Nguyễn"]
    assert desk.names("dang van") == ["Văn Long Đặng"]
    assert desk.names("ozturk") == ["Hülya Öztürk"]
    assert desk.names("leboeuf") == ["Rémi Lebœuf"]


def test_prefix_of_every_word(desk: Desk) -> None:
    """Each word typed is the start of one of the person's names; all must match."""
    desk.add("Hélène", "Dupont")
    desk.add("Hervé", "Dupuis")
    desk.add("Héloïse", "Martin")
    assert set(desk.names("du")) == {"Hélène Dupont", "Hervé Dupuis"}
    assert set(desk.names("hel")) == {"Hélène Dupont", "Héloïse Martin"}
    assert desk.names("hel du") == ["Hélène Dupont"]
    assert desk.names("h dupu") == ["Hervé Dupuis"]


def test_nothing_found(desk: Desk) -> None:
    """Text that matches nobody gives no result, and nothing typed gives none either."""
    desk.add("Hélène", "Dupont")
    assert desk.search("zzzz") == []
    assert desk.search("dupont zzzz") == []
    assert desk.search("") == []
    assert desk.search("06") == []


# --- Phone and birth year ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["06 12", "+33612", "0612345678", "06.12.34", "0033 6 12 34", "06-12-34-56-78", "+33 6 12 34"],
)
def test_phone_in_any_format(desk: Desk, typed: str) -> None:
    """The phone is found from its first digits, whatever the spaces, dots or prefix."""
    desk.add("Hélène", "Dupont", phone="06 12 34 56 78")
    desk.add("Marc", "Durand", phone="07 81 22 33 44")
    assert desk.names(typed) == ["Hélène Dupont"]


def test_phone_with_a_name(desk: Desk) -> None:
    """Digits and a name together must both match."""
    desk.add("Hélène", "Dupont", phone="06 12 34 56 78")
    desk.add("Marc", "Dupont", phone="07 81 22 33 44")
    assert desk.names("dupont 0781") == ["Marc Dupont"]
    assert desk.names("0612 marc") == []


def test_birth_year(desk: Desk) -> None:
    """A four-digit year finds the people born that year; with a name, both must match."""
    desk.add("Hélène", "Dupont", year="1985")
    desk.add("Marc", "Dupont", year="1970")
    desk.add("Awa", "Diallo", year="1985")
    assert set(desk.names("1985")) == {"Hélène Dupont", "Awa Diallo"}
    assert desk.names("dupont 1970") == ["Marc Dupont"]
    assert desk.names("1970 dupont") == ["Marc Dupont"]
    assert desk.names("diallo 1970") == []


# --- Typos and ranking -------------------------------------------------------------------------


def test_one_typo_still_finds_the_person(desk: Desk) -> None:
    """ "Dupond" finds Dupont; a swap, a missing or an extra letter too."""
    desk.add("Hélène", "Dupont")
    desk.add("Awa", "Traoré")
    for typed in ("Dupond", "dupnt", "duopnt", "dupontt", "helene dupond", "dupond hel"):
        assert desk.names(typed) == ["Hélène Dupont"], typed
    assert desk.names("traroe") == ["Awa Traoré"]
    # A typo in a compound typed whole: the parts are tried one by one.
    patrice = desk.add("Patrice", "Bonnet-de Lattre")
    assert [m.id for m in desk.search("Bonent-de Lattre Pat")] == [patrice]
    assert desk.names("dupnd") == []  # two typos is someone else


def test_short_words_are_never_fuzzy(desk: Desk) -> None:
    """Words of fewer than four letters need to be right ("Le" would find half the office)."""
    desk.add("Awa", "Sow")
    desk.add("Mei", "Li")
    assert desk.names("sow") == ["Awa Sow"]
    assert desk.search("sox") == []
    assert desk.search("lo") == []
    assert desk.search("mai") == []


def test_exact_before_prefix_before_approximate(desk: Desk) -> None:
    """Ranking: every word exact, then prefixes, then a typo — whatever was seen last."""
    desk.add("Marc", "Martin")
    desk.add("Lucas", "Martinez")
    desk.add("Inès", "Mertin")  # seen most recently, but one typo away
    assert desk.names("martin") == ["Marc Martin", "Lucas Martinez", "Inès Mertin"]
    assert desk.names("mertin") == ["Inès Mertin", "Marc Martin"]


def test_most_recently_seen_first_within_a_tier(desk: Desk, database: Database) -> None:
    """Among equally good matches, the visitor seen last comes first."""
    early = desk.add("Hélène", "Dupont")
    desk.add("Marc", "Dupont")
    desk.add("Paul", "Dupont")
    with database.write() as session:
        session.execute(
            update(Visitor)
            .where(Visitor.id == early)
            .values(last_activity_at=desk.clock.now(), version=Visitor.version + 1)
        )
    assert desk.names("dupont") == ["Hélène Dupont", "Paul Dupont", "Marc Dupont"]


def test_limit(desk: Desk) -> None:
    """At most ``limit`` results, the best ones."""
    for n in range(12):
        desk.add(f"Jean{n:02d}", "Dupont")
    assert len(desk.search("dupont")) == 8
    assert desk.names("dupont", limit=3) == ["Jean11 Dupont", "Jean10 Dupont", "Jean09 Dupont"]


@pytest.mark.parametrize("count_limit", [0, 1000], ids=["walked", "walked-then-driven"])
def test_broad_words_walk_the_recent_files(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, count_limit: int
) -> None:
    """When every word is broad, the office is walked from the most recently seen (and, when
    the walk within its bound finds too few, the tokens are read after all): the results and
    their order are the same as through the token index."""
    desk.add("Marc", "Martin")
    desk.add("Lucas", "Martinez")
    desk.add("Inès", "Mertin")
    desk.add("Marie", "Dupont", year="1985")
    desk.add("Hélène", "Dupont-Moreau", phone="06 12 34 56 78")
    typed = ("martin", "m", "ma du", "dupont 1985", "0612", "mertin", "dupond", "d")
    through_index = {text: desk.names(text) for text in typed}
    walk_everything(monkeypatch, count_limit)
    assert {text: desk.names(text) for text in typed} == through_index
    assert through_index["martin"] == ["Marc Martin", "Lucas Martinez", "Inès Mertin"]


def walk_everything(monkeypatch: pytest.MonkeyPatch, count_limit: int) -> None:
    """Make every word broad: walked at once (limit 0), or first within a bound of a file
    or two, further as the matches met say, then through the tokens."""
    monkeypatch.setattr(visitors_module, "DRIVE_LIMIT", 0)
    monkeypatch.setattr(visitors_module, "COUNT_LIMIT", count_limit)
    monkeypatch.setattr(visitors_module, "WALK_LIMIT", 1)


def test_pair_tokens_of_a_file() -> None:
    """Every ordered pair of name tokens, compounds included; never a phone or a year."""
    assert pair_tokens("Awa", "Diop") == {"~awa diop", "~diop awa"}
    pairs = pair_tokens("Hélène", "Dupont-Moreau")
    assert {"~helene dupont", "~moreau helene", "~dupont moreau", "~helene dupontmoreau"} <= pairs
    assert len(pairs) == 4 * 3
    assert all_tokens("Awa", None, "0612345678", 1990) == {"awa", "0612345678", "1990"}


PAIR_QUERIES = (
    "sophie b",  # a whole first name, a last name's initial
    "b sophie",  # the other way round
    "soph be",  # a first name's start: its few forms are listed and paired
    "sophie ber 1985",  # a third word checked candidate by candidate
    "bernard bernardin",  # a word that is a prefix of the other's token
    "bernard bern",  # both words could match the same token: not by pairs
    "sophie bernrad",  # a typo in the second word
    "sophie dupont-mor",  # a compound typed whole
    "sophia b",
    "sophie z",
)


@pytest.mark.parametrize("listed", [16, 0], ids=["forms-listed", "prefix-filtered"])
def test_pairs_find_what_the_words_find(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, listed: int
) -> None:
    """Searches driven by the pair tokens give the same files, in the same order, as the
    same searches through the words alone; and the pairs were used: each form of a word
    paired, or (too many forms) the pairs starting with the word filtered on the other."""
    for first, last, year in (
        ("Sophie", "Bernard", "1985"),
        ("Sophie", "Bernardin", None),
        ("Sophia", "Benali", None),
        ("Sophie", "Dupont-Moreau", None),
        ("Bernard", "Sophie", None),
        ("Sophiane", "Blanc", "1985"),
        ("Marc", "Bernard", None),
        ("Sophie", "Martin", None),
    ):
        desk.add(first, last, year=year)
    monkeypatch.setattr(visitors_module, "DRIVE_LIMIT", 0)  # every word broad enough to pair
    monkeypatch.setattr(visitors_module, "PAIR_WORDS", listed)
    used: list[bool] = []
    pair_driver = visitors_module.Lookup._pair_driver

    def spy(self: Any, *args: Any) -> Any:
        driver, together = pair_driver(self, *args)
        used.append(driver is not None)
        return driver, together

    monkeypatch.setattr(visitors_module.Lookup, "_pair_driver", spy)
    through_pairs = {text: desk.names(text) for text in PAIR_QUERIES}
    assert sum(used) >= 6
    monkeypatch.setattr(visitors_module.Lookup, "_pair_driver", lambda *_: (None, None))
    assert {text: desk.names(text) for text in PAIR_QUERIES} == through_pairs
    # Most recently seen first; then Sophia, one typo away from "sophie".
    assert through_pairs["sophie b"] == [
        "Bernard Sophie",
        "Sophie Bernardin",
        "Sophie Bernard",
        "Sophia Benali",
    ]
    assert through_pairs["bernard bernardin"] == ["Sophie Bernardin"]
    assert through_pairs["sophie ber 1985"] == ["Sophie Bernard"]
    assert through_pairs["sophie z"] == []


def test_migration_writes_the_pairs_of_existing_files(desk: Desk, database: Database) -> None:
    """Files indexed before the pair tokens get them from migration 0003; downgrading
    removes them and nothing else."""
    visitor_id = desk.add("Hélène", "Dupont-Moreau", phone="06 12 34 56 78", year="1985")

    def tokens() -> set[str]:
        with database.read() as session:
            return set(
                session.scalars(
                    select(VisitorSearchToken.token).where(
                        VisitorSearchToken.visitor_id == visitor_id
                    )
                )
            )

    everything = tokens()
    assert everything == all_tokens("Hélène", "Dupont-Moreau", "0612345678", 1985)
    migrate_as_owner(database, "0002", down=True)
    assert tokens() == {t for t in everything if not t.startswith(PAIR_MARK)}
    migrate_as_owner(database)
    assert tokens() == everything


# --- What a result holds, and what is never found ---------------------------------------------


def test_a_result_tells_two_people_apart(desk: Desk, database: Database) -> None:
    """Name, birth year, commune and last visit; nothing more."""
    visitor_id = desk.add("Hélène", "Dupont", year="1985", commune="Villeurbanne")
    with database.write() as session:
        for number, day in enumerate((date(2026, 1, 5), date(2026, 2, 20)), start=1):
            session.add(
                Visit(
                    office_id=desk.office.id,
                    day=day,
                    ticket_number=number,
                    ticket_code=f"A-{number:03d}",
                    visitor_id=visitor_id,
                    status="done",
                    arrived_at=desk.clock.now() - timedelta(days=10 * number),
                )
            )
    (match,) = desk.search("dupont")
    assert match == VisitorMatch(
        visitor_id, "Hélène", "Dupont", 1985, "Villeurbanne", date(2026, 2, 20)
    )
    assert set(VisitorMatch.__dataclass_fields__) == {
        "id",
        "first_name",
        "last_name",
        "birth_year",
        "commune",
        "last_visit_on",
    }


def test_merged_and_anonymised_files_are_never_found(desk: Desk, database: Database) -> None:
    """A merged or anonymised file has no token left; even a stray token finds nothing."""
    kept = desk.add("Hélène", "Dupont")
    merged = desk.add("Helene", "Dupont")
    gone = desk.add("Hélène", "Dupont-Moreau")
    with database.write() as session:
        session.execute(
            update(Visitor)
            .where(Visitor.id == merged)
            .values(merged_into_id=kept, version=Visitor.version + 1)
        )
        index_visitor(session, merged)
        # Anonymised without reindexing: the visitor row's own state still hides it.
        session.execute(
            update(Visitor)
            .where(Visitor.id == gone)
            .values(anonymised_at=desk.clock.now(), version=Visitor.version + 1)
        )
    assert [m.id for m in desk.search("dupont")] == [kept]
    with database.read() as session:
        left = session.scalars(
            select(VisitorSearchToken.token).where(VisitorSearchToken.visitor_id == merged)
        ).all()
    assert left == []


def test_files_anonymised_in_bulk_lose_their_tokens(desk: Desk, database: Database) -> None:
    """forget_visitors drops the tokens of many files at once, given ids or a SELECT."""
    first = desk.add("Hélène", "Dupont", phone="06 12 34 56 78", year="1985")
    second = desk.add("Marc", "Dupont")
    kept = desk.add("Awa", "Diallo")
    with database.write() as session:
        forget_visitors(session, select(Visitor.id).where(Visitor.last_name == "Dupont"))
        remaining = set(session.scalars(select(VisitorSearchToken.visitor_id)))
    assert remaining == {kept}
    assert desk.search("dupont") == [] and desk.search("0612") == []
    with database.write() as session:
        index_visitor(session, first)
        forget_visitors(session, [first, second])
    assert desk.search("1985") == []


def test_other_offices_are_not_searched(desk: Desk, database: Database, clock: FixedClock) -> None:
    """Each office searches its own files only."""
    desk.add("Hélène", "Dupont")
    with database.write() as session:
        other = create_office(session, name="PIMMS Ailleurs", code="AILLEURS", now=clock.now())
    elsewhere = Desk(database, other, clock)
    elsewhere.add("Hélène", "Dupond")
    assert desk.names("dupon") == ["Hélène Dupont"]
    assert elsewhere.names("dupon") == ["Hélène Dupond"]


def test_renamed_file_is_reindexed(desk: Desk, database: Database) -> None:
    """index_visitor follows a changed name, phone and birth year."""
    visitor_id = desk.add("Hélène", "Dupont", phone="06 12 34 56 78")
    with database.write() as session:
        session.execute(
            update(Visitor)
            .where(Visitor.id == visitor_id)
            .values(
                last_name="Moreau",
                phone=None,
                phone_digits=None,
                birth_year=1985,
                version=Visitor.version + 1,
            )
        )
        index_visitor(session, visitor_id)
    assert desk.search("dupont") == []
    assert desk.search("0612") == []
    assert desk.names("moreau 1985") == ["Hélène Moreau"]


def test_migration_indexes_existing_files(
    database: Database, office: OfficeInfo, clock: FixedClock
) -> None:
    """Files written before the search index existed are indexed by its migration."""
    migrate_as_owner(database, "0001", down=True)
    with database.write() as session:
        for first, last, year in (("Hélène", "Dupont", 1985), ("Awa", "N'Diaye", None)):
            session.add(
                Visitor(
                    office_id=office.id,
                    first_name=first,
                    last_name=last,
                    birth_year=year,
                    created_at=clock.now(),
                    last_activity_at=clock.now(),
                )
            )
    migrate_as_owner(database)
    service = VisitorService(database, office.id)
    assert [m.last_name for m in service.search("ndiaye")] == ["N'Diaye"]
    assert [m.last_name for m in service.search("dupont 1985")] == ["Dupont"]


# --- The indexes are used ----------------------------------------------------------------------


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements (and parameters) run meanwhile."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def plans(database: Database, seen: list[tuple[str, Any]]) -> list[str]:
    """The query plan of each statement, as text (PostgreSQL told to avoid scans)."""
    found = []
    with database.engine.connect() as connection:
        if not database.is_sqlite:
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in seen:
            if database.is_sqlite:
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                found.append("\n".join(str(row[3]) for row in rows))
            else:
                rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
                found.append("\n".join(str(row[0]) for row in rows))
    return found


SCAN_OF_A_TABLE = re.compile(r"\bSCAN (visitor|visitor_search_token|visit)(_\d+)?\b")


@pytest.mark.parametrize("walk", [None, 0, 1000], ids=["driven", "walked", "walked-then-driven"])
def test_search_reads_indexes_not_tables(
    desk: Desk, database: Database, monkeypatch: pytest.MonkeyPatch, walk: int | None
) -> None:
    """Every statement of a search is index look-ups: no scan of visitor or of the tokens."""
    for n in range(30):
        desk.add(f"Jean{n:02d}", "Dupont", phone=f"06 12 34 56 {n:02d}", year="1985")
    if walk is not None:
        walk_everything(monkeypatch, walk)
    with statements(database) as seen:
        for typed in ("dup", "jean dupont", "dupond", "0612", "dupont 1985"):
            assert desk.search(typed), typed
    found = plans(database, seen)
    assert found
    for plan in found:
        if database.is_sqlite:
            assert not SCAN_OF_A_TABLE.search(plan), plan
        else:
            assert "Seq Scan" not in plan, plan
    every = "\n".join(found)
    assert "ix_visitor_search_token_office_token" in every
    if walk is not None:
        assert "ix_visitor_office_activity" in every


def test_demo_visitors_are_indexed(database: Database, clock: FixedClock) -> None:
    """The demo seeder writes every visitor's tokens, as index_visitor would."""
    from pimms_tui.demo import seed_demo

    seed_demo(database, visitors=60, days=5, seed=3, now=clock.now())
    with database.read() as session:
        people = session.execute(
            select(
                Visitor.id,
                Visitor.office_id,
                Visitor.first_name,
                Visitor.last_name,
                Visitor.phone_digits,
                Visitor.birth_year,
            )
        ).all()
        tokens: dict[int, set[str]] = {}
        for visitor_id, token in session.execute(
            select(VisitorSearchToken.visitor_id, VisitorSearchToken.token)
        ):
            tokens.setdefault(visitor_id, set()).add(token)
    assert len(people) == 60
    for person in people:
        expected = all_tokens(person[2], person[3], person[4], person[5])
        assert tokens[person[0]] == expected
    first = people[0]
    found = VisitorService(database, first.office_id).search(
        f"{first.last_name or ''} {first.first_name}", limit=50
    )
    assert first.id in [m.id for m in found]
