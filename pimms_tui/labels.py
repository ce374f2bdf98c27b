"""Words shown for the stored codes (statuses, priorities, outcomes…), as msgids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pimms_tui.db.enums import (
    AgeBand,
    AppointmentStatus,
    Gender,
    HelpLevel,
    Outcome,
    Priority,
    RefusalReason,
    RelayMode,
    RelayStatus,
    Role,
    VisitStatus,
)
from pimms_tui.i18n import N_, _

ROLE_LABELS = {
    Role.RECEPTION: N_("reception"),
    Role.MEDIATOR: N_("mediator"),
    Role.MANAGER: N_("manager"),
}
STATUS_LABELS = {
    VisitStatus.WAITING: N_("waiting"),
    VisitStatus.CALLED: N_("called"),
    VisitStatus.IN_PROGRESS: N_("being seen"),
    VisitStatus.DONE: N_("done"),
    VisitStatus.LEFT: N_("left"),
    VisitStatus.NO_SHOW: N_("absent"),
}
PRIORITY_LABELS = {
    Priority.NONE: "",
    Priority.ELDERLY: N_("elderly"),
    Priority.DISABILITY: N_("disability"),
    Priority.PREGNANCY: N_("pregnancy"),
    Priority.URGENCY: N_("urgency"),
    Priority.APPOINTMENT: N_("appointment"),
}
NEED_LABELS = {
    "interpreter": N_("interpreter"),
    "reduced_mobility": N_("reduced mobility"),
    "hearing": N_("hearing"),
    "sight": N_("sight"),
}
AGE_BAND_LABELS = {
    AgeBand.UNDER_26: N_("under 26"),
    AgeBand.FROM_26_TO_44: N_("26 to 44"),
    AgeBand.FROM_45_TO_64: N_("45 to 64"),
    AgeBand.FROM_65: N_("65 and over"),
}
GENDER_LABELS = {
    Gender.NOT_GIVEN: N_("gender not given"),
    Gender.FEMALE: N_("woman"),
    Gender.MALE: N_("man"),
    Gender.OTHER: N_("other"),
}
LEVEL_LABELS = {
    HelpLevel.INFORM: N_("inform"),
    HelpLevel.ACCOMPANY: N_("accompany"),
    HelpLevel.ON_BEHALF: N_("do on behalf"),
}
OUTCOME_LABELS = {
    Outcome.RESOLVED: N_("resolved on site"),
    Outcome.FINISH_ALONE: N_("to finish alone"),
    Outcome.COME_BACK: N_("must come back"),
    Outcome.RELAY: N_("relay to a partner"),
    Outcome.APPOINTMENT: N_("appointment"),
}
RELAY_MODE_LABELS = {
    RelayMode.PHONE_TOGETHER: N_("phone call made together"),
    RelayMode.EMAIL: N_("e-mail"),
    RelayMode.LETTER: N_("letter"),
    RelayMode.ACCOMPANIED: N_("accompanied in person"),
    RelayMode.REFERRAL_SLIP: N_("referral slip"),
}
RELAY_STATUS_LABELS = {
    RelayStatus.OPEN: N_("open"),
    RelayStatus.CONFIRMED: N_("confirmed"),
    RelayStatus.REFUSED: N_("refused"),
    RelayStatus.UNREACHABLE: N_("unreachable"),
    RelayStatus.EXPIRED: N_("expired"),
}
REFUSAL_REASON_LABELS = {
    RefusalReason.NOT_REACHABLE: N_("the partner could not reach the person"),
    RefusalReason.DID_NOT_ATTEND: N_("the person did not go"),
    RefusalReason.NOT_ELIGIBLE: N_("not eligible"),
    RefusalReason.NOT_INTERESTED: N_("the person gave up"),
    RefusalReason.DUPLICATE: N_("already handled (duplicate)"),
    RefusalReason.OTHER: N_("other reason"),
}
APPOINTMENT_STATUS_LABELS = {
    AppointmentStatus.BOOKED: N_("booked"),
    AppointmentStatus.ARRIVED: N_("arrived"),
    AppointmentStatus.SEEN: N_("seen"),
    AppointmentStatus.NO_SHOW: N_("no-show"),
    AppointmentStatus.EXCUSED: N_("excused"),
    AppointmentStatus.CANCELLED: N_("cancelled"),
}


def word(labels: Mapping[Any, str], code: str | None) -> str:
    """The translated word for a stored code (the code itself if unknown)."""
    if code is None:
        return ""
    text = labels.get(code, code)
    return _(text) if text else ""


# The words a right-of-access file uses for the codes it holds: it is written for the person
# it is about, so each says what happened rather than what the desk's screens call it.
VISIT_STEP_LABELS = {
    "arrived": N_("arrived and took a ticket"),
    VisitStatus.WAITING: N_("back in the waiting list"),
    VisitStatus.CALLED: N_("called to a desk"),
    VisitStatus.IN_PROGRESS: N_("received at the desk"),
    VisitStatus.DONE: N_("visit over"),
    VisitStatus.LEFT: N_("left before being received"),
    VisitStatus.NO_SHOW: N_("did not answer the call"),
}
VISIT_OUTCOME_LABELS = {
    VisitStatus.WAITING: N_("waiting"),
    VisitStatus.CALLED: N_("called to a desk"),
    VisitStatus.IN_PROGRESS: N_("being received"),
    VisitStatus.DONE: N_("visit over"),
    VisitStatus.LEFT: N_("left before being received"),
    VisitStatus.NO_SHOW: N_("did not answer the call"),
}
CONSENT_SCOPE_LABELS = {
    "keep_file": N_("keeping your file"),
    "share_with_partner": N_("sharing details with a partner"),
}
DOCUMENT_KIND_LABELS = {
    "referral_slip": N_("referral slip"),
    "appointment_card": N_("appointment card"),
    "access_export": N_("copy of your data (right of access)"),
}
# Journal actions as the person reads them (the desk's journal screen has its own words).
ACCESS_JOURNAL_LABELS = {
    "sign_in": N_("signed in"),
    "sign_in_failed": N_("failed sign-in"),
    "locked_out": N_("locked out"),
    "file_opened": N_("your file was consulted"),
    "file_edited": N_("your file was changed"),
    "export": N_("a copy of your data was made (right of access)"),
    "erasure": N_("data erased"),
    "merge": N_("two files about you were merged"),
    "consent_given": N_("consent given"),
    "consent_withdrawn": N_("consent withdrawn"),
    "purge": N_("file made anonymous at the end of its retention period"),
    "settings_changed": N_("settings changed"),
    "relay_followed_up": N_("news of the referral recorded"),
    "relay_postponed": N_("follow-up of the referral postponed"),
}
