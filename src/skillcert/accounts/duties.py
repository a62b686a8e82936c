"""Separation of duties (职责分离; §6.3.2.3, §6.4.2.2, §6.6.1, §7.2.4, §10.9, §11), declared as data beside the
permission rules (issue #21 item 3).

Two kinds of declaration:

- ``INCOMPATIBLE_ROLES``: role pairs one person never holds together (the supervised and their supervisor), here:
  roles are the accounts app's. ``accounts.services.role_assign`` refuses to grant the second role of a pair to a
  holder of the first.
- ``DIFFERENT_PERSON``: steps of one piece of work that a second person must take (whoever writes an item never
  reviews it; whoever requests a change never decides it). Each app declares its own steps in its ``rules.py``
  (``DIFFERENT_PERSON`` and one constant per key, e.g. ``itembank.rules.ITEM_REVIEW``); this module collects them
  (``duties.DIFFERENT_PERSON``, ``duties.DUTIES``, ``duties.ITEM_REVIEW`` …) without importing the apps above
  accounts. Each service named in ``where`` calls :func:`require_different` with the declaration's key before it
  writes anything.

The console page 职责分离 (``console:duties``) lists both for an auditor, and
``tests/accounts/test_duties.py`` runs every declaration as a matrix: the same person is refused, another
person succeeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .enums import Role


class DutyConflict(ValidationError, PermissionDenied):
    """A separation-of-duties refusal. Both a ValidationError (forms and pages show the message where the other
    refusals of the step are shown) and a PermissionDenied (uncaught, it answers 403, never 500)."""

    def __init__(self, message, key: str):
        super().__init__(str(message), code="separation_of_duties")
        self.key = key


@dataclass(frozen=True)
class RolePair:
    """Roles one person never holds together, anywhere (a scope elsewhere does not make it independent)."""

    first: str
    second: str
    clause: str
    reason: Promise

    def __contains__(self, role: str) -> bool:
        return role in (self.first, self.second)

    def other(self, role: str) -> str:
        return self.second if role == self.first else self.first


@dataclass(frozen=True)
class Duty:
    """Two steps of one piece of work taken by two different people."""

    key: str
    clause: str
    first: Promise  # who did the first step
    second: Promise  # the step a different person must take
    where: tuple[str, ...]  # the services that enforce it (module.function)
    message: Promise  # the refusal, in Chinese


INCOMPATIBLE_ROLES: tuple[RolePair, ...] = (
    RolePair(Role.BODY_ADMIN, Role.QUALITY_SUPERVISOR, "§6.6.1、§11.1",
             _("主管部门的质量督导员审核评价机构提交的认定结果，不能由被审核机构的管理员兼任。")),
    RolePair(Role.EXAM_AFFAIRS, Role.QUALITY_SUPERVISOR, "§6.6.1、§11.1",
             _("提交认定结果的考务人员不能兼任审核它的主管部门质量督导员。")),
    RolePair(Role.BODY_ADMIN, Role.INTERNAL_SUPERVISOR, "§6.4.1.1、§6.4.2.2",
             _("内部质量督导员监督认定组织实施的全过程，不能由机构管理员兼任。")),
    RolePair(Role.EXAM_AFFAIRS, Role.INTERNAL_SUPERVISOR, "§6.4.1.1、§6.4.2.2",
             _("内部质量督导员监督考务工作，不能由考务人员兼任。")),
    RolePair(Role.INTERNAL_SUPERVISOR, Role.QUALITY_SUPERVISOR, "§6.4.2.2、§11",
             _("机构的内部督导与主管部门的外部督导是两种监督，不能由一人兼任。")),
)

ROLE_GRANT = "role_grant"

# The accounts app's own step; every other app declares its steps in its rules.py (``DIFFERENT_PERSON``).
OWN: tuple[Duty, ...] = (
    Duty(ROLE_GRANT, "§10.9、§7.3.2", _("被授予角色的人"), _("授予该角色"),
         ("accounts.services.role_assign",),
         _("不能给自己授予角色，须由另一位管理员授予。")),
)


@cache
def _collected() -> tuple[tuple[Duty, ...], dict[str, str]]:
    """Every app's declarations, in the order of INSTALLED_APPS (the order of the cycle), and the name of each key's
    constant. Read from each domain app's rules module by name, so accounts imports nothing above it."""
    from django.apps import apps

    declared, names = list(OWN), {"ROLE_GRANT": ROLE_GRANT}
    for config in apps.get_app_configs():
        if not config.name.startswith("skillcert.") or config.name == "skillcert.accounts":
            continue
        try:
            module = import_module(f"{config.name}.rules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.rules":
                raise
            continue
        own = getattr(module, "DIFFERENT_PERSON", ())
        declared.extend(own)
        keys = {duty.key for duty in own}
        names.update({name: value for name, value in vars(module).items() if name.isupper() and value in keys})
    seen: set[str] = set()
    for duty in declared:
        if duty.key in seen:
            raise ImproperlyConfigured(f"separation-of-duties key {duty.key!r} is declared twice")
        seen.add(duty.key)
    return tuple(declared), names


def __getattr__(name: str):
    """``DIFFERENT_PERSON`` (every declaration), ``DUTIES`` (by key) and each declared key's constant
    (``duties.ITEM_REVIEW`` …), collected from the apps' rules modules. Only upper-case names are looked up: the
    import machinery asks a module for ``__path__`` and the like while the rules modules are still being imported,
    and collecting then would cache a partial set."""
    if not name.isupper():
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    declared, names = _collected()
    if name == "DIFFERENT_PERSON":
        return declared
    if name == "DUTIES":
        return {duty.key: duty for duty in declared}
    if name in names:
        return names[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "DIFFERENT_PERSON", "DUTIES", *_collected()[1]})


def _same(actor, other) -> bool:
    if other is None:
        return False
    if isinstance(other, str):  # a person named in free text (a witness)
        return other.strip() in {actor.full_name, actor.username}
    return (other if isinstance(other, int) else other.pk) == actor.pk


def require_different(key: str, actor, *others) -> None:
    """Raise :class:`DutyConflict` when ``actor`` is one of ``others`` (users, user ids or names; None skipped)
    — the declared second step of ``key`` must be taken by somebody else."""
    duty = __getattr__("DUTIES")[key]
    if any(_same(actor, other) for other in others):
        raise DutyConflict(duty.message, key)


def conflicting_pairs(role: str, held: Iterable[str]) -> list[RolePair]:
    """The declared pairs that granting ``role`` to a holder of ``held`` would complete."""
    held = set(held)
    return [p for p in INCOMPATIBLE_ROLES if role in p and p.other(role) in held]


def require_compatible(role: str, held: Iterable[str]) -> None:
    pairs = conflicting_pairs(role, held)
    if pairs:
        pair = pairs[0]
        raise DutyConflict(_("不能授予“%(role)s”：该用户已持有“%(other)s”。%(reason)s（%(clause)s）") % {
            "role": Role(role).label, "other": Role(pair.other(role)).label, "reason": pair.reason,
            "clause": pair.clause}, "incompatible_roles")
