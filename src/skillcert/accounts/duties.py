"""Separation of duties (职责分离; §6.3.2.3, §6.4.2.2, §6.6.1, §7.2.4, §10.9, §11), declared as data in one place.

Two kinds of declaration:

- ``INCOMPATIBLE_ROLES``: role pairs one person never holds together (the supervised and their supervisor).
  ``accounts.services.role_assign`` refuses to grant the second role of a pair to a holder of the first.
- ``DIFFERENT_PERSON``: steps of one piece of work that a second person must take (whoever writes an item never
  reviews it; whoever requests a change never decides it). Each service named in ``where`` calls
  :func:`require_different` with the declaration's key before it writes anything.

The console page 职责分离 (``console:duties``) lists both for an auditor, and
``tests/accounts/test_duties.py`` runs every declaration as a matrix: the same person is refused, another
person succeeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
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
ITEM_REVIEW = "item_review"
ITEM_ACCEPTANCE = "item_acceptance"
BANK_EXPORT = "bank_export"
PAPER_REVIEW = "paper_review"
SHEET_SECOND_ENTRY = "sheet_second_entry"
SECOND_MARKING = "second_marking"
RESULT_CORRECTION = "result_correction"
CERTIFICATE_REVIEW = "certificate_review"
CERTIFICATE_REQUEST = "certificate_request"
DESTRUCTION_WITNESS = "destruction_witness"

DIFFERENT_PERSON: tuple[Duty, ...] = (
    Duty(ROLE_GRANT, "§10.9、§7.3.2", _("被授予角色的人"), _("授予该角色"),
         ("accounts.services.role_assign",),
         _("不能给自己授予角色，须由另一位管理员授予。")),
    Duty(ITEM_REVIEW, "§7.2.4", _("试题的命题人（任一版本的编写人）"), _("领取并审核该试题"),
         ("itembank.services.item_transition", "itembank.services.item_review"),
         _("命题人不能审核自己编写的试题。")),
    Duty(ITEM_ACCEPTANCE, "§7.2.6.2", _("待验收试题的命题人"), _("担任这些试题的验收小组成员"),
         ("itembank.services.meeting_add_member",),
         _("命题人不能参加自己所编试题的验收。")),
    Duty(BANK_EXPORT, "§10.5", _("申请导出题库的人"), _("批准该导出"),
         ("itembank.services.export_decide",),
         _("不能批准自己的导出申请，须由另一位题库管理员批准。")),
    Duty(PAPER_REVIEW, "§6.3.2.3", _("组卷的题库管理员"), _("审核该试卷（之后方可锁定、密封）"),
         ("papers.services.paper_review",),
         _("组卷人不能审核自己组的试卷，须由另一位题库管理员审核。")),
    Duty(SHEET_SECOND_ENTRY, "§6.3.3", _("答题卡第一遍录入人"), _("第二遍录入"),
         ("grading.sheets.sheet_enter",),
         _("第二遍须由另一名工作人员录入。")),
    Duty(SECOND_MARKING, "§6.3.3", _("答卷的一评阅卷人"), _("二评同一答卷"),
         ("grading.services.mark_record",),
         _("您已评过这份答卷；双评须由另一位阅卷人完成。")),
    Duty(RESULT_CORRECTION, "§6.5.2", _("申请更正成绩的人"), _("审批该更正"),
         ("grading.results.change_decide",),
         _("更正须由申请人以外的另一人审批。")),
    Duty(CERTIFICATE_REVIEW, "§6.6.1", _("提交认定结果的人"), _("审核该批次的认定结果"),
         ("certificates.services.issue_review",),
         _("认定结果须由提交人以外的主管部门质量督导员审核。")),
    Duty(CERTIFICATE_REQUEST, "§8.2.4.1、§6.8.2", _("申请补发或撤销证书的人"), _("审批该申请"),
         ("certificates.services.request_decide",),
         _("须由申请人以外的另一人审批。")),
    Duty(DESTRUCTION_WITNESS, "§10.10", _("销毁证书的经办人"), _("担任监销人"),
         ("certificates.ledger.spoil",),
         _("销毁须有两名监销人（不含经办人本人），请填写两人姓名。")),
)

DUTIES: dict[str, Duty] = {d.key: d for d in DIFFERENT_PERSON}


def _same(actor, other) -> bool:
    if other is None:
        return False
    if isinstance(other, str):  # a person named in free text (a witness)
        return other.strip() in {actor.full_name, actor.username}
    return (other if isinstance(other, int) else other.pk) == actor.pk


def require_different(key: str, actor, *others) -> None:
    """Raise :class:`DutyConflict` when ``actor`` is one of ``others`` (users, user ids or names; None skipped)
    — the declared second step of ``key`` must be taken by somebody else."""
    duty = DUTIES[key]
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
