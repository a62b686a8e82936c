"""The audit log (§6.7.1 责任可追溯、可倒查, §7.3.3 工作台账, §10.9).

One append-only table. Every row carries the hash of the row before it and its own hash
over a canonical encoding of its content, so changing, deleting or inserting a row breaks
the chain. ``AuditChainHead`` holds the last sequence number and hash: writers lock it, so
concurrent writers cannot fork the chain, and it reveals rows cut from the end.

Actor, organisation and target are stored as plain values, never foreign keys: a cascade
or SET NULL would rewrite history and break the chain.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .storage import private_storage

GENESIS_HASH = "0" * 64


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    DENIED = "denied", _("拒绝")
    FAILED = "failed", _("失败")


class AuditChainHead(models.Model):
    """Singleton (pk=1): the tip of the chain. Locked by every writer."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    org_id = models.BigIntegerField(_("机构ID"), null=True, blank=True, db_index=True)
    action = models.CharField(_("动作"), max_length=120, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    target_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=AuditOutcome.choices,
                               default=AuditOutcome.SUCCESS)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def data_text(self) -> str:
        """The data as readable JSON (Chinese kept as is) for pages and exports."""
        import json

        return json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True, default=str)

    @property
    def data_summary(self) -> str:
        import json

        text = json.dumps(self.data, ensure_ascii=False, sort_keys=True, default=str)
        return text if len(text) <= 48 else text[:47] + "…"


class Notification(models.Model):
    """A message to one user, shown in the portal (and also sent by e-mail when they have an address)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.subject


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# A redelivered task finds its job running and runs it again (core.jobs.job_run); a finished job is left alone.
JOB_TRANSITIONS = {
    JobStatus.PENDING: {JobStatus.RUNNING},
    JobStatus.RUNNING: {JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED},
    JobStatus.DONE: set(),
    JobStatus.FAILED: set(),
}


def _job_path(instance, filename: str) -> str:
    return f"jobs/{instance.created_at:%Y/%m}/{filename}"


class Job(models.Model):
    """A long job run in the background (Celery; inline without a broker) whose progress the page
    that started it shows, and whose result file only its starter's scope may download."""

    kind = models.CharField(max_length=40)
    label = models.CharField(_("任务"), max_length=200)
    org_id = models.BigIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.FileField(storage=private_storage, upload_to=_job_path, blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = JOB_TRANSITIONS

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def audit_org_id(self) -> int | None:
        return self.org_id

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
