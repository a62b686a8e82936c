"""Venues, rooms and seats (§6.2.2), assessment batches and sessions (§6.2.1, §6.3.1, §6.5.1),
seat assignments and admission tickets (§6.2.1, A.2.4)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import Organisation
from skillcert.registration.models import Announcement, AnnouncementOffer, Application
from skillcert.registration.storage import private_storage

from .enums import (
    BATCH_TRANSITIONS,
    PART_OF_SESSION,
    BatchStatus,
    ConflictKind,
    ExamPart,
    RoomKind,
    SessionKind,
    StaffRole,
)


class VenueProfile(models.Model):
    """What a venue (考点) has: the §6.2.2.5 facilities and the §6.2.2.4 support staff."""

    venue = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="venue_profile")
    facilities = models.JSONField(_("考点设施"), default=dict, blank=True)  # key → bool (enums.FACILITIES)
    support_staff = models.JSONField(_("保障人员"), default=dict, blank=True)  # key → headcount (SUPPORT_STAFF)
    notes = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.venue)

    @property
    def audit_org_id(self) -> int:
        return self.venue_id


class Room(models.Model):
    """A theory, computer or practical room (考场) of a venue; its seats are generated from its capacity."""

    venue = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("考点"))
    name = models.CharField(_("考场名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=12, choices=RoomKind.choices)
    location = models.CharField(_("位置"), max_length=80, blank=True, help_text=_("如：1号楼3层301室"))
    capacity = models.PositiveSmallIntegerField(_("座位（工位）数"), validators=[MinValueValidator(1)])
    columns = models.PositiveSmallIntegerField(_("每排座位数"), default=5, validators=[MinValueValidator(1)])
    single_desks = models.BooleanField(_("单人单桌（单人单工位）"), default=True)
    spacing_cm = models.PositiveSmallIntegerField(_("前后左右间距（厘米）"), default=80)
    is_emergency = models.BooleanField(_("应急考场"), default=False,
                                       help_text=_("应急考场不安排考生，供突发情况使用（§6.2.2.5）。"))
    checks = models.JSONField(_("考场检查"), default=dict, blank=True)  # PRACTICAL_CHECKS key → bool
    safety_officer = models.CharField(_("现场管理安全员"), max_length=60, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["venue", "name"]
        verbose_name = _("考场")
        verbose_name_plural = _("考场")
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return f"{self.venue.name} {self.name}"

    @property
    def audit_org_id(self) -> int:
        return self.venue_id


class Seat(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="seats")
    number = models.PositiveSmallIntegerField(_("座位号"))
    row = models.PositiveSmallIntegerField()
    col = models.PositiveSmallIntegerField()
    workstation = models.CharField(_("机位（工位）编号"), max_length=30, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["room", "number"]
        constraints = [models.UniqueConstraint(fields=["room", "number"], name="seat_unique_number")]

    def __str__(self) -> str:
        return f"{self.room.name} {self.number:02d}"


class Batch(models.Model):
    """评价批次: one sitting of an announcement's approved candidates."""

    announcement = models.ForeignKey(Announcement, on_delete=models.PROTECT, related_name="batches",
                                     verbose_name=_("认定公告"))
    name = models.CharField(_("批次名称"), max_length=120)
    status = models.CharField(_("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PLANNED)
    notes = models.TextField(_("考生须知"), blank=True, help_text=_("印在准考证上；留空则使用标准考生须知。"))
    workstations_per_examiner = models.PositiveSmallIntegerField(
        _("每名考评人员负责的工位数"), default=10, validators=[MinValueValidator(1)],
        help_text=_("实际操作考场考评人员不少于3名，并按工位数增加（§6.4.1.4）。"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS = BATCH_TRANSITIONS

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("评价批次")
        verbose_name_plural = _("评价批次")

    def __str__(self) -> str:
        return self.name

    @property
    def audit_org_id(self) -> int:
        return self.announcement.body_id


class ExamSession(models.Model):
    """场次: one timed sitting of one kind for some of the batch's offers (trades × levels)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("类型"), max_length=16, choices=SessionKind.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    duration_minutes = models.PositiveSmallIntegerField(_("考试时长（分钟）"), validators=[MinValueValidator(1)])
    offers = models.ManyToManyField(AnnouncementOffer, related_name="sessions", verbose_name=_("工种和等级"))
    rooms = models.ManyToManyField(Room, related_name="sessions", blank=True, verbose_name=_("考场"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("场次")
        verbose_name_plural = _("场次")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_window")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def audit_org_id(self) -> int:
        return self.batch.announcement.body_id


class LiveSeatManager(models.Manager):
    """Only live seats: a seat voided by a move or a forced re-allocation stays as history
    (``SeatAssignment.history``) but is nobody's seat any more."""

    def get_queryset(self):
        return super().get_queryset().filter(voided_at__isnull=True)


class SeatAssignment(models.Model):
    """One candidate in one seat for one session. The constraints make double booking impossible: one live
    candidate per seat and session, and one live seat per application and part (theory, practical, review)
    across all batches. A seat is never deleted once a ticket named it: a move voids it with the reason."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="seat_assignments")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="assignments")
    part = models.CharField(_("考核部分"), max_length=12, choices=ExamPart.choices, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    history = models.Manager()  # every seat, voided ones included
    objects = LiveSeatManager()

    class Meta:
        ordering = ["session", "seat__room", "seat__number"]
        base_manager_name = "history"
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["session", "seat"], condition=Q(voided_at__isnull=True),
                                    name="assignment_one_live_candidate_per_seat"),
            models.UniqueConstraint(fields=["application", "part"], condition=Q(voided_at__isnull=True),
                                    name="assignment_one_live_seat_per_part"),
            models.CheckConstraint(condition=Q(part__in=ExamPart.values), name="assignment_part_known"),
        ]

    def __str__(self) -> str:
        return f"{self.application.full_name} → {self.seat}"

    def save(self, *args, **kwargs):
        if not self.part:
            self.part = PART_OF_SESSION[self.session.kind]
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return self.voided_at is None


class TicketStatus(models.TextChoices):
    VALID = "valid", _("有效")
    VOID = "void", _("已作废")


# scheduling.services._void_tickets: a moved or withdrawn candidate's ticket is voided; a new one gets a new number.
TICKET_TRANSITIONS = {TicketStatus.VALID: {TicketStatus.VOID}, TicketStatus.VOID: set()}


class AdmissionTicket(models.Model):
    """准考证 (§6.2.1): one per candidate and batch; voided (never deleted) when seats are re-allocated."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="tickets")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="tickets")
    number = models.CharField(_("准考证号"), max_length=20, unique=True)
    status = models.CharField(_("状态"), max_length=8, choices=TicketStatus.choices, default=TicketStatus.VALID)
    issued_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    TRANSITIONS = TICKET_TRANSITIONS

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "application"], condition=Q(status="valid"),
                                    name="ticket_one_valid_per_candidate"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def audit_org_id(self) -> int:
        return self.batch.announcement.body_id


def _staff_photo_path(instance, filename: str) -> str:
    return f"staff/{instance.user_id}/{filename}"


class StaffProfile(models.Model):
    """What a work card (证卡, §6.4.1.5) shows of a staff member, and their employer for conflict checks."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    photo = models.FileField(_("证件照"), storage=private_storage, upload_to=_staff_photo_path, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.user)

    @property
    def audit_org_id(self) -> int | None:
        return self.user.organisation_id


class ConflictDeclaration(models.Model):
    """A staff member's declared conflict of interest: a relative sitting the exam (by ID number) or a
    candidate from the same employer. Staffing refuses to put them in a room with that candidate."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts",
                              verbose_name=_("工作人员"))
    kind = models.CharField(_("回避情形"), max_length=16, choices=ConflictKind.choices)
    id_number = models.CharField(_("考生证件号码"), max_length=40, blank=True)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["staff", "recorded_at"]
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_kind_display()}"

    @property
    def audit_org_id(self) -> int | None:
        return self.staff.organisation_id


class StaffAssignment(models.Model):
    """One person in one role at one venue (and, for proctors and examiners, one room) for a session."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="staff")
    venue = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("考点"))
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
                             verbose_name=_("考场"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_assignments",
                             verbose_name=_("工作人员"))
    role = models.CharField(_("岗位"), max_length=16, choices=StaffRole.choices)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "venue", "room", "role"]
        verbose_name = _("考务人员安排")
        verbose_name_plural = _("考务人员安排")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="staff_one_place_per_session"),
            models.UniqueConstraint(fields=["session", "venue"], condition=Q(role="chief"),
                                    name="staff_one_chief_per_venue"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    @property
    def audit_org_id(self) -> int:
        return self.venue_id


class RoomSignOff(models.Model):
    """The chief examiner's sign-off of one room for one session (A.1.2, §6.2.2.6): the gate a session
    passes before it may start."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="signoffs")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="signoffs")
    items = models.JSONField(default=dict)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("签字人"))
    signed_at = models.DateTimeField(_("签字时间"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "room"], name="signoff_once_per_room")]

    def __str__(self) -> str:
        return f"{self.session} {self.room}"

    @property
    def audit_org_id(self) -> int:
        return self.room.venue_id
