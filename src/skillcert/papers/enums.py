"""Paper and custody vocabularies (§6.3.2, §10, A.2, 表B.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaperStatus(models.TextChoices):
    ASSEMBLED = "assembled", _("已组卷")
    REVIEWED = "reviewed", _("已审核")
    LOCKED = "locked", _("已锁定")
    SEALED = "sealed", _("已密封")
    RELEASED = "released", _("已启封下发")
    USED = "used", _("已使用")
    ARCHIVED = "archived", _("已归档")


PAPER_TRANSITIONS = {
    PaperStatus.ASSEMBLED: {PaperStatus.ASSEMBLED, PaperStatus.REVIEWED},  # re-assembly keeps it assembled
    PaperStatus.REVIEWED: {PaperStatus.ASSEMBLED, PaperStatus.LOCKED},  # a swap after review needs review again
    PaperStatus.LOCKED: {PaperStatus.SEALED},
    PaperStatus.SEALED: {PaperStatus.RELEASED},
    PaperStatus.RELEASED: {PaperStatus.USED},
    PaperStatus.USED: {PaperStatus.ARCHIVED},
    PaperStatus.ARCHIVED: set(),
}

# Statuses in which the paper's content (item versions) can still change.
OPEN_STATUSES = frozenset({PaperStatus.ASSEMBLED, PaperStatus.REVIEWED})


class SolverStatus(models.TextChoices):
    OPTIMAL = "optimal", _("最优")
    FEASIBLE = "feasible", _("可行（未证明最优）")
    INFEASIBLE = "infeasible", _("无解")


class DocKind(models.TextChoices):
    PAPER = "paper", _("试卷")
    KEY = "key", _("参考答案及评分标准")


class CustodyKind(models.TextChoices):
    """The steps of a paper's custody (§6.3.2.2–6.3.2.3, A.2.1, A.2.11–A.2.12, §10.1, §10.4–§10.5)."""

    PRINT = "print", _("印制")
    PACK = "pack", _("分装密封")
    TRANSPORT = "transport", _("运送")
    HANDOVER = "handover", _("交接")
    STORE = "store", _("保密室存放")
    OPEN = "open", _("考场启封")
    COLLECT = "collect", _("考后回收")
    BIND = "bind", _("装订密封")
    RETURN = "return", _("交回")


# Who must confirm each kind of event, besides what the form names (people fields per kind).
CUSTODY_PEOPLE = {
    CustodyKind.PRINT: ("operator",),
    CustodyKind.PACK: ("operator",),
    CustodyKind.TRANSPORT: ("escorts",),
    CustodyKind.HANDOVER: ("from_user", "to_user"),
    CustodyKind.STORE: ("operator",),
    CustodyKind.OPEN: ("witnesses",),
    CustodyKind.COLLECT: ("witnesses",),
    CustodyKind.BIND: ("operator",),
    CustodyKind.RETURN: ("from_user", "to_user"),
}

# Events counted per room against what the room was issued (its pack count).
ROOM_COUNTED = frozenset({CustodyKind.OPEN, CustodyKind.COLLECT})
# Events counted against the whole paper (copies printed less spoiled, or the packs' total).
PAPER_COUNTED = frozenset({CustodyKind.TRANSPORT, CustodyKind.STORE, CustodyKind.BIND, CustodyKind.RETURN})


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("未处理")
    RESOLVED = "resolved", _("已处理")


# A count that differs from what was issued stays open until someone records what was found (A.2.12).
DISCREPANCY_TRANSITIONS = {DiscrepancyStatus.OPEN: {DiscrepancyStatus.RESOLVED}, DiscrepancyStatus.RESOLVED: set()}
