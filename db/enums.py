"""Closed sets of values stored in the database, shared by the models and the domain layer."""

from enum import StrEnum


class DeskKind(StrEnum):
    """What a desk is for."""

    RECEPTION = "reception"
    MEDIATION = "mediation"


class Role(StrEnum):
    """A staff member's role; it decides what the domain layer lets them do."""

    RECEPTION = "reception"
    MEDIATOR = "mediator"
    MANAGER = "manager"


class VisitStatus(StrEnum):
    """Where a visit stands in the walk-in flow (DESIGN §4)."""

    WAITING = "waiting"
    CALLED = "called"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    LEFT = "left"
    NO_SHOW = "no_show"


class VisitSource(StrEnum):
    """How the visitor came."""

    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"
    PHONE = "phone"


class Priority(StrEnum):
    """Why a visitor goes before the others in the queue."""

    NONE = "none"
    ELDERLY = "elderly"
    DISABILITY = "disability"
    PREGNANCY = "pregnancy"
    URGENCY = "urgency"
    APPOINTMENT = "appointment"


class Need(StrEnum):
    """An accessibility need to prepare for."""

    INTERPRETER = "interpreter"
    REDUCED_MOBILITY = "reduced_mobility"
    HEARING = "hearing"
    SIGHT = "sight"


class Gender(StrEnum):
    """Gender of an anonymous visit, for statistics only; not given unless the visitor says."""

    NOT_GIVEN = "not_given"
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class AgeBand(StrEnum):
    """Age band of an anonymous visit, for statistics only."""

    UNDER_26 = "under_26"
    FROM_26_TO_44 = "26_44"
    FROM_45_TO_64 = "45_64"
    FROM_65 = "65_plus"


class HelpLevel(StrEnum):
    """The level of help given for a demand (je t'informe / j'accompagne / je fais pour)."""

    INFORM = "inform"
    ACCOMPANY = "accompany"
    ON_BEHALF = "on_behalf"


class Outcome(StrEnum):
    """The orientation given to a demand; every demand needs one before the visit closes."""

    RESOLVED = "resolved"
    FINISH_ALONE = "finish_alone"
    COME_BACK = "come_back"
    RELAY = "relay"
    APPOINTMENT = "appointment"


class RelayMode(StrEnum):
    """How the relay to a partner is made."""

    PHONE_TOGETHER = "phone_together"
    EMAIL = "email"
    LETTER = "letter"
    ACCOMPANIED = "accompanied"
    REFERRAL_SLIP = "referral_slip"


class RelayStatus(StrEnum):
    """Follow-up state of a relay."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    EXPIRED = "expired"


class RefusalReason(StrEnum):
    """Why a partner did not take the person in charge."""

    NOT_REACHABLE = "not_reachable"
    DID_NOT_ATTEND = "did_not_attend"
    NOT_ELIGIBLE = "not_eligible"
    NOT_INTERESTED = "not_interested"
    DUPLICATE = "duplicate"
    OTHER = "other"


class AppointmentStatus(StrEnum):
    """Life of an appointment; booked ones in the past without outcome are 'à renseigner'."""

    BOOKED = "booked"
    ARRIVED = "arrived"
    SEEN = "seen"
    NO_SHOW = "no_show"
    EXCUSED = "excused"
    CANCELLED = "cancelled"


class ConsentScope(StrEnum):
    """What the visitor consented to."""

    KEEP_FILE = "keep_file"
    SHARE_WITH_PARTNER = "share_with_partner"
