"""The role table: each role gets what the front desk gives it, and a refusal says why."""

from __future__ import annotations

import pytest

from pimms_tui.db.enums import Role
from pimms_tui.domain.access import GRANTED, REFUSALS, Permission, allows, require
from pimms_tui.domain.actors import Actor
from pimms_tui.domain.errors import PermissionDenied


def actor(role: Role) -> Actor:
    return Actor(office_id=1, desk_id=None, staff_id=1, role=role)


def test_every_permission_has_a_refusal_message() -> None:
    assert set(REFUSALS) == set(Permission)


def test_roles_are_nested_reception_mediator_manager() -> None:
    assert GRANTED[Role.RECEPTION] < GRANTED[Role.MEDIATOR] < GRANTED[Role.MANAGER]
    assert GRANTED[Role.MANAGER] == frozenset(Permission)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.RECEPTION, Permission.QUEUE, True),
        (Role.RECEPTION, Permission.BOOK, True),
        (Role.RECEPTION, Permission.FILES, False),
        (Role.RECEPTION, Permission.STATISTICS, False),
        (Role.MEDIATOR, Permission.FILES, True),
        (Role.MEDIATOR, Permission.FOLLOW_UP, True),
        (Role.MEDIATOR, Permission.AUDIT, False),
        (Role.MEDIATOR, Permission.PURGE, False),
        (Role.MANAGER, Permission.PURGE, True),
    ],
)
def test_require_follows_the_table(role: Role, permission: Permission, allowed: bool) -> None:
    assert allows(role, permission) is allowed
    if allowed:
        require(actor(role), permission)
    else:
        with pytest.raises(PermissionDenied) as refused:
            require(actor(role), permission)
        assert refused.value.message == REFUSALS[permission]


def test_an_actor_has_no_role_unless_given_one() -> None:
    """A forgotten role never defaults to a manager's rights: building an actor needs one."""
    with pytest.raises(TypeError):
        Actor(office_id=1, desk_id=None)  # type: ignore[call-arg]
    assert Actor(office_id=1, desk_id=None, role=Role.RECEPTION).role is Role.RECEPTION
