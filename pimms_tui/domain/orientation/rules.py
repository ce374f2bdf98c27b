"""The rules of listening and orientation: limits, messages, consent text, free-text checks.

Notes and every free text pass the "never stored" guard (``sensitive.check_free_text``).
Sharing details with a partner needs the visitor's recorded consent, with the version of the
consent text they were read: its SHA-256 is stored with each consent.
"""

from __future__ import annotations

import hashlib
import re

from pimms_tui.db.enums import AppointmentStatus, Outcome
from pimms_tui.text import multiline

from .. import sensitive
from ..messages import N_
from ..validation import FieldError, normalise_phone, validate_email

MAX_NOTE_LENGTH = 500
MAX_REASON_LENGTH = 500
MAX_SHARED_DETAILS_LENGTH = 1000
MAX_CONTACT_LENGTH = 200
DEFAULT_FOLLOW_UP_DAYS = 14
PRIOR_DEMANDS_LIMIT = 10
UPCOMING_LIMIT = 10

# What the visitor is read before agreeing that the office shares details with a partner.
# Its SHA-256 is stored with each consent: a new wording is a new version.
SHARE_CONSENT_TEXT_FR = (
    "J’accepte que le PIMMS transmette au partenaire désigné les seules informations "
    "nécessaires au traitement de ma demande. Ces informations ne sont utilisées que pour "
    "cette démarche. Je peux retirer mon accord à tout moment auprès du PIMMS."
)
SHARE_CONSENT_TEXT_EN = (
    "I agree that the PIMMS passes on to the named partner only the information needed to "
    "handle my request. This information is used for this procedure only. I can withdraw my "
    "agreement at any time by asking the PIMMS."
)
SHARE_CONSENT_TEXT_HASH = hashlib.sha256(
    f"{SHARE_CONSENT_TEXT_FR}\n\n{SHARE_CONSENT_TEXT_EN}".encode()
).hexdigest()

# Outcomes set directly; relay and appointment have their own operations.
SIMPLE_OUTCOMES = frozenset({Outcome.RESOLVED, Outcome.FINISH_ALONE, Outcome.COME_BACK})
ACTIVE_APPOINTMENT = (AppointmentStatus.BOOKED.value, AppointmentStatus.ARRIVED.value)
_PHONE_LIKE = re.compile(r"\+?[0-9()\s.\-/]+")

VISIT_UNKNOWN = N_("This visit does not exist.")
DEMAND_UNKNOWN = N_("This demand does not exist.")
VISIT_NOT_IN_PROGRESS = N_("Ticket {ticket} is not being seen: its demands cannot change.")
NOTE_TOO_LONG = N_("The note is too long ({max} characters at most).")
TEXT_TOO_LONG = N_("This text is too long ({max} characters at most).")
MOTIF_UNKNOWN = N_("Choose a reason from the list.")
PARTNER_UNKNOWN = N_("This partner does not exist or is no longer active.")
REGISTER_UNKNOWN = N_("Choose one of the 8 registers of intervention.")
LEVEL_INVALID = N_("Choose a level of help: inform, accompany or do on behalf.")
OUTCOME_INVALID = N_("Choose resolved on site, to finish alone or must come back.")
MODE_INVALID = N_("Choose how the relay is made.")
FOLLOW_UP_PAST = N_("The follow-up date cannot be in the past.")
REMOVE_HAS_OUTCOME = N_(
    "Demand {position} already has an orientation: it can no longer be removed."
)
ALREADY_RELAYED = N_("Demand {position} is already relayed to a partner; follow the relay up.")
APPOINTMENT_ACTIVE = N_(
    "Demand {position} has a booked appointment: cancel it before choosing another orientation."
)
SHARED_WITHOUT_CONSENT = N_(
    "Details can only be shared with the partner once the visitor has consented to it."
)
ANONYMOUS_SHARING = N_(
    "This visit is anonymous: nothing can be shared with the partner, and no consent recorded."
)
CLOSE_NO_DEMAND = N_("This visit has no demand yet: record at least one before closing.")
CLOSE_ONE_MISSING = N_("Demand {positions} has no orientation yet.")
CLOSE_MANY_MISSING = N_("Demands {positions} have no orientation yet.")


def clean_text(
    field: str, text: str | None, max_length: int, *, message: str = TEXT_TOO_LONG
) -> str | None:
    """Stripped free text, None when empty; too long → FieldError; sensitive → refused."""
    if text is None:
        return None
    cleaned = multiline(text).strip()  # no control or bidi character is stored
    if not cleaned:
        return None
    if len(cleaned) > max_length:
        raise FieldError(field, message, {"max": str(max_length)})
    sensitive.check_free_text(cleaned)
    return cleaned


def clean_contact(contact: str | None) -> str | None:
    """A partner contact: an e-mail address or a phone number is checked and normalised."""
    cleaned = clean_text("contact", contact, MAX_CONTACT_LENGTH)
    if cleaned is None:
        return None
    try:
        if "@" in cleaned and not any(ch.isspace() for ch in cleaned):
            return validate_email(cleaned)
        if _PHONE_LIKE.fullmatch(cleaned) and sum(ch.isdigit() for ch in cleaned) >= 6:
            return normalise_phone(cleaned)
    except FieldError as error:
        raise FieldError("contact", error.message, error.params) from error
    return cleaned
