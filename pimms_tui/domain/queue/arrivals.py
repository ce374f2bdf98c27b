"""An arrival in the queue: a new visit with its ticket, and the check-in of an appointment."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pimms_tui.db.enums import (
    AgeBand,
    AppointmentStatus,
    Gender,
    Need,
    Priority,
    VisitSource,
    VisitStatus,
)
from pimms_tui.db.models import Appointment

from ..actors import Actor
from ..errors import Conflict, NotFound
from ..messages import N_
from ..validation import check_line
from .model import APPOINTMENT_SERIES, WALK_IN_SERIES, ArrivalRequest
from .same_person import check_not_in_queue
from .statements import ARRIVAL_POSTGRES, EVENT, MOTIF_EXISTS, NEW_VISIT, TOUCH_VISITOR
from .tickets import draw_ticket_number, ticket_code

# The lengths of the visit's columns.
MAX_COMMUNE_LENGTH = 120
MAX_INTERPRETER_LANGUAGE_LENGTH = 35


def record_arrival(
    session: Session,
    office_id: int,
    request: ArrivalRequest,
    actor: Actor,
    *,
    day: date,
    now: datetime,
) -> tuple[int, str]:
    """Write the visit of an arrival and its event, in the caller's transaction (after the
    office row is locked); the visit's id and its ticket code (``A-…``, or ``R-…`` when
    arriving for an appointment, which is then marked arrived)."""
    # Checked before any statement: bad input is a refusal at the field, not a database error.
    commune = check_line(request.commune, "commune", MAX_COMMUNE_LENGTH)
    language = check_line(
        request.interpreter_language, "interpreter_language", MAX_INTERPRETER_LANGUAGE_LENGTH
    )
    needs = list(dict.fromkeys(Need(n).value for n in request.needs))
    if language and Need.INTERPRETER.value not in needs:
        needs.append(Need.INTERPRETER.value)
    connection = session.connection()
    visitor_id = request.visitor_id
    motif_id = request.motif_id
    source = VisitSource(request.source)
    if request.appointment_id is not None:
        source = VisitSource.APPOINTMENT
        booked_for, booked_motif = check_in_appointment(session, office_id, request.appointment_id)
        visitor_id = visitor_id if visitor_id is not None else booked_for
        motif_id = motif_id if motif_id is not None else booked_motif
    if (
        motif_id is not None
        and connection.execute(MOTIF_EXISTS, {"motif_id": motif_id}).first() is None
    ):
        raise NotFound(N_("This reason for coming does not exist."))
    if visitor_id is not None:
        # One open visit a day per person: never a second ticket (the office row is locked).
        check_not_in_queue(session, office_id, visitor_id, day)
        # Bookkeeping, not an edit of the file: the optimistic-lock version stays.
        touched = connection.execute(
            TOUCH_VISITOR,
            {"visitor_id": visitor_id, "of_office": office_id, "now": now},
        )
        if touched.rowcount != 1:
            raise NotFound(N_("This visitor does not exist."))
    series = APPOINTMENT_SERIES if source == VisitSource.APPOINTMENT else WALK_IN_SERIES
    number = draw_ticket_number(session, office_id, day, series)
    code = ticket_code(series, number)
    visit = {
        "office_id": office_id,
        "day": day,
        "ticket_number": number,
        "ticket_code": code,
        "visitor_id": visitor_id,
        "appointment_id": request.appointment_id,
        "age_band": AgeBand(request.age_band).value if request.age_band else None,
        "gender": Gender(request.gender).value,
        "commune": commune,
        "source": source.value,
        "priority": Priority(request.priority).value,
        "needs": needs,
        "interpreter_language": language,
        "first_motif_id": motif_id,
        "status": VisitStatus.WAITING.value,
        "arrived_at": now,
    }
    if connection.dialect.name == "postgresql":  # the visit and its event at once
        params = {f"new_{name}": value for name, value in visit.items()}
        params.update(now=now, actor_staff=actor.staff_id, actor_desk=actor.desk_id)
        return int(connection.execute(ARRIVAL_POSTGRES, params).scalar_one()), code
    visit_id = int(connection.execute(NEW_VISIT, visit).scalar_one())
    connection.execute(
        EVENT,
        {
            "office_id": office_id,
            "visit_id": visit_id,
            "at": now,
            "staff_id": actor.staff_id,
            "desk_id": actor.desk_id,
            "from_status": None,
            "to_status": VisitStatus.WAITING.value,
        },
    )
    return visit_id, code


def check_in_appointment(
    session: Session, office_id: int, appointment_id: int
) -> tuple[int | None, int | None]:
    """Mark a booked appointment arrived (guarded, like a visit transition); whom it was
    booked for and its reason."""
    booked = session.execute(
        select(Appointment.status, Appointment.visitor_id, Appointment.motif_id).where(
            Appointment.id == appointment_id, Appointment.office_id == office_id
        )
    ).one_or_none()
    if booked is None:
        raise NotFound(N_("This appointment does not exist."))
    result = session.execute(
        update(Appointment)
        .where(
            Appointment.id == appointment_id,
            Appointment.status == AppointmentStatus.BOOKED.value,
        )
        .values(status=AppointmentStatus.ARRIVED.value)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        status = session.execute(
            select(Appointment.status).where(Appointment.id == appointment_id)
        ).scalar_one()
        if status == AppointmentStatus.ARRIVED:
            raise Conflict(N_("This appointment was already checked in."))
        raise Conflict(N_("This appointment is no longer booked."))
    return booked.visitor_id, booked.motif_id
