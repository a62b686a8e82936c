from django import forms
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.enums import IdType
from skillcert.accounts.forms import LoginForm
from skillcert.catalog.models import Level, Occupation
from skillcert.registration.enums import DECLARATIONS, DocumentKind
from skillcert.registration.models import CandidateProfile


class CandidateLoginForm(LoginForm):
    username = forms.CharField(label=_("证件号码或手机号"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))


class SignupForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=60, help_text=_("与身份证件上的姓名一致。"))
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("证件号码"), max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    phone = forms.CharField(label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    email = forms.EmailField(label=_("电子邮箱"), required=False, help_text=_("选填；审核结果会同时发送到邮箱。"))
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={
        "autocomplete": "new-password"}), help_text=_("至少12个字符，不能是常见密码，不能与姓名、证件号码相似。"))
    password2 = forms.CharField(label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={
        "autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = CandidateProfile
        fields = ["education", "school", "employer", "years_in_occupation", "work_history"]
        widgets = {"work_history": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["education"].required = True
        self.fields["employer"].required = True


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("证件照"), help_text=_(
        "JPG 或 PNG，不超过 500 KB；竖版一寸照（宽高比约 5:7），至少 295×413 像素，白色或蓝色背景。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))


class CertificateForm(forms.Form):
    occupation = forms.ModelChoiceField(label=_("职业"), queryset=Occupation.objects.filter(is_active=True))
    level = forms.ModelChoiceField(label=_("等级"), queryset=Level.objects.order_by("-number"))
    number = forms.CharField(label=_("证书编号"), max_length=40)
    issued_on = forms.DateField(label=_("发证日期"), widget=forms.DateInput(attrs={"type": "date"}))


class ApplicationForm(forms.Form):
    """The §6.1.3 materials, each uploaded or marked verified online, and the §4.1 declarations."""

    offer = forms.ChoiceField(label=_("报考职业（工种）和等级"), widget=forms.RadioSelect)
    signature = forms.CharField(label=_("签名（输入您的姓名）"), max_length=60)

    def __init__(self, *args, offers=None, resubmit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if offers is None:
            del self.fields["offer"]
        else:
            self.fields["offer"].choices = [
                (o.pk, f"{o.trade.name if o.trade else o.occupation.name} · {o.level} · {o.fee_fen / 100:.2f} 元")
                for o in offers]
        for kind, label in DocumentKind.choices:
            self.fields[f"doc_{kind}"] = forms.FileField(
                label=label, required=False,
                help_text=_("保留原文件可不再上传。") if resubmit else _("PDF、JPG 或 PNG，不超过 5 MB。"),
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
            self.fields[f"online_{kind}"] = forms.BooleanField(label=_("已网络核验，不提供书面材料"), required=False)
        for key, text in DECLARATIONS.items():
            self.fields[f"declare_{key}"] = forms.BooleanField(label=text, required=False)
        self.fields["signature"] = self.fields.pop("signature")  # last, after the declarations

    def document_rows(self):
        return [(label, self[f"doc_{kind}"], self[f"online_{kind}"]) for kind, label in DocumentKind.choices]

    def declaration_fields(self):
        return [self[f"declare_{key}"] for key in DECLARATIONS]

    def submission(self):
        from skillcert.registration.applications import Submission

        d = self.cleaned_data
        return Submission(
            declarations={key: bool(d.get(f"declare_{key}")) for key in DECLARATIONS},
            signature=d.get("signature", ""),
            uploads={kind: d.get(f"doc_{kind}") for kind in DocumentKind.values if d.get(f"doc_{kind}")},
            verified_online=[kind for kind in DocumentKind.values if d.get(f"online_{kind}")])


class OfferChoiceForm(forms.Form):
    """The offer a link to the application page preselects (``?offer=``); anything else preselects none."""

    offer = forms.IntegerField(required=False, min_value=1)


class RecheckRequestForm(forms.Form):
    """成绩复核申请 (§6.5.2): the part of the candidate's own published result and the reason; whether the part may
    still be asked about is the service's rule (the window, once per part)."""

    part = forms.ChoiceField(label=_("复核科目"), choices=(), error_messages={
        "required": _("该科目没有可以复核的成绩。"), "invalid_choice": _("该科目没有可以复核的成绩。")})
    reason = forms.CharField(label=_("申请理由"), max_length=500,
                             error_messages={"required": _("请写明申请复核的理由。")})

    def __init__(self, *args, **kwargs):
        from skillcert.grading.models import Part

        super().__init__(*args, **kwargs)
        self.fields["part"].choices = Part.choices


class NotificationsReadForm(forms.Form):
    """「全部标为已读」: the newest notification the page showed; those up to it are marked read."""

    up_to = forms.IntegerField(label=_("最新消息"), min_value=0, widget=forms.HiddenInput)
