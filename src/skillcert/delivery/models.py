"""Computer-based delivery (§6.3.1.2, §6.4, A.2): a room's sitting with its clock, each candidate's attempt,
their answers (the highest client sequence wins), log-in sessions, compensation, the room record and
integrity signals."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillcert.papers.models import Paper
from skillcert.registration.models import Application
from skillcert.scheduling.models import AdmissionTicket, ExamSession, Room, SeatAssignment

from . import clock
from .enums import (
    ATTEMPT_TRANSITIONS,
    ROOM_TRANSITIONS,
    AttemptStatus,
    CheckInMethod,
    RoomEventKind,
    RoomState,
    SignalKind,
    SubmittedHow,
)


class RoomSitting(models.Model):
    """One room of one computer-based session: its code announced by the proctor and its clock.

    The clock (clock.py) is server-authoritative: start + duration + room compensation + paused time.
    """

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="sittings")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sittings")
    code = models.CharField(_("考场口令"), max_length=6)
    state = models.CharField(_("状态"), max_length=10, choices=RoomState.choices, default=RoomState.WAITING)
    started_at = models.DateTimeField(_("开考时间"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    compensation_seconds = models.PositiveIntegerField(default=0)
    absent_marked_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    STATE_FIELD = "state"
    TRANSITIONS = ROOM_TRANSITIONS

    class Meta:
        ordering = ["session", "room"]
        verbose_name = _("考场考试")
        verbose_name_plural = _("考场考试")
        constraints = [models.UniqueConstraint(fields=["session", "room"], name="sitting_once_per_room")]

    def __str__(self) -> str:
        return f"{self.session} · {self.room.name}"

    @property
    def audit_org_id(self) -> int:
        return self.room.venue_id

    def room_clock(self) -> clock.RoomClock:
        return clock.RoomClock(started_at=self.started_at, duration_seconds=self.session.duration_minutes * 60,
                               compensation_seconds=self.compensation_seconds, paused_seconds=self.paused_seconds,
                               paused_at=self.paused_at)


class Attempt(models.Model):
    """One candidate's sitting of one computer-based session (their seat assignment in a started room)."""

    sitting = models.ForeignKey(RoomSitting, on_delete=models.PROTECT, related_name="attempts")
    assignment = models.OneToOneField(SeatAssignment, on_delete=models.PROTECT, related_name="attempt")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attempts")
    ticket = models.ForeignKey(AdmissionTicket, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(_("状态"), max_length=12, choices=AttemptStatus.choices,
                              default=AttemptStatus.NOT_ARRIVED)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    check_in_method = models.CharField(max_length=8, choices=CheckInMethod.choices, blank=True)
    identity_checked_at = models.DateTimeField(_("身份核验时间"), null=True, blank=True)
    identity_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("开始作答"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    submitted_how = models.CharField(max_length=10, choices=SubmittedHow.choices, blank=True)
    compensation_seconds = models.PositiveIntegerField(default=0)
    # Deterministic per-candidate order (§ shuffle): {"seed": int, "items": [position…],
    # "options": {position: [original key in shown order…]}} — grading maps answers back through it.
    layout = models.JSONField(default=dict, blank=True)
    relogin_allowed = models.BooleanField(default=False)
    # The released paper for the candidate's trade and level, set at the start signal; form 1 is 正式卷.
    paper = models.ForeignKey(Paper, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts")
    form_number = models.PositiveSmallIntegerField(default=1)

    TRANSITIONS = ATTEMPT_TRANSITIONS  # computer-based; a paper sheet moves by SHEET_ATTEMPT_TRANSITIONS

    class Meta:
        ordering = ["sitting", "assignment__seat__number"]
        verbose_name = _("考生作答")
        verbose_name_plural = _("考生作答")

    def __str__(self) -> str:
        return f"{self.application.full_name} · {self.sitting}"

    @property
    def audit_org_id(self) -> int:
        return self.sitting.room.venue_id

    def deadline(self, now: dt.datetime) -> dt.datetime | None:
        end = self.sitting.room_clock().deadline(now)
        return None if end is None else end + dt.timedelta(seconds=self.compensation_seconds)


class AttemptSession(models.Model):
    """A log-in of an attempt on one computer. Only one is active: a new log-in needs the proctor's
    authorisation and ends the old one."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["attempt", "created_at"]
        constraints = [models.UniqueConstraint(fields=["attempt"], condition=Q(revoked_at__isnull=True),
                                               name="attempt_one_active_session")]

    def __str__(self) -> str:
        return f"{self.attempt_id} @ {self.created_at:%H:%M:%S}"


class Answer(models.Model):
    """The kept answer to one paper position: the one with the highest client sequence number."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    value = models.JSONField()
    seq = models.BigIntegerField()
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="answer_once_per_position")]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position} (seq {self.seq})"


class Compensation(models.Model):
    """补时 (表B.2): lost time made up for the whole room or one candidate, with the reason."""

    sitting = models.ForeignKey(RoomSitting, on_delete=models.PROTECT, related_name="compensations")
    attempt = models.ForeignKey(Attempt, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="compensations")
    minutes = models.PositiveSmallIntegerField(_("补时（分钟）"))
    reason = models.CharField(_("原因"), max_length=200)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sitting", "granted_at"]

    def __str__(self) -> str:
        return f"+{self.minutes} min: {self.reason}"


class RoomEvent(models.Model):
    """考场情况记录: one line of the room record, typed by a proctor or written by the system."""

    sitting = models.ForeignKey(RoomSitting, on_delete=models.PROTECT, related_name="events")
    attempt = models.ForeignKey(Attempt, null=True, blank=True, on_delete=models.PROTECT, related_name="events",
                                verbose_name=_("考生"))
    kind = models.CharField(_("情况"), max_length=20, choices=RoomEventKind.choices)
    note = models.TextField(_("说明"), blank=True)
    occurred_at = models.DateTimeField(_("发生时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sitting", "occurred_at", "pk"]
        verbose_name = _("考场情况记录")
        verbose_name_plural = _("考场情况记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%H:%M}"


class IntegritySignal(models.Model):
    """What the player or the server noticed (focus loss, copy/paste, a second log-in): kept and shown to
    the proctor, never a penalty by itself."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="signals")
    kind = models.CharField(max_length=16, choices=SignalKind.choices)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["attempt", "at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%H:%M:%S}"
