"""States of a room's sitting and of a candidate's attempt, and what a proctor records (§6.4, A.2, 表B.2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomState(models.TextChoices):
    WAITING = "waiting", _("待开考")
    RUNNING = "running", _("考试中")
    PAUSED = "paused", _("已暂停")
    CLOSED = "closed", _("已结束")


ROOM_TRANSITIONS = {
    RoomState.WAITING: {RoomState.RUNNING},
    RoomState.RUNNING: {RoomState.PAUSED, RoomState.CLOSED},
    RoomState.PAUSED: {RoomState.RUNNING},
    RoomState.CLOSED: set(),
}


class AttemptStatus(models.TextChoices):
    NOT_ARRIVED = "not_arrived", _("未到")
    CHECKED_IN = "checked_in", _("已签到")
    ANSWERING = "answering", _("答题中")
    SUBMITTED = "submitted", _("已交卷")
    ABSENT = "absent", _("缺考")


ATTEMPT_TRANSITIONS = {
    AttemptStatus.NOT_ARRIVED: {AttemptStatus.CHECKED_IN, AttemptStatus.ABSENT},
    AttemptStatus.CHECKED_IN: {AttemptStatus.ANSWERING, AttemptStatus.SUBMITTED},
    AttemptStatus.ANSWERING: {AttemptStatus.SUBMITTED},
    AttemptStatus.SUBMITTED: set(),
    AttemptStatus.ABSENT: set(),
}
OPEN_ATTEMPT = (AttemptStatus.CHECKED_IN, AttemptStatus.ANSWERING)

# A paper answer sheet (grading.sheets) decides a paper-based attempt in one step, and a sheet entered again
# replaces the one before: the candidate sat it (submitted) or was absent, whichever the latest sheet says.
SHEET_ATTEMPT_TRANSITIONS = {
    AttemptStatus.NOT_ARRIVED: {AttemptStatus.SUBMITTED, AttemptStatus.ABSENT},
    AttemptStatus.CHECKED_IN: {AttemptStatus.SUBMITTED, AttemptStatus.ABSENT},  # signed in at a paper room
    AttemptStatus.SUBMITTED: {AttemptStatus.SUBMITTED, AttemptStatus.ABSENT},
    AttemptStatus.ABSENT: {AttemptStatus.SUBMITTED, AttemptStatus.ABSENT},
}


class SubmittedHow(models.TextChoices):
    CANDIDATE = "candidate", _("考生交卷")
    PROCTOR = "proctor", _("监考强制收卷")
    DEADLINE = "deadline", _("到时自动收卷")
    SHEET = "sheet", _("纸质答题卡")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("扫描准考证二维码")
    MANUAL = "manual", _("人工核对")


class RoomEventKind(models.TextChoices):
    """考场情况记录: what a proctor types (A.2, 表B.1–B.2) and what the system writes on its own."""

    PROHIBITED_ITEMS = "prohibited_items", _("携带违禁物品")
    LEFT_ROOM = "left_room", _("擅自离开考场")
    TAKE_MATERIAL = "take_material", _("试图带走考试材料")
    WRONG_PAPER = "wrong_paper", _("试卷（题目）错发")
    MISSING_PAGES = "missing_pages", _("试卷缺页、缺题")
    EQUIPMENT = "equipment", _("设备故障")
    POWER = "power", _("停电")
    ILLNESS = "illness", _("考生身体不适")
    OTHER = "other", _("其他情况")
    # Written by the system
    STARTED = "started", _("统一开考")
    PAUSED = "paused", _("暂停考试")
    RESUMED = "resumed", _("恢复考试")
    COMPENSATED = "compensated", _("补时")
    FORCE_SUBMITTED = "force_submitted", _("强制收卷")
    RELOGIN = "relogin", _("授权换机登录")
    ABSENT_MARKED = "absent_marked", _("标记缺考")
    CLOSED = "closed", _("考场结束")


PROCTOR_EVENT_KINDS = (
    RoomEventKind.PROHIBITED_ITEMS, RoomEventKind.LEFT_ROOM, RoomEventKind.TAKE_MATERIAL, RoomEventKind.WRONG_PAPER,
    RoomEventKind.MISSING_PAGES, RoomEventKind.EQUIPMENT, RoomEventKind.POWER, RoomEventKind.ILLNESS,
    RoomEventKind.OTHER,
)


class SignalKind(models.TextChoices):
    FOCUS_LOSS = "focus_loss", _("离开考试窗口")
    COPY_PASTE = "copy_paste", _("尝试复制粘贴")
    SECOND_SESSION = "second_session", _("同一作答在另一台计算机登录")


LATE_ENTRY_MINUTES = 30  # A.2.8 开考 30 分钟后未到者按缺考处理，不得入场
OFFLINE_AFTER_SECONDS = 45  # no heartbeat for this long → shown as offline to the proctor
WARNING_MINUTES = (15, 5)  # A.2.9 考试结束前 15 分钟提醒
MAX_COMPENSATION_MINUTES = 30  # 表B.2 30 分钟内恢复 → 补足时间
