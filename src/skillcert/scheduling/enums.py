from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomKind(models.TextChoices):
    THEORY = "theory", _("理论考场（纸笔）")
    COMPUTER = "computer", _("理论考场（机考）")
    PRACTICAL = "practical", _("实际操作考场")


class SessionKind(models.TextChoices):
    """§6.3.1 theory (paper or computer), practical, and §6.5.1 comprehensive review for 技师/高级技师."""

    THEORY_PAPER = "theory_paper", _("理论知识考试（纸笔）")
    THEORY_COMPUTER = "theory_computer", _("理论知识考试（机考）")
    PRACTICAL = "practical", _("实际操作考核")
    REVIEW = "review", _("综合评审")


# Which rooms each kind of session sits in.
ROOM_KINDS_FOR_SESSION = {
    SessionKind.THEORY_PAPER: {RoomKind.THEORY},
    SessionKind.THEORY_COMPUTER: {RoomKind.COMPUTER},
    SessionKind.PRACTICAL: {RoomKind.PRACTICAL},
    SessionKind.REVIEW: {RoomKind.THEORY, RoomKind.PRACTICAL},
}


class BatchStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    SCHEDULED = "scheduled", _("已编排")
    TICKETS_ISSUED = "tickets_issued", _("已发准考证")
    IN_PROGRESS = "in_progress", _("考试中")
    FINISHED = "finished", _("已结束")
    ARCHIVED = "archived", _("已归档")


BATCH_TRANSITIONS = {
    BatchStatus.PLANNED: {BatchStatus.SCHEDULED},
    BatchStatus.SCHEDULED: {BatchStatus.PLANNED, BatchStatus.TICKETS_ISSUED},
    BatchStatus.TICKETS_ISSUED: {BatchStatus.IN_PROGRESS},
    BatchStatus.IN_PROGRESS: {BatchStatus.FINISHED},
    BatchStatus.FINISHED: {BatchStatus.ARCHIVED},
    BatchStatus.ARCHIVED: set(),
}

# §6.2.2.5: what every venue must have.
FACILITIES = {
    "exam_office": _("考务办公室"),
    "emergency_room": _("应急考场"),
    "secure_room": _("保密室"),
    "medical_room": _("医务室"),
    "monitoring_room": _("监控室"),
    "belongings_storage": _("考生禁带物品存放处"),
}
# §6.2.2.4: support staff every venue provides during the exam.
SUPPORT_STAFF = {
    "medical": _("医疗"),
    "security": _("保卫"),
    "logistics": _("后勤"),
    "roving_proctor": _("流动监考"),
}
# §6.2.2.3: what a practical room's checklist records.
PRACTICAL_CHECKS = {
    "equipment_inspected": _("设备仪器经检测，性能正常"),
    "within_tolerance": _("精度在要求范围内"),
    "tools_materials_ready": _("工卡量具、原材料齐全"),
    "warning_line": _("设立警戒线，专人值守"),
}

THEORY_ROOM_MAX = 30  # §6.2.2.2 每个标准考场考生不超过 30 名
MIN_SPACING_CM = 80  # §6.2.2.2 前后左右间距保持 80 厘米以上
