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


class ExamPart(models.TextChoices):
    """The part of the assessment a session examines (§6.3.1, §6.5.1): a candidate holds one live seat per
    application and part, wherever it is sat."""

    THEORY = "theory", _("理论知识考试")
    PRACTICAL = "practical", _("实际操作考核")
    REVIEW = "review", _("综合评审")


PART_OF_SESSION = {
    SessionKind.THEORY_PAPER: ExamPart.THEORY,
    SessionKind.THEORY_COMPUTER: ExamPart.THEORY,
    SessionKind.PRACTICAL: ExamPart.PRACTICAL,
    SessionKind.REVIEW: ExamPart.REVIEW,
}


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


class StaffRole(models.TextChoices):
    """Staff of a sitting (§6.4.1): venue-wide roles and roles tied to one room."""

    CHIEF = "chief", _("主考")
    DEPUTY = "deputy", _("副主考")
    INSPECTOR = "inspector", _("巡考人员")
    SUPERVISOR = "supervisor", _("质量督导员")
    PROCTOR = "proctor", _("监考人员")
    EXAMINER_LEADER = "examiner_leader", _("考评组长")
    EXAMINER = "examiner", _("考评员")


VENUE_ROLES = frozenset({StaffRole.CHIEF, StaffRole.DEPUTY, StaffRole.INSPECTOR, StaffRole.SUPERVISOR})
ROOM_ROLES = frozenset({StaffRole.PROCTOR, StaffRole.EXAMINER_LEADER, StaffRole.EXAMINER})
MIN_PROCTORS = 2  # §6.4.1.3 每个理论考场至少设监考人员 2 名
MIN_EXAMINERS = 3  # §6.4.1.4 每个实际操作考场至少配备考评人员 3 名（含考评组长 1 名）


class ConflictKind(models.TextChoices):
    """Declared conflicts of interest of a staff member (§6.4.1, §10 回避)."""

    RELATIVE = "relative", _("近亲属参加考试")
    SAME_EMPLOYER = "same_employer", _("与考生同一工作单位")


# A.1.2, §6.2.2.6, A.2.1, §6.2.2.3: what the chief examiner signs off per room before a session starts.
ROOM_SIGNOFF_ITEMS = {
    "inspected_sealed": _("考场经主考检查验收合格并封闭待用（A.1.2）"),
    "postings_up": _("考场分布示意图、考试时间表、考场规则和考生须知已张贴（§6.2.2.6）"),
    "equipment_checked": _("考试设备（机房或工位）已调试检查，运行正常（A.2.1、§6.2.2.3）"),
}

DEFAULT_CANDIDATE_NOTES = _(
    "1. 考生凭本准考证和有效身份证件（与报名时一致）参加考试，二者缺一不可（§6.4.1.6）。\n"
    "2. 考前15分钟凭证入场，对号入座，在签到册上签字确认；开考30分钟后不得入场。\n"
    "3. 手机等通讯工具须关闭电源，与其他非考试用品一起存放在指定位置。\n"
    "4. 严格遵守考场规则，服从考务人员管理；违规违纪者按有关规定处理。\n"
    "5. 实际操作考核须按规定穿戴劳动防护用品，遵守安全操作规程。\n"
    "6. 请妥善保管准考证，成绩查询和证书领取时需要使用。")
