"""Password policy (§10.9; ASVS L2 V2.1): at least 12 characters, not common, not like the
user's own attributes. Django's validators with our own Chinese messages (Django's zh_Hans
catalogue lacks the 5.2 wording of some of them)."""

from django.contrib.auth import password_validation as pv
from django.utils.translation import gettext as _


class MinimumLengthValidator(pv.MinimumLengthValidator):
    def get_error_message(self):
        return _("密码太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self):
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}


class CommonPasswordValidator(pv.CommonPasswordValidator):
    def get_error_message(self):
        return _("这个密码太常见了，请换一个。")

    def get_help_text(self):
        return _("不能使用常见密码。")


class UserAttributeSimilarityValidator(pv.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _("密码与%(verbose_name)s太相似。")

    def get_help_text(self):
        return _("密码不能与用户名、姓名等个人信息相似。")


class NumericPasswordValidator(pv.NumericPasswordValidator):
    def get_error_message(self):
        return _("密码不能全是数字。")

    def get_help_text(self):
        return _("密码不能全是数字。")
