"""Scores (§6.3.3 阅卷, §6.5 成绩检录). Every score is reproducible from its inputs: a scoring run records the
rule it applied and the digest of the sealed key it read; each attempt's score keeps its per-item points."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import User
from skillcert.delivery.models import Attempt
from skillcert.itembank.models import Item, ItemVersion
from skillcert.papers.models import Paper
from skillcert.scheduling.models import ExamSession

from .scoring import MultipleRule


class ScoringRun(models.Model):
    """One objective scoring of a session's computer-based attempts of one paper against its sealed key.
    A later run (e.g. after a key correction) supersedes the earlier one; both are kept."""

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="scoring_runs",
                                verbose_name=_("场次"))
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="scoring_runs", verbose_name=_("试卷"))
    multiple_rule = models.CharField(_("多选题计分规则"), max_length=12, choices=MultipleRule.choices)
    key_digest = models.CharField(_("答案文件摘要（SHA-256）"), max_length=64)
    attempts = models.PositiveIntegerField(_("评分人次"), default=0)
    absent = models.PositiveIntegerField(_("缺考人数"), default=0)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("评分人"))
    started_at = models.DateTimeField(_("评分时间"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("被替代时间"), null=True, blank=True)
    test_stats = models.JSONField(_("试卷分析"), default=dict, blank=True)  # per form: n, mean, sd, alpha, sem
    analysed_at = models.DateTimeField(_("试题分析时间"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("客观题评分")
        verbose_name_plural = _("客观题评分")

    def __str__(self) -> str:
        return f"{self.paper.code} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def audit_org_id(self) -> int:
        return self.session.audit_org_id


class AttemptScore(models.Model):
    """An attempt's objective score in one run: ``items`` maps each position to its points ("4.00") for the
    automatically scored types, or to null for the items people mark."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores")
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="scores")
    objective = models.DecimalField(_("客观题得分"), max_digits=6, decimal_places=2)
    items = models.JSONField(_("各题得分"), default=dict)
    to_mark = models.PositiveSmallIntegerField(_("待人工评阅题数"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "attempt"], name="grading_score_once_per_run")]
        ordering = ["run", "attempt"]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.objective}"


class ItemAnalysis(models.Model):
    """One item's statistics in one scoring run (§6.3.2.2 试卷质量分析): difficulty, corrected point-biserial,
    option analysis and the flags raised to the bank managers."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="item_stats")
    form_number = models.PositiveSmallIntegerField(_("卷号"))
    position = models.PositiveSmallIntegerField(_("题号"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="analyses")
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="analyses")
    n = models.PositiveIntegerField(_("人数"))
    p = models.FloatField(_("难度 p"))
    r_pb = models.FloatField(_("点二列相关（校正）"), null=True, blank=True)
    options = models.JSONField(_("选项分析"), default=list, blank=True)
    flags = models.JSONField(_("提示"), default=list, blank=True)

    class Meta:
        ordering = ["run", "form_number", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "form_number", "position"],
                                               name="grading_item_analysis_once")]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.form_number}-{self.position}: p={self.p:.2f}"


class SimilarityScreening(models.Model):
    """Answer similarity screening of one scoring run (表B.1 雷同试卷): evidence for the staff's decision.
    ``flagged``: [{"a", "b" (attempt ids), "identical", "expected", "p", "form"}]; ``clusters``: lists of
    attempt ids."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="screenings")
    alpha = models.FloatField(_("误报率上限 α"))
    pairs_tested = models.BigIntegerField(_("比对对数"))
    flagged = models.JSONField(_("可疑对"), default=list, blank=True)
    clusters = models.JSONField(_("可疑群组"), default=list, blank=True)
    screened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("筛查人"))
    screened_at = models.DateTimeField(_("筛查时间"), auto_now_add=True)

    class Meta:
        ordering = ["-screened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.run_id} · α={self.alpha:g}: {len(self.flagged)}"

    @property
    def audit_org_id(self) -> int:
        return self.run.audit_org_id


class TaskStatus(models.TextChoices):
    OPEN = "open", _("阅卷中")
    DONE = "done", _("已完成")


class ScriptStatus(models.TextChoices):
    WAITING = "waiting", _("待评")
    THIRD = "third", _("待组长仲裁")
    FINAL = "final", _("已定分")


# grading.services.mark_record: the task is done once its last script has its final score.
TASK_TRANSITIONS = {TaskStatus.OPEN: {TaskStatus.DONE}, TaskStatus.DONE: set()}
# §6.3.3: two marks within the tolerance give the final score; beyond it the leader marks a third time.
SCRIPT_TRANSITIONS = {
    ScriptStatus.WAITING: {ScriptStatus.FINAL, ScriptStatus.THIRD},
    ScriptStatus.THIRD: {ScriptStatus.FINAL},
    ScriptStatus.FINAL: set(),
}


class MarkingTask(models.Model):
    """Marking of one subjective item across every candidate of a paper's form (§6.3.3 阅卷): two markers per
    script, a tolerance, the leader's third marking beyond it. Markers see script codes, never candidates."""

    run = models.ForeignKey(ScoringRun, on_delete=models.PROTECT, related_name="marking_tasks")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="marking_tasks", verbose_name=_("试卷"))
    form_number = models.PositiveSmallIntegerField(_("卷号"))
    position = models.PositiveSmallIntegerField(_("题号"))
    item_type = models.CharField(_("题型"), max_length=12)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    tolerance = models.DecimalField(_("评分误差允许值"), max_digits=5, decimal_places=2)
    markers = models.ManyToManyField(User, related_name="marking_tasks", verbose_name=_("阅卷人"))
    leader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="led_marking_tasks",
                               verbose_name=_("阅卷组长"))
    status = models.CharField(_("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织人"))
    opened_at = models.DateTimeField(_("开始时间"), auto_now_add=True)

    TRANSITIONS = TASK_TRANSITIONS

    class Meta:
        ordering = ["paper", "form_number", "position"]
        constraints = [models.UniqueConstraint(fields=["paper", "form_number", "position"],
                                               name="grading_one_task_per_item")]
        verbose_name = _("阅卷任务")
        verbose_name_plural = _("阅卷任务")

    def __str__(self) -> str:
        return _("%(paper)s 卷%(form)s 第%(pos)s题") % {"paper": self.paper.code, "form": self.form_number,
                                                       "pos": self.position}

    @property
    def audit_org_id(self) -> int:
        return self.run.audit_org_id


class Script(models.Model):
    """One candidate's answer to a task's item, known to markers only by its random ``code``."""

    task = models.ForeignKey(MarkingTask, on_delete=models.CASCADE, related_name="scripts")
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="scripts")
    code = models.CharField(_("密号"), max_length=12)
    status = models.CharField(_("状态"), max_length=8, choices=ScriptStatus.choices, default=ScriptStatus.WAITING)
    final = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    rule = models.CharField(_("定分方式"), max_length=40, blank=True)
    finalised_at = models.DateTimeField(_("定分时间"), null=True, blank=True)

    TRANSITIONS = SCRIPT_TRANSITIONS

    class Meta:
        ordering = ["task", "code"]
        constraints = [models.UniqueConstraint(fields=["task", "attempt"], name="grading_one_script_per_attempt"),
                       models.UniqueConstraint(fields=["task", "code"], name="grading_script_code_unique")]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_org_id(self) -> int:
        return self.task.audit_org_id


class Mark(models.Model):
    """One marker's score for a script: round 1 and 2 by two different markers, round 3 by the leader."""

    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="marks")
    marker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="marks", verbose_name=_("阅卷人"))
    round = models.PositiveSmallIntegerField(_("评次"))
    points = models.DecimalField(_("给分"), max_digits=5, decimal_places=2)
    comment = models.CharField(_("评语"), max_length=300, blank=True)
    at = models.DateTimeField(_("评分时间"), auto_now_add=True)

    class Meta:
        ordering = ["script", "round"]
        constraints = [models.UniqueConstraint(fields=["script", "round"], name="grading_one_mark_per_round"),
                       models.UniqueConstraint(fields=["script", "marker"], name="grading_one_mark_per_marker")]

    def __str__(self) -> str:
        return f"{self.script.code} #{self.round}: {self.points}"


class PracticalRule(models.TextChoices):
    MEAN = "mean", _("各考评员评分的平均分")
    MEDIAN = "median", _("各考评员评分的中位数")
    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后的平均分（至少 4 名考评员时）")


class PracticalPanel(models.Model):
    """考评小组 of one practical room of a session for one trade's paper (§6.4.1.4, §6.4.2.1, A.3.4–A.3.8): at
    least three examiners score every work piece of the candidates sitting that paper independently on its
    scoring sheet; the code-to-candidate map is sealed until score consolidation."""

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="practical_panels",
                                verbose_name=_("场次"))
    room = models.ForeignKey("scheduling.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("考场"))
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="+", verbose_name=_("试卷"))
    form_number = models.PositiveSmallIntegerField(_("卷号"), default=1)
    examiners = models.ManyToManyField(User, related_name="practical_panels", verbose_name=_("考评员"))
    leader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("考评组长"))
    rule = models.CharField(_("成绩计算规则"), max_length=10, choices=PracticalRule.choices, default=PracticalRule.MEAN)
    spread_limit = models.DecimalField(_("评分差异提示阈值"), max_digits=5, decimal_places=2, default=10)
    map_key_id = models.CharField(max_length=16, blank=True)
    sealed_map = models.BinaryField(default=b"")  # {code: application id}, AES-GCM, bound to this panel
    witnesses = models.ManyToManyField(User, through="UnsealWitness", related_name="+")
    unsealed_at = models.DateTimeField(_("开封对号时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("组建人"))
    created_at = models.DateTimeField(_("组建时间"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "room", "paper"],
                                               name="grading_one_panel_per_room_and_paper")]
        verbose_name = _("考评小组")
        verbose_name_plural = _("考评小组")

    def __str__(self) -> str:
        return f"{self.session} · {self.room.name} · {self.paper.bank}"

    @property
    def audit_org_id(self) -> int:
        return self.session.audit_org_id

    SEALED_FIELDS = ("map_key_id", "sealed_map")  # sealed under the item key ring (core.crypto.sealed_tables)

    def aad(self) -> bytes:
        return f"grading.practicalpanel:{self.pk}".encode()


class PracticalEventKind(models.TextChoices):
    DELAY = "delay", _("设备或考场问题延误")
    FINISHED = "finished", _("操作完成")
    SAFETY = "safety", _("安全文明生产情况")
    VIOLATION = "violation", _("违纪")
    CHECK = "check", _("质量督导检查")


class PracticalEvent(models.Model):
    """实操考场记录 (A.3.4, A.3.6): delays recorded with the time given back, each workstation's completion time,
    safety and conduct, violations, and the quality supervisor's checks — by workstation, not by name (the work
    pieces stay coded)."""

    panel = models.ForeignKey("PracticalPanel", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类别"), max_length=10, choices=PracticalEventKind.choices)
    seat = models.ForeignKey("scheduling.Seat", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("工位"))
    minutes = models.PositiveSmallIntegerField(_("顺延（分钟）"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("时间"))
    note = models.CharField(_("记录"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("实操考场记录")
        verbose_name_plural = _("实操考场记录")

    def __str__(self) -> str:
        return f"{self.panel_id} {self.kind} {self.occurred_at:%H:%M}"

    @property
    def audit_org_id(self) -> int:
        return self.panel.audit_org_id


class UnsealWitness(models.Model):
    """A witness named for opening the code map (A.3.7 登记、统分时方可开封对号); confirms in their own account."""

    panel = models.ForeignKey(PracticalPanel, on_delete=models.CASCADE, related_name="unseal_witnesses")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("见证人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "user"], name="grading_witness_once")]

    def __str__(self) -> str:
        return f"{self.panel_id}: {self.user_id}"


class WorkPiece(models.Model):
    """A candidate's work piece, known by its random code (A.3.7); whose it is stays sealed until unsealing."""

    panel = models.ForeignKey(PracticalPanel, on_delete=models.CASCADE, related_name="pieces")
    code = models.CharField(_("编号"), max_length=12)
    collected_at = models.DateTimeField(_("收取时间"), auto_now_add=True)
    collected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("编号员"))
    application = models.ForeignKey("registration.Application", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="work_pieces")  # set only when the map is opened
    voided = models.BooleanField(_("成绩作废"), default=False)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    final = models.DecimalField(_("成绩"), max_digits=6, decimal_places=2, null=True, blank=True)
    spread = models.DecimalField(_("评分极差"), max_digits=6, decimal_places=2, null=True, blank=True)
    flagged = models.BooleanField(_("评分差异过大"), default=False)

    class Meta:
        ordering = ["panel", "code"]
        constraints = [models.UniqueConstraint(fields=["panel", "code"], name="grading_piece_code_unique")]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_org_id(self) -> int:
        return self.panel.audit_org_id


class PracticalSheet(models.Model):
    """One examiner's scoring sheet for one work piece (评分记录表), locked on submission."""

    piece = models.ForeignKey(WorkPiece, on_delete=models.CASCADE, related_name="sheets")
    examiner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("考评员"))
    scores = models.JSONField(_("各评分项得分"), default=list)  # [{"task", "index", "max", "given"}], no wording
    deductions = models.JSONField(_("安全文明扣分"), default=list)  # [{"reason", "points"}]
    total = models.DecimalField(_("合计"), max_digits=6, decimal_places=2)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["piece", "submitted_at"]
        constraints = [models.UniqueConstraint(fields=["piece", "examiner"], name="grading_one_sheet_per_examiner")]

    def __str__(self) -> str:
        return f"{self.piece.code}: {self.total}"


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


class ReviewPanel(models.Model):
    """综合评审小组 (§6.5.1) of one room of a review session: at least three examiners, one of them the leader,
    each scoring every candidate's defence (答辩) and performance evaluation (业绩评价) on 100 points."""

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="review_panels",
                                verbose_name=_("场次"))
    room = models.ForeignKey("scheduling.Room", on_delete=models.PROTECT, related_name="review_panels",
                             verbose_name=_("考场"))
    leader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("评审组长"))
    examiners = models.ManyToManyField(User, related_name="review_panels", verbose_name=_("评审专家"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "room"]
        constraints = [models.UniqueConstraint(fields=["session", "room"], name="grading_one_review_panel_per_room")]
        verbose_name = _("综合评审小组")
        verbose_name_plural = _("综合评审小组")

    def __str__(self) -> str:
        return f"{self.session} · {self.room}"

    @property
    def audit_org_id(self) -> int:
        return self.session.audit_org_id


class ReviewSheet(models.Model):
    """One examiner's scores of one candidate in the comprehensive review; locked once submitted."""

    panel = models.ForeignKey(ReviewPanel, on_delete=models.PROTECT, related_name="sheets")
    application = models.ForeignKey("registration.Application", on_delete=models.PROTECT,
                                    related_name="review_sheets")
    examiner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="review_sheets")
    defence = models.DecimalField(_("答辩"), max_digits=5, decimal_places=2)
    performance = models.DecimalField(_("业绩评价"), max_digits=5, decimal_places=2)
    note = models.CharField(_("评语"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["panel", "application", "examiner"]
        constraints = [models.UniqueConstraint(fields=["panel", "application", "examiner"],
                                               name="grading_review_sheet_once")]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.examiner_id}: {self.defence} {self.performance}"

    @property
    def audit_org_id(self) -> int:
        return self.panel.audit_org_id


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


class SheetSource(models.TextChoices):
    OMR = "omr", _("光标阅读机导入")
    FIRST = "first", _("第一遍录入")
    SECOND = "second", _("第二遍录入")
    RESOLVED = "resolved", _("核对原卡后确定")


class SheetEntry(models.Model):
    """One reading of one candidate's answer sheet (答题卡) of a paper-based theory session: imported from the
    optical-mark reader, or typed by a clerk. Two manual readings by two different clerks must agree before the
    sheet counts; where they differ, someone reads the paper sheet and records what it says (``RESOLVED``)."""

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="sheet_entries", verbose_name=_("试卷"))
    application = models.ForeignKey("registration.Application", on_delete=models.PROTECT,
                                    related_name="sheet_entries")
    source = models.CharField(_("来源"), max_length=8, choices=SheetSource.choices)
    form_number = models.PositiveSmallIntegerField(_("卷别"), default=1)
    absent = models.BooleanField(_("缺考"), default=False)
    answers = models.JSONField(_("作答"), default=dict, blank=True)  # position (str) → value as the player keeps it
    marks = models.JSONField(_("主观题得分"), default=dict, blank=True)  # position (str) → points marked on the script
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        ordering = ["paper", "application", "source"]
        constraints = [models.UniqueConstraint(fields=["paper", "application", "source"],
                                               name="grading_one_sheet_reading_per_source")]
        verbose_name = _("答题卡录入")
        verbose_name_plural = _("答题卡录入")

    def __str__(self) -> str:
        return f"{self.paper_id}/{self.application_id} {self.source}"

    @property
    def audit_org_id(self) -> int:
        return self.paper.session.audit_org_id
