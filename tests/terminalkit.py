"""Hostile text stored straight into the database, and how to tell it reached the terminal.

The corpus is the whole class, grouped: escape sequences that act on a real terminal (clear
the screen, set the title with OSC 0 and OSC 2, fill the clipboard with OSC 52, hide a link
with OSC 8, a DCS query, and their 8-bit C1 forms), every C0 control with DEL, every C1
control, and every bidi control. Each group is written into every field a desk shows
(visitor names, phone, commune, language, note, relay reason, partner, office and staff
names) by plain ORM writes, as an old row or another program would leave it: no domain
check runs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import HelpLevel, Outcome, RelayMode, Role, VisitStatus
from pimms_tui.db.models import Demand, Motif, Office, Partner, Relay, Staff, Visit, Visitor
from pimms_tui.db.search_index import index_visitor
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.domain.staff import hash_pin

from .uikit import TEST_PIN

# Sequences a real terminal obeys; each carries a marker found nowhere else.
SEQUENCES = {
    "clear screen": "\x1b[2J",
    "title (OSC 0)": "\x1b]0;PWNED0\x07",
    "title (OSC 2)": "\x1b]2;PWNED2\x1b\\",
    "clipboard (OSC 52)": "\x1b]52;c;UFdORUQ=\x07",
    "hidden link (OSC 8)": "\x1b]8;;http://e.vil/\x1b\\PWNED8\x1b]8;;\x1b\\",
    "DCS query": "\x1bP+q544e\x1b\\",
    "8-bit CSI": "\x9b2J",
    "8-bit OSC": "\x9d0;PWNEDC1\x9c",
}
C0_AND_DEL = "".join(chr(code) for code in range(0x20)) + "\x7f"
C1 = "".join(chr(code) for code in range(0x80, 0xA0))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
GROUPS = {
    "sequences": "".join(SEQUENCES.values()),
    "c0": C0_AND_DEL,
    "c1": C1,
    "bidi": BIDI,
}
# What must never come out of the terminal's input, as bytes (UTF-8).
FORBIDDEN_BYTES = {
    **{name: value.encode() for name, value in SEQUENCES.items()},
    **{f"C1 U+{ord(c):04X}": c.encode() for c in C1},
    **{f"bidi U+{ord(c):04X}": c.encode() for c in BIDI},
}


def hostile(visible: str, group: str) -> str:
    """``visible`` with the group's payload inside it, so the text is still findable."""
    return f"{visible}{GROUPS[group]}x"


def hidden_characters(text: str) -> list[str]:
    """Characters that would act on a terminal or reorder text instead of showing."""
    return [
        c
        for c in text
        if unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs")
        or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d")
    ]


@dataclass(frozen=True)
class HostileRows:
    """What was written: the visitor, today's waiting visit, the hostile staff member."""

    visitor_id: int
    visit_id: int
    staff_id: int


def store_hostile_rows(
    database: Database, office: OfficeInfo, now: datetime, group: str
) -> HostileRows:
    """Every field a desk shows, holding the group's payload, written without any check.

    A visitor (names, phone, commune) waiting today with an interpreter language and a demand
    noted; a visit last week with a demand relayed to a partner with a reason; the office,
    that partner and a mediator named with the payload.
    """
    day = office.local_day(now)
    with database.write() as session:
        motif = session.scalars(select(Motif.id).order_by(Motif.id)).first()
        partner = session.scalars(
            select(Partner.id).where(Partner.office_id == office.id).order_by(Partner.name)
        ).first()
        assert motif is not None and partner is not None
        session.execute(
            update(Partner)
            .where(Partner.id == partner)
            .values(name=hostile("AAA Partenaire", group))
        )
        session.execute(
            update(Office).where(Office.id == office.id).values(name=hostile("PIMMS Test", group))
        )
        staff = Staff(
            office_id=office.id,
            display_name=hostile("Zoé Médiatrice", group),
            role=Role.MEDIATOR.value,
            pin_hash=hash_pin(TEST_PIN),
            active=True,
            failed_attempts=0,
        )
        visitor = Visitor(
            office_id=office.id,
            first_name=hostile("Zoé", group),
            last_name=hostile("Dupont", group),
            phone=hostile("+33612", group),
            commune=hostile("Dijon", group),
            created_at=now - timedelta(days=30),
            last_activity_at=now,
        )
        session.add_all([staff, visitor])
        session.flush()
        index_visitor(session, visitor.id)
        past = Visit(
            office_id=office.id,
            day=day - timedelta(days=7),
            ticket_number=3,
            ticket_code="A-003",
            visitor_id=visitor.id,
            status=VisitStatus.DONE.value,
            arrived_at=now - timedelta(days=7),
            finished_at=now - timedelta(days=7) + timedelta(minutes=20),
        )
        today = Visit(
            office_id=office.id,
            day=day,
            ticket_number=1,
            ticket_code="A-001",
            visitor_id=visitor.id,
            status=VisitStatus.WAITING.value,
            commune=hostile("Dijon", group),
            interpreter_language=hostile("wolof", group),
            arrived_at=now - timedelta(minutes=5),
        )
        session.add_all([past, today])
        session.flush()
        relayed = Demand(
            office_id=office.id,
            visit_id=past.id,
            motif_id=motif,
            partner_id=partner,
            register_code="clear_misunderstandings",
            level=HelpLevel.ACCOMPANY.value,
            outcome=Outcome.RELAY.value,
            note=hostile("Facture contestée", group),
            created_at=past.arrived_at,
            day=past.day,
        )
        noted = Demand(
            office_id=office.id,
            visit_id=today.id,
            motif_id=motif,
            register_code="clear_misunderstandings",
            level=HelpLevel.INFORM.value,
            note=hostile("Note du jour", group),
            created_at=today.arrived_at,
            day=today.day,
        )
        session.add_all([relayed, noted])
        session.flush()
        session.add(
            Relay(
                office_id=office.id,
                demand_id=relayed.id,
                partner_id=partner,
                mode=RelayMode.EMAIL.value,
                reason=hostile("Motif du relais", group),
                sent_at=past.arrived_at,
                follow_up_on=day,
                day=past.day,
            )
        )
        return HostileRows(visitor.id, today.id, staff.id)
