"""Forms for the bank pages. They only shape input; every rule is in ``itembank.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from skillcert.catalog.models import Level, Occupation, Trade
from skillcert.core.forms import IdField
from skillcert.itembank import content as content_mod
from skillcert.itembank.enums import (
    OPTION_KEYS,
    REVIEW_CHECKLIST,
    Background,
    ExportFormat,
    ItemStatus,
    ItemType,
    MeetingVerdict,
    ReviewDecision,
)

DIFFICULTY = [(n, str(n)) for n in range(1, 6)]


class BankForm(forms.Form):
    occupation = forms.ModelChoiceField(Occupation.objects.filter(is_active=True), label=_("职业"))
    trade = forms.ModelChoiceField(Trade.objects.filter(is_active=True), label=_("工种"), required=False)
    level = forms.ModelChoiceField(Level.objects.all(), label=_("等级"))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    note = forms.CharField(label=_("版本说明"), required=False, max_length=200)


class ItemImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("文件类型"), choices=[("xlsx", _("Excel 试题表（.xlsx）")),
                                                          ("qti", _("IMS QTI 3.0 / 2.1 内容包（.zip）"))])
    file = forms.FileField(label=_("文件"))
    default_element = forms.CharField(label=_("默认认定点代码"), required=False, max_length=20,
                                      help_text=_("QTI 包中没有认定点的试题归入此认定点，如 B.01.01。"))


class SearchForm(forms.Form):
    element = forms.CharField(label=_("认定点代码（前缀）"), required=False, max_length=20)
    type = forms.MultipleChoiceField(label=_("题型"), choices=ItemType.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)
    status = forms.MultipleChoiceField(label=_("状态"), choices=ItemStatus.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    difficulty_min = forms.TypedChoiceField(label=_("难度从"), choices=[("", "—"), *DIFFICULTY], coerce=int,
                                            required=False, empty_value=None)
    difficulty_max = forms.TypedChoiceField(label=_("难度到"), choices=[("", "—"), *DIFFICULTY], coerce=int,
                                            required=False, empty_value=None)
    code = forms.CharField(label=_("试题编号"), required=False, max_length=20)


class ItemForm(forms.Form):
    type = forms.ChoiceField(label=_("题型"), choices=ItemType.choices)
    element_code = forms.CharField(label=_("认定点代码"), max_length=20,
                                   help_text=_("现行细目表中的认定点，如 B.02.03。"))
    difficulty = forms.TypedChoiceField(label=_("设计难度"), choices=DIFFICULTY, coerce=int, initial=3)
    expected_seconds = forms.IntegerField(label=_("预计用时（秒）"), min_value=1, initial=60)
    source = forms.CharField(label=_("来源"), required=False, max_length=200)
    enemy_group = forms.CharField(label=_("互斥组"), required=False, max_length=40,
                                  help_text=_("同一互斥组的试题不会出现在同一份试卷中。"))
    stem = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 4}))
    option_A = forms.CharField(label=_("选项A"), required=False)
    option_B = forms.CharField(label=_("选项B"), required=False)
    option_C = forms.CharField(label=_("选项C"), required=False)
    option_D = forms.CharField(label=_("选项D"), required=False)
    option_E = forms.CharField(label=_("选项E"), required=False)
    option_F = forms.CharField(label=_("选项F"), required=False)
    answer = forms.CharField(label=_("标准答案"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("单选填一个字母，多选填多个字母（如 ACD），判断题填“正确”或“错误”。"))
    rubric = forms.CharField(label=_("评分标准"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    scoring_sheet = forms.CharField(label=_("评分记录表（实操/答辩）"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("每行一项：评分项 | 配分 | 评分方法"))
    time_minutes = forms.IntegerField(label=_("考核时间（分钟，实操）"), required=False, min_value=1)
    materials = forms.CharField(label=_("材料、设备与工具（实操）"), required=False)
    explanation = forms.CharField(label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachments = forms.CharField(label=_("附图编号"), required=False,
                                  help_text=_("本题已上传附图的编号，用逗号分隔，如 3,5。"))
    note = forms.CharField(label=_("修改说明"), required=False, max_length=200)

    META = ("type", "element_code", "difficulty", "expected_seconds", "source", "enemy_group")

    @classmethod
    def initial_from(cls, item, content: dict) -> dict:
        initial = {f: getattr(item, f) for f in cls.META}
        initial.update(stem=content.get("stem", ""), rubric=content.get("rubric", ""),
                       explanation=content.get("explanation", ""), materials=content.get("materials", ""),
                       time_minutes=content.get("time_minutes") or None,
                       scoring_sheet=content_mod.sheet_as_text(content.get("scoring_sheet") or []),
                       attachments=",".join(str(a) for a in content.get("attachments") or []))
        answer = content.get("answer", "")
        initial["answer"] = {"T": "正确", "F": "错误"}.get(answer, answer) if item.type == ItemType.JUDGE else answer
        for key, text in zip(OPTION_KEYS, content.get("options") or [], strict=False):
            initial[f"option_{key}"] = text
        return initial

    def meta(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.META}

    def clean_attachments(self) -> list[int]:
        ids = [p.strip() for p in (self.cleaned_data["attachments"] or "").replace("，", ",").split(",") if p.strip()]
        if any(not p.isdigit() for p in ids):
            raise forms.ValidationError(_("附图编号应为数字。"))
        return [int(i) for i in ids]

    def content(self) -> dict:
        d = self.cleaned_data
        return {"stem": d["stem"], "options": [d[f"option_{k}"] for k in OPTION_KEYS], "answer": d["answer"],
                "rubric": d["rubric"], "explanation": d["explanation"], "scoring_sheet": d["scoring_sheet"],
                "time_minutes": d["time_minutes"], "materials": d["materials"], "attachments": d["attachments"]}


class AttachmentForm(forms.Form):
    file = forms.ImageField(label=_("附图（PNG/JPEG，2MB 以内）"))


class ReviewForm(forms.Form):
    a = forms.BooleanField(label=REVIEW_CHECKLIST["a"], required=False)
    b = forms.BooleanField(label=REVIEW_CHECKLIST["b"], required=False)
    c = forms.BooleanField(label=REVIEW_CHECKLIST["c"], required=False)
    d = forms.BooleanField(label=REVIEW_CHECKLIST["d"], required=False)
    decision = forms.ChoiceField(label=_("审核结论"), choices=ReviewDecision.choices, widget=forms.RadioSelect)
    comments = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"checklist": {k: d[k] for k in REVIEW_CHECKLIST}, "decision": d["decision"],
                "comments": d["comments"]}


class ProblemForm(forms.Form):
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}))


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=120)
    held_on = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=120)


class MemberForm(forms.Form):
    username = forms.CharField(label=_("成员用户名"), max_length=150)
    background = forms.ChoiceField(label=_("专业背景"), choices=Background.choices)


class ConcludeForm(forms.Form):
    verdict = forms.ChoiceField(label=_("验收结论"), choices=MeetingVerdict.choices, widget=forms.RadioSelect)
    minutes = forms.CharField(label=_("会议纪要与验收意见"), widget=forms.Textarea(attrs={"rows": 4}))


NOTE_LABELS = {
    "a": _("a) 题库开发编制原则、技术依据"), "b": _("b) 试题主要技术内容依据及说明"),
    "c": _("c) 新旧试题主要内容对比分析"), "d": _("d) 题库调研、试验、验证记录"),
    "e": _("e) 题库技术措施、组卷方案建议"), "f": _("f) 题库开发工作小结"),
}
REVISION_LABELS = {
    "a": _("a) 征求意见汇总及采纳情况"), "b": _("b) 征求意见会或专题讨论会纪要"), "c": _("c) 模拟组卷测试结果分析"),
}


class ReleaseForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in NOTE_LABELS.items():
            self.fields[f"note_{key}"] = forms.CharField(label=label, required=False,
                                                         widget=forms.Textarea(attrs={"rows": 2}))
        for key, label in REVISION_LABELS.items():
            self.fields[f"revision_{key}"] = forms.CharField(label=label, required=False,
                                                             widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"notes": {k: d[f"note_{k}"] for k in NOTE_LABELS},
                "revision": {k: d[f"revision_{k}"] for k in REVISION_LABELS}}


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("格式"), choices=ExportFormat.choices)
    statuses = forms.MultipleChoiceField(label=_("试题状态"), choices=ItemStatus.choices, initial=[ItemStatus.ACTIVE],
                                         widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("用途"), max_length=200)


class ResolveForm(forms.Form):
    status = forms.ChoiceField(label=_("处理结论"), choices=[("resolved", _("已解决")), ("dismissed", _("不成立"))])
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 2}))


class RestoreForm(forms.Form):
    """Which earlier version becomes the new one (its hidden ``number``); the service checks it exists."""

    number = IdField(label=_("版本号"))


class CompareForm(forms.Form):
    """The two versions set side by side (``?a=&b=``); a missing one defaults to the last two."""

    a = IdField(label=_("旧版本"), required=False)
    b = IdField(label=_("新版本"), required=False)


class ExportDecisionForm(forms.Form):
    """批准 (1) or 拒绝 (0): the button the second bank manager pressed (§10.5)."""

    approve = forms.TypedChoiceField(label=_("审批结论"), choices=[("1", _("批准")), ("0", _("拒绝"))],
                                     coerce=lambda v: v == "1")
