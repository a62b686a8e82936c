from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    # where to go after logging in (the page that sent the user here); checked to be on this site before use
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("动态口令或恢复码"), max_length=16,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), strip=False, widget=forms.PasswordInput,
                                   help_text=_("至少12个字符，不能是常见密码，不能与用户名、姓名等相似。"))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class PasswordResetRequestForm(forms.Form):
    login = forms.CharField(label=_("用户名"), max_length=150,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))


class CandidatePasswordResetRequestForm(PasswordResetRequestForm):
    login = forms.CharField(label=_("证件号码或手机号"), max_length=150,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))


class SetPasswordForm(forms.Form):
    new_password = forms.CharField(label=_("新密码"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password",
                                                                     "autofocus": True}),
                                   help_text=_("至少12个字符，不能是常见密码，不能与用户名、姓名等相似。"))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data
