"""What every screen of the desk shares: translated key bindings and the database banner."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from sqlalchemy.exc import DBAPIError
from textual import events
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, get_current_worker

from pimms_tui.db.resilience import CommitUncertain, is_outage, run_until_saved
from pimms_tui.domain.access import REFUSALS, Permission, allows
from pimms_tui.errors import PimmsError
from pimms_tui.i18n import _

from .errors import refusal_text
from .literal import clean
from .shell import DatabaseBanner, DeskShell

if TYPE_CHECKING:
    from pimms_tui.application import Container, DeskSession, UseCases
    from pimms_tui.domain.actors import Actor

_T = TypeVar("_T")
# How long the outcome of a save finished after its screen was left stays on screen.
LEFT_REPORT_SECONDS = 60.0


def translate_bindings(node: DOMNode) -> None:
    """Show binding descriptions (English msgids in BINDINGS) in the active language."""
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(b, description=_(b.description) if b.description else "") for b in bindings
        ]


def save_through_outage(app: DeskShell, job: Callable[[], _T], key: Hashable) -> _T:
    """In a worker: run a save, retrying with backoff while the database is away.

    The banner shows from the first failed try until the save went through; the screen and
    what was typed stay as they are meanwhile. The save is never dropped by leaving the
    screen (see ``run_in_background``); only closing the desk stops the waiting. ``app`` is
    given, not read from the screen: the screen may be closed before this thread starts.
    """
    worker = get_current_worker()

    def on_outage(error: BaseException) -> None:
        app.call_from_thread(app.call_failed_try, key, error)

    return run_until_saved(job, on_outage=on_outage, should_stop=lambda: worker.is_cancelled)


class Outcome(NamedTuple):
    """A save's result, or the refusal of the rules (``forms.refusal_as_value``)."""

    result: Any
    refusal: BaseException | None


def still_there(node: DOMNode) -> bool:
    """Whether the screen (or dialog) that asked is still open: its answer is shown there."""
    screen = node if isinstance(node, Screen) else getattr(node, "screen", None)
    return node.is_attached and screen is not None and screen in node.app.screen_stack


def run_in_background(
    node: DOMNode,
    call: Callable[[], _T],
    then: Callable[[_T], object] | None = None,
    *,
    group: str,
    exclusive: bool = True,
    saving: bool = False,
    refused: Callable[[PimmsError], object] | None = None,
    failed: Callable[[], object] | None = None,
    report: Callable[[_T], str] | None = None,
) -> Worker[_T | None]:
    """The one way a screen runs a use case off the UI thread and gets its answer back.

    ``call`` runs in a thread worker (through ``save_through_outage`` when ``saving``: retried
    while the database is away); ``then`` receives its result on the UI thread. A refusal of
    the rules goes to ``refused`` on the UI thread when given (to show it at the field), else
    to the app's one failure handler, like every other error; ``failed`` is told when the
    call ended with neither (an error, for the app's handler, or the desk closing). Read the
    actor before calling: ``call`` must not read who is signed in, it may run after someone
    else signed in.

    The call is timed from when it starts (the banner within two seconds of a call left unanswered,
    whatever the cause). A save belongs to the desk, not to the screen: leaving the screen
    while it waits for the database does not drop it. It goes on, and when it is done with
    the screen closed the desk says so: ``report`` words the outcome (a ticket's number, say),
    a refusal is told in a notice.
    """
    app = node.app
    assert isinstance(app, DeskShell)
    key = object()

    def answer(result: _T) -> None:
        if still_there(node):
            if then is not None:
                then(result)
        elif isinstance(result, Outcome) and result.refusal is not None:
            refusal(result.refusal)
        elif saving:
            said = report(result) if report is not None else _("The save that waited is done.")
            app.notify(said, timeout=LEFT_REPORT_SECONDS, markup=False)

    def refusal(error: BaseException) -> None:
        if still_there(node) and refused is not None and isinstance(error, PimmsError):
            refused(error)
        elif saving:
            reason = clean(refusal_text(error), 240)  # it may name the visitor
            said = _("Not saved: {reason}").format(reason=reason)
            app.notify(said, severity="warning", timeout=LEFT_REPORT_SECONDS, markup=False)

    def job() -> _T | None:
        # Timed from when the worker runs, not when it was asked for: a read replaced by a
        # newer one before it started never runs, and would otherwise wait forever on screen.
        app.call_from_thread(app.call_started, key, write=saving)
        answered = False
        try:
            try:
                result = save_through_outage(app, call, key) if saving else call()
            except PimmsError as error:
                answered = True
                if refused is None:
                    raise
                app.call_from_thread(refusal, error)
                return None
            except DBAPIError as error:
                answered = not is_outage(error) and not isinstance(error, CommitUncertain)
                raise
            answered = True
            if saving or not get_current_worker().is_cancelled:
                app.call_from_thread(answer, result)
            return result
        except BaseException:
            if failed is not None:
                with suppress(RuntimeError):  # the desk was closed meanwhile
                    app.call_from_thread(lambda: failed() if still_there(node) else None)
            raise
        finally:
            with suppress(RuntimeError):  # the desk was closed meanwhile
                app.call_from_thread(app.call_ended, key, answered=answered)

    # A save runs on the app: a screen's workers are cancelled when it closes, and a save
    # cancelled while it waits would drop what the person confirmed. Saves never cancel one
    # another either (exclusive is for reads, where only the latest answer counts).
    owner: DOMNode = app if saving else node
    return owner.run_worker(
        job,
        thread=True,
        group=group,
        exclusive=exclusive and not saving,
        exit_on_error=False,
    )


def guard_option_list_paging() -> None:
    """Page up/down on an option list not laid out yet must do nothing, not crash the desk.

    Textual 8.2's ``OptionList._move_page`` looks the highlighted option up in its line map,
    which is empty until the list has a size (a closed Select's overlay, say): a KeyError
    there ends the application. Found by the monkey test (tests/test_monkey.py).
    """
    from textual.widgets import OptionList

    move_page = OptionList._move_page
    if getattr(move_page, "pimms_guarded", False):
        return

    def guarded(self: OptionList, direction: Any) -> None:
        if (self.highlighted or 0) in self._index_to_line:
            move_page(self, direction)

    guarded.pimms_guarded = True  # type: ignore[attr-defined]
    OptionList._move_page = guarded  # type: ignore[method-assign]


class DeskAccess(DOMNode):
    """What a screen or a dialog of the desk reaches: the use cases and who works here.

    Listed after the screen class in the bases: Textual gathers default CSS along the first
    DOMNode base, which must stay Screen or ModalScreen (a modal's dimmed backdrop).
    """

    @property
    def desk_app(self) -> DeskShell:
        """The application, typed."""
        assert isinstance(self.app, DeskShell)
        return self.app

    @property
    def use_cases(self) -> UseCases:
        """Every use case of the desk."""
        return self.desk_app.use_cases

    @property
    def session(self) -> DeskSession:
        """The office, the desk and who is signed in."""
        return self.desk_app.session

    @property
    def container(self) -> Container:
        """The settings, the database and the clock."""
        return self.desk_app.container

    @property
    def actor(self) -> Actor:
        """Who acts, read now: take it when the key is pressed, never in a retried save."""
        return self.desk_app.session.actor

    def in_background(
        self,
        call: Callable[[], _T],
        then: Callable[[_T], object] | None = None,
        *,
        group: str,
        exclusive: bool = True,
        saving: bool = False,
        refused: Callable[[PimmsError], object] | None = None,
        failed: Callable[[], object] | None = None,
        report: Callable[[_T], str] | None = None,
    ) -> Worker[_T | None]:
        """The one way to run a use case off the UI thread; see ``run_in_background``."""
        return run_in_background(
            self,
            call,
            then,
            group=group,
            exclusive=exclusive,
            saving=saving,
            refused=refused,
            failed=failed,
            report=report,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker messages do not bubble: hand failures to the app's one handler."""
        self.desk_app.handle_worker_failure(event)


def refused_key(screen: Screen[Any], key: str) -> str | None:
    """Why ``key`` does nothing here for the signed-in role; None when it acts (or is no key).

    The bindings are looked at in the order Textual tries them: the first one that would act
    means the key is not refused; one hidden by its node's ``ACTION_PERMISSIONS`` (a screen,
    or the application) gives that permission's refusal.
    """
    app = screen.app
    for namespace, bindings in screen._modal_binding_chain:
        for binding in bindings.key_to_bindings.get(key, ()):
            target, action, parameters = app._parse_action(binding.action, namespace)
            state = target.check_action(action, parameters)
            if state:
                return None
            permission = getattr(target, "ACTION_PERMISSIONS", {}).get(action)
            if state is False and permission is not None:
                return _(REFUSALS[permission])
    return None


class DeskScreen(Screen[Any], DeskAccess):
    """A full screen of the desk."""

    # Actions a role may lack: their keys are hidden (and inert) for that role. The domain
    # refuses the operation anyway; hiding the key only spares a useless refusal.
    ACTION_PERMISSIONS: ClassVar[dict[str, Permission]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        translate_bindings(self)

    def role_allows(self, permission: Permission) -> bool:
        """Whether the signed-in person's role grants ``permission``."""
        staff = self.session.staff
        return staff is not None and allows(staff.role, permission)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys of actions the signed-in role may not do."""
        permission = self.ACTION_PERMISSIONS.get(action)
        return permission is None or self.role_allows(permission)

    def on_key(self, event: events.Key) -> None:
        """A key the role may not use says why, instead of doing nothing (it stays hidden
        from the footer and the help)."""
        reason = refused_key(self, event.key) if self.session.staff is not None else None
        if reason is not None:
            event.stop()
            event.prevent_default()
            self.notify(reason, severity="warning", markup=False)

    def compose_banner(self) -> ComposeResult:
        """The database banner, hidden unless the screen has the -database-down class."""
        yield DatabaseBanner()

    def leave(self) -> None:
        """Back to the screen below, once: keys typed fast may ask twice (the second would
        pop the screen below, or the last one, which ends the application)."""
        if self.is_current:
            self.app.pop_screen()

    def on_screen_resume(self) -> None:
        """Pick up the database state that changed while another screen was on top."""
        self.desk_app.show_wait_on(self)


class DeskModal(ModalScreen[Any], DeskAccess):
    """A dialog over a screen of the desk."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        translate_bindings(self)

    def dismiss(self, result: Any = None) -> AwaitComplete:
        """Close once: keys typed fast may ask twice (Enter then Esc), and the second would
        close the screen below, or the last one, which ends the application."""
        if not self.is_current:
            return AwaitComplete()
        return super().dismiss(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker messages do not bubble: hand failures to the app's one handler."""
        assert isinstance(self.app, DeskShell)
        self.app.handle_worker_failure(event)
