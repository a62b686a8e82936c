"""Organisation kinds and roles (§4, §6.4.1, §10.9)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    BODY = "body", _("评价机构")
    VENUE = "venue", _("考点")
    AUTHORITY = "authority", _("主管部门")


class CertTypeLetter(models.TextChoices):
    """First character of the 22-character certificate number (§8.1.1)."""

    SOCIAL = "S", _("S 社会培训评价组织")
    EMPLOYER = "Y", _("Y 用人单位")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")
    HMT_PERMIT = "hmt_permit", _("港澳居民来往内地通行证")
    TW_PERMIT = "tw_permit", _("台湾居民来往大陆通行证")
    PASSPORT = "passport", _("护照")
    FOREIGNER_PR = "foreigner_pr", _("外国人永久居留身份证")


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    BODY_ADMIN = "body_admin", _("机构管理员")
    EXAM_AFFAIRS = "exam_affairs", _("考务人员")
    BANK_MANAGER = "bank_manager", _("题库管理员")
    ITEM_WRITER = "item_writer", _("命题员")
    ITEM_REVIEWER = "item_reviewer", _("审题员")
    CHIEF_EXAMINER = "chief_examiner", _("主考")
    DEPUTY_CHIEF = "deputy_chief", _("副主考")
    PROCTOR = "proctor", _("监考人员")
    INSPECTOR = "inspector", _("巡考人员")
    EXAMINER = "examiner", _("考评员")
    EXAMINER_LEADER = "examiner_leader", _("考评组长")
    # The supervising authority's quality supervisor (external supervision, §6.6.1, §11): reviews the results a
    # body submits. Held at an authority only.
    QUALITY_SUPERVISOR = "quality_supervisor", _("质量督导员")
    # The body's own 内部质量督导人员 (§6.4.1.1, §6.4.2.2, §9.2.4, A.3.6): staffed on sittings, checks the examiners.
    INTERNAL_SUPERVISOR = "internal_supervisor", _("内部质量督导员")
    ARCHIVE_KEEPER = "archive_keeper", _("档案管理员")
    EMERGENCY_MEMBER = "emergency_member", _("应急处理小组成员")
    CANDIDATE = "candidate", _("考生")


# Roles that read confidential content before the exam: the bank's items (§7.3.2) and sealed papers (only the
# bank's managers open those before release, §10.2–§10.3). Granted only by another person, and the content is
# refused until the holder has a confirmed second factor (accounts.rules.content_cleared).
CONTENT_ROLES = frozenset({Role.BANK_MANAGER, Role.ITEM_WRITER, Role.ITEM_REVIEWER})

# Roles whose holders must use a TOTP second factor (issue #2 §3; §7.3.2, §10.9).
TOTP_REQUIRED_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.BODY_ADMIN, *CONTENT_ROLES})

# Roles held without an organisation scope.
UNSCOPED_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.CANDIDATE})

# Which kinds of organisation each scoped role may be assigned in. A scope covers the
# organisation and everything below it (a body's scope covers its venues).
ROLE_SCOPE_KINDS: dict[str, frozenset[str]] = {
    Role.BODY_ADMIN: frozenset({OrgKind.BODY}),
    Role.EXAM_AFFAIRS: frozenset({OrgKind.BODY}),
    Role.BANK_MANAGER: frozenset({OrgKind.BODY}),
    Role.ITEM_WRITER: frozenset({OrgKind.BODY}),
    Role.ITEM_REVIEWER: frozenset({OrgKind.BODY}),
    Role.ARCHIVE_KEEPER: frozenset({OrgKind.BODY}),
    Role.EMERGENCY_MEMBER: frozenset({OrgKind.BODY, OrgKind.VENUE}),
    Role.CHIEF_EXAMINER: frozenset({OrgKind.BODY, OrgKind.VENUE}),
    Role.DEPUTY_CHIEF: frozenset({OrgKind.BODY, OrgKind.VENUE}),
    Role.PROCTOR: frozenset({OrgKind.BODY, OrgKind.VENUE}),
    Role.INSPECTOR: frozenset({OrgKind.BODY, OrgKind.VENUE}),
    Role.EXAMINER: frozenset({OrgKind.BODY, OrgKind.VENUE}),
    Role.EXAMINER_LEADER: frozenset({OrgKind.BODY, OrgKind.VENUE}),
    Role.QUALITY_SUPERVISOR: frozenset({OrgKind.AUTHORITY}),
    Role.INTERNAL_SUPERVISOR: frozenset({OrgKind.BODY, OrgKind.VENUE}),
}

STAFF_ROLES = frozenset(r for r in Role if r != Role.CANDIDATE)
