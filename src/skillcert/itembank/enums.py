"""Item types, the item workflow (§7.2.2, §7.2.4–§7.2.6) and the sufficiency rules (§7.1.3.2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Part(models.TextChoices):
    """Which part of the assessment an item serves (§6.3.1.1, §6.5)."""

    THEORY = "theory", _("理论知识")
    PRACTICAL = "practical", _("实际操作")
    DEFENCE = "defence", _("综合评审")


class ModuleKind(models.TextChoices):
    """Top-level modules of the 认定要素细目表 (§7.2.2.2, §6.3.1.1)."""

    THEORY_BASIC = "theory_basic", _("理论知识·基础知识")
    THEORY_PRACTICE = "theory_practice", _("理论知识·专业知识（实务）")
    PRACTICAL = "practical", _("实际操作")
    DEFENCE = "defence", _("综合评审·答辩")


MODULE_PART = {
    ModuleKind.THEORY_BASIC: Part.THEORY, ModuleKind.THEORY_PRACTICE: Part.THEORY,
    ModuleKind.PRACTICAL: Part.PRACTICAL, ModuleKind.DEFENCE: Part.DEFENCE,
}


class Importance(models.TextChoices):
    CORE = "X", _("X 核心要素")
    GENERAL = "Y", _("Y 一般要素")
    MINOR = "Z", _("Z 辅助要素")


class ItemType(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    JUDGE = "judge", _("判断题")
    FILL = "fill", _("填空题")
    SHORT = "short", _("简答题")
    CALCULATION = "calculation", _("计算题")
    CASE = "case", _("案例分析题")
    PRACTICAL = "practical", _("实操题")
    DEFENCE = "defence", _("答辩题")


TYPE_PART = {t: Part.THEORY for t in ItemType}
TYPE_PART[ItemType.PRACTICAL] = Part.PRACTICAL
TYPE_PART[ItemType.DEFENCE] = Part.DEFENCE
CHOICE_TYPES = frozenset({ItemType.SINGLE, ItemType.MULTIPLE})
OBJECTIVE_TYPES = frozenset({ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE})
OPTION_KEYS = "ABCDEF"
TYPE_CODE_PREFIX = {Part.THEORY: "T", Part.PRACTICAL: "P", Part.DEFENCE: "D"}


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    IN_REVIEW = "in_review", _("审核中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("审核通过")
    ACCEPTED = "accepted", _("已验收")
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("停用")


S = ItemStatus
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.DRAFT}),          # a reviewer takes it / the writer withdraws it
    S.IN_REVIEW: frozenset({S.APPROVED, S.RETURNED}),        # §7.2.4 review decision
    S.RETURNED: frozenset({S.SUBMITTED}),                   # revised and submitted again
    S.APPROVED: frozenset({S.ACCEPTED, S.RETURNED}),         # §7.2.6 acceptance passes / fails (§7.2.6.4)
    S.ACCEPTED: frozenset({S.ACTIVE}),                       # released into the bank (§7.2.3, §7.2.5)
    S.ACTIVE: frozenset({S.RETIRED, S.DRAFT}),               # retired, or taken back for revision (§7.1.3.1)
    S.RETIRED: frozenset({S.DRAFT}),
}
EDITABLE_STATUSES = frozenset({S.DRAFT, S.RETURNED})

# §7.2.4 审核 a–d: the reviewer answers each one.
REVIEW_CHECKLIST = {
    "a": _("a) 题库征求意见稿和编制说明内容完整"),
    "b": _("b) 试题、标准答案、评分标准格式符合命题规范"),
    "c": _("c) 认定要素细目表符合国家职业技能标准和生产实际要求"),
    "d": _("d) 试题内容正确，与技术发展水平相适应，具有可操作性"),
}


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("通过")
    RETURN = "return", _("退回修改")


class Background(models.TextChoices):
    """§7.2.6.2: the acceptance panel includes technical management, training and assessment people."""

    TECHNICAL = "technical", _("技术管理")
    TRAINING = "training", _("培训")
    ASSESSMENT = "assessment", _("考核")


ACCEPTANCE_MIN_MEMBERS = 5  # §7.2.6.2 “5人以上”


class MeetingStatus(models.TextChoices):
    OPEN = "open", _("会议进行中")
    CONCLUDED = "concluded", _("已形成结论，待签字")
    CLOSED = "closed", _("已签字生效")


MEETING_TRANSITIONS = {  # §7.2.6.3: the verdict is recorded, then every member signs
    MeetingStatus.OPEN: {MeetingStatus.CONCLUDED},
    MeetingStatus.CONCLUDED: {MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
}


class MeetingVerdict(models.TextChoices):
    PASS = "pass", _("验收合格")
    FAIL = "fail", _("验收不合格")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已解决")
    DISMISSED = "dismissed", _("不成立")


PROBLEM_TRANSITIONS = {
    ProblemStatus.OPEN: {ProblemStatus.RESOLVED, ProblemStatus.DISMISSED},
    ProblemStatus.RESOLVED: set(),
    ProblemStatus.DISMISSED: set(),
}


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel 试题表")
    QTI = "qti", _("IMS QTI 3.0 包")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("待批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已拒绝")


EXPORT_TRANSITIONS = {  # §10.5: approved (or refused) by a bank manager other than the requester
    ExportStatus.PENDING: {ExportStatus.APPROVED, ExportStatus.REJECTED},
    ExportStatus.APPROVED: set(),
    ExportStatus.REJECTED: set(),
}


EXPORT_VALID_HOURS = 24  # an approved export can be downloaded for this long

# §7.1.3.2 minimum counts per trade and level.
MIN_THEORY = 1200
MIN_PRACTICAL = 60
MIN_DEFENCE = 30
