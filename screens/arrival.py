"""Accueil: register an arrival in a few keys — a known visitor or anonymous — and give a ticket.

Anonymous walk-in: ``a`` (from the queue), ``Enter`` (nobody typed: anonymous), a motif digit:
three keys to a ticket. Known visitor: ``a``, the name fragment, ``↓``, ``Enter``, a digit.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.widgets import Checkbox, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from pimms_tui.db.enums import AgeBand, Gender, Need, Priority, VisitSource
from pimms_tui.domain.catalog import MotifInfo
from pimms_tui.domain.queue import AlreadyInQueue, ArrivalRequest, Ticket
from pimms_tui.domain.visitors import VisitorMatch
from pimms_tui.errors import PimmsError
from pimms_tui.i18n import N_, _, label, translate
from pimms_tui.labels import AGE_BAND_LABELS, GENDER_LABELS, NEED_LABELS, PRIORITY_LABELS, word

from .base import DeskScreen
from .confirm import ConfirmModal
from .errors import refusal_text
from .fields import SafeInput
from .literal import clean
from .ticket import TicketScreen
from .visitor_form import NewVisitorForm
from .visitor_match import match_label


def issued_after_leaving(ticket: Ticket) -> str:
    """What the desk says when an arrival left while it waited is at last issued."""
    return _("Ticket {ticket} is issued (the arrival you left waiting went through).").format(
        ticket=ticket.ticket_code
    )


class ArrivalScreen(DeskScreen):
    """The arrival form."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="arrival_back"),
        Binding("f2", "anonymous", N_("Anonymous"), id="arrival_anonymous"),
        Binding("f3", "focus_options", N_("Priority, needs"), id="arrival_options"),
        Binding("f4", "new_visitor", N_("New visitor"), id="arrival_new_visitor"),
        Binding("f5", "add_reason", N_("Add the reason to their ticket"), id="arrival_add_reason"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.visitor: VisitorMatch | None = None
        self.matches: list[VisitorMatch] = []
        self.motifs: list[MotifInfo] = []
        self._leave_armed = False
        self._search_generation = 0
        self._issuing = False  # a ticket is being issued (perhaps waiting for the database)
        # A file opened during this arrival: kept with its ticket, or if the person says so.
        self.opened_here: VisitorMatch | None = None
        # The person already holds a ticket today: their visit, and the reason just chosen.
        self.open_visit: tuple[AlreadyInQueue, MotifInfo] | None = None

    def compose(self) -> ComposeResult:
        """Who, the matches, priority and needs, then the motifs."""
        yield from self.compose_banner()
        with Vertical(id="arrival"):
            yield Static(_("Arrival"), classes="title")
            yield Label(_("Name or phone of a known visitor — Enter with nothing typed: anonymous"))
            yield SafeInput(id="who", max_length=80)
            yield Static("", id="chosen-visitor", markup=False)
            yield OptionList(id="matches")
            with Horizontal(id="options"):
                yield Select(
                    [
                        (_(text) if text else _("no priority"), p.value)
                        for p, text in PRIORITY_LABELS.items()
                    ],
                    value=Priority.NONE.value,
                    allow_blank=False,
                    id="priority",
                )
                for need in Need:
                    yield Checkbox(_(NEED_LABELS[need.value]), id=f"need-{need.value}")
                yield SafeInput(placeholder=_("language"), id="interpreter-language", max_length=35)
            with Horizontal(id="profile"):
                yield Select(
                    [(word(AGE_BAND_LABELS, band), band.value) for band in AgeBand],
                    prompt=_("age band"),
                    id="age-band",
                )
                yield Select(
                    [(word(GENDER_LABELS, gender), gender.value) for gender in Gender],
                    value=Gender.NOT_GIVEN.value,
                    allow_blank=False,
                    id="gender",
                )
                yield SafeInput(placeholder=_("commune"), id="commune", max_length=120)
            yield Label(_("Reason for coming — press its number, or Enter"))
            yield OptionList(id="motifs")
            yield Static("", id="arrival-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Load the motifs and put the cursor in the search field."""
        self.query_one("#matches").display = False
        self.query_one("#who", Input).focus()
        uses = self.use_cases
        self.in_background(lambda: uses.catalogue().motifs, self.show_motifs, group="motifs")

    def show_motifs(self, motifs: list[MotifInfo]) -> None:
        """Number the motifs 1–9 for one-key choice."""
        self.motifs = motifs
        options = self.query_one("#motifs", OptionList)
        options.clear_options()
        for index, motif in enumerate(motifs, start=1):
            prefix = f"{index} · " if index <= 9 else "    "
            options.add_option(
                Option(Text(prefix + label(motif.label_fr, motif.label_en)), id=str(motif.id))
            )
        options.highlighted = 0

    # Search as you type -----------------------------------------------------------------

    @on(Input.Changed, "#who")
    def who_changed(self, event: Input.Changed) -> None:
        """Search known visitors as the name or phone is typed."""
        self._leave_armed = False
        self._search_generation += 1
        text = event.value.strip()
        if not text:
            self.show_matches([], self._search_generation)
            return
        self.search(text, self._search_generation)

    def search(self, text: str, generation: int) -> None:
        """Run the search off the UI thread; a newer keystroke supersedes this one (its
        worker is cancelled, and a late answer is dropped by its generation)."""
        visitors = self.use_cases.visitors
        self.in_background(
            lambda: visitors.search(text),
            lambda matches: self.show_matches(matches, generation),
            group="visitor-search",
        )

    def show_matches(self, matches: list[VisitorMatch], generation: int) -> None:
        """Show the results of the latest search only."""
        if generation != self._search_generation:
            return
        self.matches = matches
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        for match in matches:
            options.add_option(Option(match_label(match), id=str(match.id)))
        options.display = bool(matches)
        if matches:
            options.highlighted = 0

    def on_key(self, event: Key) -> None:
        """↓ from the search field goes to the results; a digit on the motif list issues."""
        focused = self.focused
        if event.key == "down" and isinstance(focused, Input) and focused.id == "who":
            if self.matches:
                self.query_one("#matches", OptionList).focus()
                event.stop()
        elif (
            event.character
            and event.character in "123456789"
            and isinstance(focused, OptionList)
            and focused.id == "motifs"
        ):
            index = int(event.character) - 1
            if index < len(self.motifs):
                event.stop()
                self.issue(self.motifs[index])

    @on(Input.Submitted, "#who")
    def who_submitted(self, event: Input.Submitted) -> None:
        """Enter with nothing typed: anonymous; with results: take the first."""
        if not event.value.strip():
            self.action_anonymous()
        elif self.matches:
            self.choose_visitor(self.matches[0])
        else:
            self.show_error(
                _("Nobody found. Check the spelling, F4 opens a new file, F2 is anonymous.")
            )

    @on(OptionList.OptionSelected, "#matches")
    def match_selected(self, event: OptionList.OptionSelected) -> None:
        """Link the visit to the chosen visitor."""
        chosen = next((m for m in self.matches if str(m.id) == event.option.id), None)
        if chosen is not None:
            self.choose_visitor(chosen)

    def choose_visitor(self, match: VisitorMatch) -> None:
        """Remember who arrives and go to the motifs."""
        self.forget_open_visit()
        self.visitor = match
        name = clean(" ".join(p for p in (match.first_name, match.last_name) if p), 60)
        self.query_one("#chosen-visitor", Static).update(_("Visitor: {name}").format(name=name))
        self.query_one("#matches").display = False
        self.query_one("#motifs", OptionList).focus()

    def action_anonymous(self) -> None:
        """Register without identity: straight to the motifs."""
        self.forget_open_visit()
        self.visitor = None
        self.query_one("#chosen-visitor", Static).update(_("Anonymous visit"))
        self.query_one("#motifs", OptionList).focus()

    def action_new_visitor(self) -> None:
        """Open a named file (with consent), then continue the arrival with it."""

        typed = self.query_one("#who", Input).value
        form = NewVisitorForm(typed)

        def created(match: VisitorMatch | None) -> None:
            if match is not None:
                self.opened_here = form.opened or self.opened_here
                self.choose_visitor(match)

        self.app.push_screen(form, created)

    def action_focus_options(self) -> None:
        """Go to priority and needs."""
        self.query_one("#priority", Select).focus()

    # Issuing the ticket ---------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#motifs")
    def motif_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a motif issues the ticket."""
        motif = next((m for m in self.motifs if str(m.id) == event.option.id), None)
        if motif is not None:
            self.issue(motif)

    def request(self, motif: MotifInfo) -> ArrivalRequest:
        """The arrival as typed on the form."""
        priority = self.query_one("#priority", Select).value
        needs = tuple(n for n in Need if self.query_one(f"#need-{n.value}", Checkbox).value)
        language = self.query_one("#interpreter-language", Input).value.strip() or None
        chosen = Priority(priority) if isinstance(priority, str) else Priority.NONE
        request = ArrivalRequest(
            visitor_id=self.visitor.id if self.visitor else None,
            motif_id=motif.id,
            priority=chosen,
            needs=needs,
            # Someone arriving for an appointment gets an R- ticket.
            source=VisitSource.APPOINTMENT
            if chosen == Priority.APPOINTMENT
            else VisitSource.WALK_IN,
        )
        if self.visitor is None:  # the anonymous profile, for statistics only
            age_band = self.query_one("#age-band", Select).value
            request = replace(
                request,
                age_band=AgeBand(age_band) if isinstance(age_band, str) else None,
                gender=Gender(str(self.query_one("#gender", Select).value)),
                commune=self.query_one("#commune", Input).value.strip() or None,
            )
        if language and Need.INTERPRETER not in needs:
            needs = (*needs, Need.INTERPRETER)
        return replace(request, needs=needs, interpreter_language=language)

    def issue(self, motif: MotifInfo) -> None:
        """Register the arrival and show the ticket (once, however often the key is hit)."""
        if self._issuing:
            self.show_error(_("Saving: waiting for the database. What you typed is kept."))
            return
        self.show_error("")
        self._issuing = True
        self.register(self.request(motif))

    def register(self, request: ArrivalRequest) -> None:
        """Write the visit off the UI thread; retried while the database is away."""
        queue, actor, at = self.use_cases.queue, self.actor, self.container.clock.now()
        self.in_background(
            lambda: queue.register_arrival(request, actor, at=at),  # the key's time, kept
            self.show_ticket,
            group="arrival",
            saving=True,
            refused=lambda error: self.refused(error, request),
            failed=self.issue_failed,
            report=issued_after_leaving,
        )

    def refused(self, error: PimmsError, request: ArrivalRequest) -> None:
        """Say why no ticket; for a person already in today's queue, offer their ticket."""
        self._issuing = False
        if not isinstance(error, AlreadyInQueue):
            self.show_error(refusal_text(error) or "")
            return
        motif = next((m for m in self.motifs if m.id == request.motif_id), None)
        self.open_visit = (error, motif) if motif is not None else None
        said = translate(error.message, {"name": clean(error.name, 60), "ticket": error.ticket})
        if self.open_visit is not None:
            offer = _("F5: add this reason to ticket {ticket} instead (no second ticket).")
            said += " " + offer.format(ticket=error.ticket)
        self.show_error(said)
        self.refresh_bindings()

    def forget_open_visit(self) -> None:
        """Another person, or anonymous: the offer no longer stands."""
        if self.open_visit is not None:
            self.open_visit = None
            self.show_error("")
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F5 only while the person's open visit is offered."""
        if action == "add_reason":
            return self.open_visit is not None
        return super().check_action(action, parameters)

    def action_add_reason(self) -> None:
        """Add the chosen reason to the visit the person already has today; show its ticket."""
        if self.open_visit is None or self._issuing:
            return
        found, motif = self.open_visit
        self._issuing = True
        queue, actor, at = self.use_cases.queue, self.actor, self.container.clock.now()
        self.in_background(
            lambda: queue.add_reason(found.visit_id, motif.id, actor, at=at),
            self.show_ticket,
            group="arrival",
            saving=True,
            refused=self.reason_refused,
            failed=self.issue_failed,
            report=issued_after_leaving,
        )

    def reason_refused(self, error: PimmsError) -> None:
        """The reason could not be added: say why; the form may try again."""
        self._issuing = False
        self.show_error(refusal_text(error) or "")

    def issue_failed(self) -> None:
        """The ticket's save failed (the app's one handler says why): it may be tried again."""
        self._issuing = False

    def show_ticket(self, ticket: Ticket) -> None:
        """Replace the form by the ticket, large."""
        self.app.switch_screen(TicketScreen(ticket))

    def show_error(self, text: str) -> None:
        """A message under the form."""
        self.query_one("#arrival-error", Static).update(text)

    def has_content(self) -> bool:
        """Whether leaving would lose something typed or chosen."""
        return bool(self.query_one("#who", Input).value.strip() or self.visitor)

    def action_back(self) -> None:
        """Back to the queue; a second Esc is needed when something was typed.

        A ticket under way (waiting for the database) is not dropped: the desk goes back to
        the queue, the save goes on, and its ticket is told when it is issued.
        """
        if self._issuing:
            self.notify(
                _("The arrival goes on: its ticket will be shown when the database has it."),
                timeout=15,
            )
            self.leave()
            return
        if self.has_content() and not self._leave_armed:
            self._leave_armed = True
            self.show_error(_("Press Esc again to leave this arrival (what you typed is dropped)."))
            return
        if self.opened_here is None:
            self.leave()
            return
        opened = self.opened_here
        name = clean(" ".join(p for p in (opened.first_name, opened.last_name) if p), 60)
        question = _("Keep the file of {name} opened during this arrival?").format(name=name)
        consequence = _("No ticket was issued. n or Esc: the file is withdrawn (erased).")
        self.app.push_screen(ConfirmModal(question, consequence), self.left_with_new_file)

    def left_with_new_file(self, keep: bool | None) -> None:
        """Leave; the file opened here is withdrawn unless keeping it was confirmed."""
        opened, self.opened_here = self.opened_here, None
        if keep or opened is None:
            self.leave()
            return
        visitors, actor = self.use_cases.visitors, self.actor
        self.in_background(
            lambda: visitors.discard_new_file(opened.id, actor),
            lambda _none: self.leave(),
            group="arrival-discard",
            saving=True,
        )
