from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.enums import OrgKind, Role
from skillcert.accounts.models import Organisation, User
from skillcert.catalog.models import Level, Occupation, Trade
from skillcert.core.forms import ModelMultipleChoiceField
from skillcert.core.models import AuditOutcome
from skillcert.grading.models import ReviewMode


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["kind", "name", "short_name", "parent", "region_code", "address", "contact_phone",
                  "cert_type_letter", "institution_code", "province_code", "institution_serial", "is_active"]

    def __init__(self, *args, parents=None, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents
        if kinds is not None:
            self.fields["kind"].choices = [(k, OrgKind(k).label) for k in kinds]


class BodyContactForm(forms.ModelForm):
    """What a body admin edits on their own body (the rest is filed data, kept by the platform admin)."""

    class Meta:
        model = Organisation
        fields = ["short_name", "address", "contact_phone"]


class FiledScopeForm(forms.Form):
    scope = forms.MultipleChoiceField(label=_("备案范围"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for occ in Occupation.objects.prefetch_related("levels", "trades"):
            trades = [(None, _("全部工种"))] + [(t, t.name) for t in occ.trades.all()]
            for level in occ.levels.all().order_by("-number"):
                for trade, label in trades:
                    key = f"{occ.pk}:{trade.pk if trade else 0}:{level.pk}"
                    choices.append((key, f"{occ.name} · {label} · {level}"))
        self.fields["scope"].choices = choices

    def rows(self):
        occs = {o.pk: o for o in Occupation.objects.all()}
        trades = {t.pk: t for t in Trade.objects.all()}
        levels = {lv.pk: lv for lv in Level.objects.all()}
        result = []
        for key in self.cleaned_data["scope"]:
            o, t, lv = (int(x) for x in key.split(":"))
            result.append((occs[o], trades.get(t) if t else None, levels[lv]))
        return result


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    organisation = forms.ModelChoiceField(label=_("所属机构"), queryset=Organisation.objects.none(), required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), strip=False, widget=forms.PasswordInput,
                               help_text=_("至少12个字符，不能是常见密码，不能与用户名、姓名等相似。"))

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "organisation", "email", "phone", "is_active"]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"))
    organisation = forms.ModelChoiceField(label=_("范围（机构）"), queryset=Organisation.objects.none(),
                                          required=False, help_text=_("平台管理员和考生不选机构。"))
    occupation = forms.ModelChoiceField(label=_("范围（职业）"), queryset=Occupation.objects.all(), required=False,
                                        help_text=_("留空表示不限职业。"))
    valid_from = forms.DateTimeField(label=_("生效时间"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    valid_until = forms.DateTimeField(label=_("失效时间"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, organisations=None, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class UserPasswordResetForm(forms.Form):
    reason = forms.CharField(label=_("重置原因"), max_length=200,
                             help_text=_("例如：本人来电，已核实身份。写入审计日志。"))


class OccupationForm(forms.ModelForm):
    levels = ModelMultipleChoiceField(label=_("认定等级"), queryset=Level.objects.order_by("-number"),
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Occupation
        fields = ["code", "name", "name_en", "description", "levels", "is_active"]


class TradeForm(forms.ModelForm):
    class Meta:
        model = Trade
        fields = ["name", "name_en", "sort_order", "is_active"]


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("动作（前缀）"), required=False)
    actor = forms.CharField(label=_("操作人"), required=False)
    target_type = forms.CharField(label=_("对象类型"), required=False)
    target_id = forms.CharField(label=_("对象ID"), required=False)
    outcome = forms.ChoiceField(label=_("结果"), required=False,
                                choices=[("", _("全部")), *AuditOutcome.choices])
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PassRuleForm(forms.Form):
    """合格标准 of one level (§6.5.1): the row of inputs on the catalogue page."""

    theory_min = forms.DecimalField(label=_("理论知识合格分"), min_value=0, max_value=100, max_digits=5,
                                    decimal_places=2)
    practical_min = forms.DecimalField(label=_("实际操作合格分"), min_value=0, max_value=100, max_digits=5,
                                       decimal_places=2)
    review_min = forms.DecimalField(label=_("综合评审合格分"), min_value=0, max_value=100, max_digits=5,
                                    decimal_places=2)
    review_mode = forms.ChoiceField(label=_("综合评审合格规则"), choices=ReviewMode.choices)
    defence_weight = forms.IntegerField(label=_("答辩成绩权重（%）"), min_value=0, max_value=100)


# --- Small forms shared by the console's one-click actions (issue #21 item 1: every POST through a form) ------

class TargetForm(forms.Form):
    """The status a workflow button asks for (its hidden ``target``); the service checks that the move is legal."""

    target = forms.ChoiceField(label=_("目标状态"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(choices)


class WhichForm(forms.Form):
    """Which of a page's several forms was posted: the value of its hidden input ``name`` (``action``, ``what``)."""

    def __init__(self, data, *, name: str, choices):
        super().__init__(data)
        self.name = name
        self.fields[name] = forms.ChoiceField(label=_("操作"), choices=[(c, c) for c in choices])

    @property
    def value(self) -> str | None:
        """The form that was posted, or ``None`` when the page sent none of its forms' names."""
        return self.cleaned_data[self.name] if self.is_valid() else None
