"""F1 lists what this person may do, in the interface's language; a refused key says why."""

from __future__ import annotations

import re

import pytest

from pimms_tui.db.engine import Database
from pimms_tui.db.enums import Role
from pimms_tui.domain.clock import FixedClock
from pimms_tui.domain.offices import OfficeInfo
from pimms_tui.screens.help import HelpScreen
from pimms_tui.screens.queue import QueueScreen

from .uikit import build_app, settle, shown, table_text

SIZE = (120, 60)
TOAST_EDGES = r"[▌▐▊▎▏]"  # a notice's border, on each of its lines

# The queue's keys for every role, then what each role adds.
EVERYONE = {
    "a": "Arrivée",
    "n": "Appeler le suivant",
    "⏎": "Appeler / ouvrir",
    "r": "Rappeler",
    "b": "Remettre en attente",
    "x": "Absent",
    "l": "Parti",
    "t": "Transférer",
    "p": "Écran public",
    "g": "Agenda",
    "^q": "Quitter",
    "f1, ?": "Aide",
    "^l": "Verrouiller / changer d'agent",
    # Textual's own keys, last, in French.
    "tab": "Champ suivant",
    "shift+tab": "Champ précédent",
    "^c, super+c": "Copier le texte sélectionné",
    "^p": "Palette de commandes",
}
MEDIATOR = EVERYONE | {
    "s": "Écouter",
    "f": "Relances",
    "^f, /": "Chercher une personne",
}
MANAGER = MEDIATOR | {
    "e": "Équipe",
    "m": "Statistiques",
    "j": "Journal",
    "o": "Réglages",
}
ALLOWED = {Role.RECEPTION: EVERYONE, Role.MEDIATOR: MEDIATOR, Role.MANAGER: MANAGER}


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MEDIATOR, Role.MANAGER])
async def test_help_lists_exactly_the_keys_of_the_role(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo, role: Role
) -> None:
    """F1 on the queue: every key this role may use, each in French, nothing of Textual's
    in English, no key the role may not use."""
    app = build_app(sqlite_database, clock, sqlite_office, role=role)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = table_text(pilot, "#help-keys")
        assert dict(rows) == ALLOWED[role]
        assert len(rows) == len(ALLOWED[role])  # each key once
        # The screen's own keys first, Textual's last.
        assert rows[0] == ["a", "Arrivée"]
        assert rows[-4:] == [[k, v] for k, v in list(EVERYONE.items())[-4:]]
        text = shown(app)
        assert "Focus" not in text and "Copy selected" not in text


@pytest.mark.parametrize(
    ("role", "key", "reason"),
    [
        (Role.RECEPTION, "s", "Les orientations sont saisies par les médiateurs"),
        (Role.RECEPTION, "slash", "Les dossiers des visiteurs sont réservés"),
        (Role.MEDIATOR, "m", "Les statistiques sont réservées aux responsables."),
        (Role.MEDIATOR, "j", "Le journal est réservé aux responsables."),
    ],
)
async def test_a_refused_key_says_why(
    sqlite_database: Database,
    clock: FixedClock,
    sqlite_office: OfficeInfo,
    role: Role,
    key: str,
    reason: str,
) -> None:
    """A key of the screen the role may not use tells the reason, and changes nothing."""
    app = build_app(sqlite_database, clock, sqlite_office, role=role)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert reason not in shown(app)
        await pilot.press(key)
        await settle(pilot)
        await pilot.pause(0.3)  # the notice is drawn on the next refresh
        assert isinstance(app.screen, QueueScreen)
        assert reason in " ".join(re.sub(TOAST_EDGES, " ", shown(app)).split())


async def test_help_scrolls_to_its_last_key_at_80_by_24(
    sqlite_database: Database, clock: FixedClock, sqlite_office: OfficeInfo
) -> None:
    """A manager's help is longer than a small terminal: its hint stays visible and Page Down
    brings the last keys into view (they were cut off below the dialog's frame)."""
    app = build_app(sqlite_database, clock, sqlite_office, role=Role.MANAGER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert "Échap revient d'une étape" in shown(app)
        assert "Palette de commandes" not in shown(app)
        await pilot.press("pagedown")
        await settle(pilot)
        assert "Palette de commandes" in shown(app)
        assert "Échap revient d'une étape" in shown(app)
