"""Organisations, users and scoped role assignments (§4, §6.4.1, §6.8.1, §10.9)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import CertTypeLetter, IdType, OrgKind, Role

digits = {n: RegexValidator(rf"^\d{{{n}}}$", _("应为%(n)d位数字。") % {"n": n}) for n in (2, 4, 6)}


class Organisation(models.Model):
    """A certification body (评价机构), exam venue (考点) or supervising authority (主管部门).

    Bodies carry their filed scope (备案范围, §6.8.1 b) and the codes that go into the
    22-character certificate number (§8.1.1).
    """

    kind = models.CharField(_("类型"), max_length=12, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("上级机构"))
    region_code = models.CharField(_("行政区划代码"), max_length=6, validators=[digits[6]],
                                   help_text=_("6位行政区划代码，如青岛市 370200。"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    cert_type_letter = models.CharField(_("证书机构类型"), max_length=1, choices=CertTypeLetter.choices, blank=True)
    institution_code = models.CharField(_("机构代码（4位）"), max_length=4, blank=True, validators=[digits[4]])
    province_code = models.CharField(_("省份代码（2位）"), max_length=2, blank=True, validators=[digits[2]])
    institution_serial = models.CharField(_("机构序列号（6位）"), max_length=6, blank=True, validators=[digits[6]])
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_unique_name_under_parent"),
            models.UniqueConstraint(
                fields=["cert_type_letter", "institution_code", "province_code", "institution_serial"],
                condition=Q(kind="body") & ~Q(institution_code=""),
                name="org_unique_certificate_codes",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_org_id(self) -> int | None:
        return self.pk

    @property
    def certificate_prefix(self) -> str:
        """Letter + institution code + province code + serial: the first 13 characters."""
        return f"{self.cert_type_letter}{self.institution_code}{self.province_code}{self.institution_serial}"


class FiledScope(models.Model):
    """One row of a body's filed scope: occupation, trade (blank = every trade) and level."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="filed_scope",
                                     verbose_name=_("评价机构"))
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, verbose_name=_("职业"))
    trade = models.ForeignKey("catalog.Trade", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("工种"),
                              help_text=_("留空表示该职业的全部工种。"))
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, verbose_name=_("等级"))

    class Meta:
        ordering = ["occupation", "trade", "-level__number"]
        verbose_name = _("备案范围")
        verbose_name_plural = _("备案范围")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "occupation", "trade", "level"],
                                    condition=Q(trade__isnull=False), name="filed_scope_unique_trade"),
            models.UniqueConstraint(fields=["organisation", "occupation", "level"],
                                    condition=Q(trade__isnull=True), name="filed_scope_unique_all_trades"),
        ]

    def __str__(self) -> str:
        return f"{self.occupation.name} / {self.trade.name if self.trade else _('全部工种')} / {self.level}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """One account. Staff log in by username; candidates by ID number or phone (later issues)."""

    username = models.CharField(_("用户名"), max_length=150, unique=True,
                                validators=[RegexValidator(r"^[A-Za-z0-9_.@-]+$",
                                                           _("用户名只能包含字母、数字和 _ . @ -。"))])
    full_name = models.CharField(_("姓名"), max_length=60)
    email = models.EmailField(_("电子邮箱"), blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=40, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="members", verbose_name=_("所属机构"))
    is_active = models.BooleanField(_("启用"), default=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    failures_reset_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], condition=~Q(id_number=""),
                                    name="user_unique_id_number"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    @property
    def audit_org_id(self) -> int | None:
        return self.organisation_id

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, valid_from__lte=now).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now)
        )


class RoleAssignment(models.Model):
    """User × role × scope × validity. A scope covers the organisation and all below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments",
                             verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="role_assignments", verbose_name=_("范围（机构）"))
    occupation = models.ForeignKey("catalog.Occupation", null=True, blank=True, on_delete=models.PROTECT,
                                   verbose_name=_("范围（职业）"), help_text=_("留空表示不限职业。"))
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("授权人"))
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("撤销人"))
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                                   name="role_assignment_valid_period"),
        ]

    def __str__(self) -> str:
        scope = self.organisation.name if self.organisation_id else _("全平台")
        return f"{self.user.username} · {self.get_role_display()} · {scope}"

    @property
    def audit_org_id(self) -> int | None:
        return self.organisation_id or self.user.organisation_id

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.revoked_at is None and self.valid_from <= now
                and (self.valid_until is None or self.valid_until > now))


class LoginFailure(models.Model):
    """Failed logins, counted for per-account lockout and per-IP throttling (§10.9)."""

    username = models.CharField(max_length=150, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip} ({self.reason})"


class TOTPDevice(models.Model):
    """An RFC 6238 authenticator bound to one user."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)  # refuses replay of a code already used
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"TOTP for user {self.user_id}"


class RecoveryCode(models.Model):
    """One-time codes for when the authenticator is lost; only a keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of user {self.user_id}"


class ApiToken(models.Model):
    """A bearer token for machine access (the supervising platform's exports, §6.1.1, §6.1.5).
    Acts as its user, so the user's roles and scope apply; only a keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user.username})"

    @property
    def audit_org_id(self) -> int | None:
        return self.user.organisation_id
