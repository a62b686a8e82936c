"""Results (§6.5 成绩检录, §10.7 发布): the pass rule per level, decisions beside a score (表B.2), each candidate's
result with its part states, the two-person corrections of a confirmed result, the batch's release and the
candidates' re-check requests; each workflow with its TRANSITIONS."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import User


class ReviewMode(models.TextChoices):
    EACH = "each", _("答辩和业绩评价均达到合格分")
    WEIGHTED = "weighted", _("加权总分达到合格分")


class PassRule(models.Model):
    """合格标准 per level (§6.5.1): theory and practical on 100 points each, and for 技师/高级技师 the comprehensive
    review. A level without a row uses the standard's defaults (``PassRule.default``)."""

    level = models.OneToOneField("catalog.Level", on_delete=models.PROTECT, related_name="pass_rule",
                                 verbose_name=_("等级"))
    theory_min = models.DecimalField(_("理论知识合格分"), max_digits=5, decimal_places=2, default=60)
    practical_min = models.DecimalField(_("实际操作合格分"), max_digits=5, decimal_places=2, default=60)
    review_min = models.DecimalField(_("综合评审合格分"), max_digits=5, decimal_places=2, default=60)
    review_mode = models.CharField(_("综合评审合格规则"), max_length=8, choices=ReviewMode.choices,
                                   default=ReviewMode.EACH)
    defence_weight = models.PositiveSmallIntegerField(_("答辩成绩权重（%）"), default=50,
                                                      validators=[MaxValueValidator(100)])

    def __str__(self) -> str:
        return f"{self.level}: {self.theory_min}/{self.practical_min}/{self.review_min}"

    @classmethod
    def for_level(cls, level) -> PassRule:
        return cls.objects.filter(level=level).first() or cls(level=level)

    def review_score(self, defence: Decimal, performance: Decimal) -> Decimal:
        """The comprehensive review's score: the weighted mean of defence and performance evaluation."""
        w = Decimal(self.defence_weight)
        return ((defence * w + performance * (100 - w)) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def review_passes(self, review, defence, performance) -> bool:
        """§6.5.1 综合评审: each of defence and performance evaluation at or above the minimum (default), or the
        weighted score at or above it."""
        if self.review_mode == ReviewMode.EACH:
            return (defence is not None and performance is not None
                    and defence >= self.review_min and performance >= self.review_min)
        return review is not None and review >= self.review_min


class Part(models.TextChoices):
    THEORY = "theory", _("理论知识")
    PRACTICAL = "practical", _("实际操作")
    REVIEW = "review", _("综合评审")


class ChangePart(models.TextChoices):
    """What a correction changes: a part's score, or one of the review's two scores (the review follows)."""

    THEORY = "theory", _("理论知识")
    PRACTICAL = "practical", _("实际操作")
    DEFENCE = "defence", _("答辩")
    PERFORMANCE = "performance", _("业绩评价")


class DecisionKind(models.TextChoices):
    VOID = "void", _("成绩作废")
    ZERO = "zero", _("按零分处理")


class ScoreDecision(models.Model):
    """A decision beside a score (表B.2): a part voided, or scored zero (e.g. the answer sheet was taken away),
    with the reason and who decided."""

    batch = models.ForeignKey("scheduling.Batch", on_delete=models.PROTECT, related_name="score_decisions")
    application = models.ForeignKey("registration.Application", on_delete=models.PROTECT,
                                    related_name="score_decisions")
    part = models.CharField(_("科目"), max_length=10, choices=Part.choices)
    kind = models.CharField(_("处理"), max_length=6, choices=DecisionKind.choices)
    reason = models.CharField(_("原因"), max_length=300)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [models.UniqueConstraint(fields=["batch", "application", "part"],
                                               name="grading_one_decision_per_part")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.part}: {self.kind}"

    @property
    def audit_org_id(self) -> int:
        return self.batch.audit_org_id


class PartState(models.TextChoices):
    SCORED = "scored", _("已评定")
    PENDING = "pending", _("评分未完成")
    ABSENT = "absent", _("缺考")
    VOID = "void", _("成绩作废")
    ZERO = "zero", _("按零分处理")
    NOT_REQUIRED = "not_required", _("不需要")


# A part's state is computed afresh by results_compile (a draft result is rewritten); once the result is
# confirmed, an approved correction (results.change_decide) is the one move: the part becomes scored.
PART_STATE_TRANSITIONS = {state: {PartState.SCORED} for state in PartState if state != PartState.NOT_REQUIRED}
PART_STATE_TRANSITIONS[PartState.NOT_REQUIRED] = set()  # a correction of a review nobody needed is refused


class ResultStatus(models.TextChoices):
    DRAFT = "draft", _("待复核")
    CONFIRMED = "confirmed", _("已复核确认")
    PUBLISHED = "published", _("已发布")


RESULT_TRANSITIONS = {  # §6.5.2 复核确认 by the chief examiner, then §10.7 发布 by the body's admin
    ResultStatus.DRAFT: {ResultStatus.CONFIRMED},
    ResultStatus.CONFIRMED: {ResultStatus.PUBLISHED},
    ResultStatus.PUBLISHED: set(),
}


class Result(models.Model):
    """成绩 of one candidate in one batch (§6.5): each part's score and state, the verdict under the level's pass
    rule, and the review state. Confirmed results are locked: a change needs a reason and a second approver."""

    batch = models.ForeignKey("scheduling.Batch", on_delete=models.PROTECT, related_name="results")
    application = models.ForeignKey("registration.Application", on_delete=models.PROTECT, related_name="results")
    theory = models.DecimalField(_("理论知识"), max_digits=6, decimal_places=2, null=True, blank=True)
    theory_state = models.CharField(max_length=12, choices=PartState.choices, default=PartState.PENDING)
    practical = models.DecimalField(_("实际操作"), max_digits=6, decimal_places=2, null=True, blank=True)
    practical_state = models.CharField(max_length=12, choices=PartState.choices, default=PartState.PENDING)
    review = models.DecimalField(_("综合评审"), max_digits=6, decimal_places=2, null=True, blank=True)
    review_state = models.CharField(max_length=12, choices=PartState.choices, default=PartState.NOT_REQUIRED)
    defence = models.DecimalField(_("答辩"), max_digits=6, decimal_places=2, null=True, blank=True)
    performance = models.DecimalField(_("业绩评价"), max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)  # None: not decidable yet
    anomalies = models.JSONField(_("复核发现的问题"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ResultStatus.choices, default=ResultStatus.DRAFT)
    compiled_at = models.DateTimeField(_("统分时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("复核确认人"))
    confirmed_at = models.DateTimeField(_("复核确认时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    TRANSITIONS = RESULT_TRANSITIONS
    THEORY_STATE_TRANSITIONS = PRACTICAL_STATE_TRANSITIONS = REVIEW_STATE_TRANSITIONS = PART_STATE_TRANSITIONS

    class Meta:
        ordering = ["batch", "application"]
        constraints = [models.UniqueConstraint(fields=["batch", "application"], name="grading_one_result")]
        verbose_name = _("认定成绩")
        verbose_name_plural = _("认定成绩")

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.application_id}: {self.passed}"

    @property
    def audit_org_id(self) -> int:
        return self.batch.audit_org_id


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


CHANGE_TRANSITIONS = {  # results.change_decide, by a second person
    ChangeStatus.PENDING: {ChangeStatus.APPROVED, ChangeStatus.REJECTED},
    ChangeStatus.APPROVED: set(),
    ChangeStatus.REJECTED: set(),
}


class ResultChange(models.Model):
    """A change to a confirmed result: requested with a reason, applied only when a second person approves."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="changes")
    part = models.CharField(_("科目"), max_length=12, choices=ChangePart.choices)
    old = models.DecimalField(_("原分数"), max_digits=6, decimal_places=2, null=True, blank=True)
    new = models.DecimalField(_("新分数"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    TRANSITIONS = CHANGE_TRANSITIONS

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=~models.Q(decided_by=models.F("requested_by")),
                                              name="grading_change_needs_a_second_person")]

    def __str__(self) -> str:
        return f"{self.result_id} {self.part}: {self.old} → {self.new}"

    @property
    def audit_org_id(self) -> int:
        return self.result.audit_org_id


class ResultRelease(models.Model):
    """发布 of a batch's results (§10.7), and the window it opens for 成绩复核申请."""

    batch = models.OneToOneField("scheduling.Batch", on_delete=models.PROTECT, related_name="result_release")
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    recheck_until = models.DateTimeField(_("成绩复核申请截止时间"))

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.published_at:%Y-%m-%d}"

    @property
    def audit_org_id(self) -> int:
        return self.batch.audit_org_id


class RecheckStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("复核无误，维持原成绩")
    CORRECTED = "corrected", _("复核发现差错，已提出更正")


RECHECK_TRANSITIONS = {  # results.recheck_handle: the office answers once
    RecheckStatus.PENDING: {RecheckStatus.UPHELD, RecheckStatus.CORRECTED},
    RecheckStatus.UPHELD: set(),
    RecheckStatus.CORRECTED: set(),
}


class RecheckRequest(models.Model):
    """成绩复核申请: a candidate asks, within the window, for one part of their published result to be checked
    again; the office re-checks it from its inputs and answers, correcting it through the two-person change."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="rechecks")
    part = models.CharField(_("科目"), max_length=10, choices=Part.choices)
    reason = models.CharField(_("申请理由"), max_length=500)
    status = models.CharField(_("状态"), max_length=10, choices=RecheckStatus.choices, default=RecheckStatus.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    response = models.CharField(_("复核答复"), max_length=500, blank=True)
    handled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("复核人"))
    handled_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    change = models.OneToOneField(ResultChange, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="recheck")

    TRANSITIONS = RECHECK_TRANSITIONS

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["result", "part"], name="grading_one_recheck_per_part")]
        verbose_name = _("成绩复核申请")
        verbose_name_plural = _("成绩复核申请")

    def __str__(self) -> str:
        return f"{self.result_id} {self.part}: {self.status}"

    @property
    def audit_org_id(self) -> int:
        return self.result.audit_org_id
