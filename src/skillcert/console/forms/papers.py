"""Forms for the paper pages: the assembly plan as lines a bank manager can read and edit, and the
custody event form. They only shape input; every rule is in ``papers.plans`` and ``papers.services``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from skillcert.core.forms import IdField, ModelMultipleChoiceField
from skillcert.papers.enums import CustodyKind

LINES = {"rows": 6, "class": "mono"}


def _split(text: str, field: str, width: int, names: tuple[str, ...]) -> list[dict]:
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace(",", " ").replace("，", " ").split()
        if not parts:
            continue
        if len(parts) != width:
            raise ValidationError({field: _("第 %(n)d 行应有 %(w)d 项，用空格分开。") % {"n": n, "w": width}})
        rows.append(dict(zip(names, parts, strict=True)))
    return rows


class PlanForm(forms.Form):
    """组卷方案 (§7.2.2.6): one line per type, element row and difficulty band."""

    # the service's names for what these fields hold (its errors land on them)
    service_fields = {"forms": "form_count", "mean_difficulty": "mean_min"}

    session = forms.TypedChoiceField(label=_("场次"), coerce=int)
    form_count = forms.IntegerField(label=_("卷数（正式卷 + 备用卷）"), min_value=2, max_value=6, initial=3)
    length = forms.IntegerField(label=_("每卷题量"), min_value=1, max_value=500)
    types = forms.CharField(label=_("题型、题量、每题分值"), widget=forms.Textarea(attrs=LINES),
                            help_text=_("每行一种题型，如：single 60 1（single 单选 / multiple 多选 / judge 判断 / "
                                        "practical 实操）。总分须为 100。"))
    elements = forms.CharField(label=_("认定范围（代码前缀、最少、最多）"), required=False,
                               widget=forms.Textarea(attrs=LINES),
                               help_text=_("每行一条，如：B.01 24 36 —— 代码以 B.01 开头的试题每卷 24 至 36 题。"))
    difficulty_bands = forms.CharField(label=_("难度区间（下限、上限、最少、最多）"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
                                       help_text=_("难度为答对率 0–1；如：0.6 0.8 20 70 —— 答对率在 [0.6, 0.8) 的试题"
                                                   "每卷 20 至 70 题。"))
    mean_min = forms.FloatField(label=_("平均难度下限"), required=False, min_value=0, max_value=1)
    mean_max = forms.FloatField(label=_("平均难度上限"), required=False, min_value=0, max_value=1)
    exclude_recent = forms.IntegerField(label=_("不用最近几套试卷用过的试题"), min_value=0, max_value=50, initial=2)
    exposure_limit = forms.IntegerField(label=_("使用次数上限（达到即不用）"), min_value=1, required=False)
    time_limit = forms.IntegerField(label=_("求解时限（秒）"), min_value=1, max_value=120, initial=20)
    seed = forms.IntegerField(label=_("随机种子（相同方案和种子得到相同试卷）"), min_value=0, initial=0)

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [(s.pk, f"{s.batch.name} · {s}") for s in sessions]

    @staticmethod
    def initial_from(plan: dict, session_id: int | None = None) -> dict:
        return {
            "session": session_id, "form_count": plan["forms"], "length": plan["length"],
            "types": "\n".join(f"{k} {n} {plan['points'][k]}" for k, n in plan["types"].items()),
            "elements": "\n".join(f"{r['prefix']} {r['min']} {r['max']}" for r in plan["elements"]),
            "difficulty_bands": "\n".join(f"{r['low']} {r['high']} {r['min']} {r['max']}"
                                          for r in plan["difficulty_bands"]),
            "mean_min": (plan.get("mean_difficulty") or {}).get("min"),
            "mean_max": (plan.get("mean_difficulty") or {}).get("max"),
            "exclude_recent": plan.get("exclude_recent", 0), "exposure_limit": plan.get("exposure_limit"),
            "time_limit": plan.get("time_limit", 20), "seed": plan.get("seed", 0)}

    def clean(self):
        data = super().clean()
        try:
            types = _split(data.get("types", ""), "types", 3, ("type", "count", "points"))
            data["plan"] = {
                "forms": data.get("form_count"), "length": data.get("length"),
                "types": {r["type"]: r["count"] for r in types}, "points": {r["type"]: r["points"] for r in types},
                "elements": _split(data.get("elements", ""), "elements", 3, ("prefix", "min", "max")),
                "difficulty_bands": _split(data.get("difficulty_bands", ""), "difficulty_bands", 4,
                                           ("low", "high", "min", "max")),
                "mean_difficulty": {"min": data.get("mean_min"), "max": data.get("mean_max")},
                "exclude_recent": data.get("exclude_recent"), "exposure_limit": data.get("exposure_limit"),
                "time_limit": data.get("time_limit"), "seed": data.get("seed")}
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field, errors)
        return data


class CustodyForm(forms.Form):
    """One custody step; which fields matter depends on the step (the service names what is missing)."""

    kind = forms.ChoiceField(label=_("环节"), choices=CustodyKind.choices)
    occurred_at = forms.DateTimeField(label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ended_at = forms.DateTimeField(label=_("到达时间（运送）"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    room = forms.ModelChoiceField(label=_("考场"), queryset=None, required=False)
    count = forms.IntegerField(label=_("份数（含备用）"), min_value=0, required=False)
    spoiled = forms.IntegerField(label=_("废品份数（印制）"), min_value=0, required=False)
    spoiled_destroyed = forms.BooleanField(label=_("废品已当场销毁"), required=False)
    bag_no = forms.CharField(label=_("袋号"), max_length=40, required=False)
    seal_no = forms.CharField(label=_("密封条号"), max_length=40, required=False)
    operator = forms.ModelChoiceField(label=_("操作人 / 保管人"), queryset=None, required=False)
    escorts = ModelMultipleChoiceField(label=_("押运人员（两人）"), queryset=None, required=False)
    from_user = forms.ModelChoiceField(label=_("交出人"), queryset=None, required=False)
    to_user = forms.ModelChoiceField(label=_("接收人"), queryset=None, required=False)
    witnesses = ModelMultipleChoiceField(label=_("见证监考人员（两人）"), queryset=None, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, rooms=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms
        for name in ("operator", "escorts", "from_user", "to_user", "witnesses"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = lambda u: f"{u.full_name or u.username}（{u.username}）"


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("查明的原因和处理情况"), widget=forms.Textarea(attrs={"rows": 2}))


class AssembleScopeForm(forms.Form):
    """The paper to re-assemble (``?paper=``) or the session to assemble for (``?session=``), from a link."""

    paper = IdField(label=_("试卷"), required=False)
    session = IdField(label=_("场次"), required=False)


class SwapForm(forms.Form):
    """The replacement item the bank manager chose (its hidden ``item``); the service checks it fits the plan."""

    item = IdField(label=_("替换试题"))


class PrintForm(forms.Form):
    """Which form of the paper to print (``?form=``, default 1) and how many numbered copies (``?copies=``)."""

    form = IdField(label=_("卷号"), required=False)
    copies = IdField(label=_("份数"), required=False)
