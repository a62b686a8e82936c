"""The exam player (§6.3.1.2, A.2): one page on the room's computer; everything else goes through the exam API
(skillcert.api.exam). The page holds no data of its own, so anyone may load it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from skillcert.delivery.enums import WARNING_MINUTES
from skillcert.delivery.services import STATUS_POLL_SECONDS


def texts() -> dict[str, str]:
    """The player's words, translated here so the script carries none of its own."""
    return {
        "online": _("网络正常，答案已保存"), "saving": _("正在保存…"),
        "offline": _("网络已断开：答案暂存在本机，恢复连接后自动上传，请继续作答"),
        "pending": _("待上传 %(n)s 条"), "paused": _("考试已暂停，计时停止，请等待监考人员恢复考试"),
        "paused_title": _("考场已暂停"), "resumed": _("考试已恢复，计时继续"),
        "paused_held": _("尚未上传的 %(n)s 条作答已保存在本机，恢复考试后自动上传，不会丢失。"),
        "paused_none": _("您的作答均已保存。"),
        "waiting": _("请等待监考人员统一开考"), "remaining": _("剩余时间"),
        "time_now": _("剩余时间 %(m)s 分 %(s)s 秒"), "warning": _("距考试结束还有 %(m)s 分钟，请注意掌握时间。"),
        "question": _("第 %(n)s 题"), "points": _("%(p)s 分"), "flag": _("标记"), "unflag": _("取消标记"),
        "prev": _("上一题"), "next": _("下一题"), "answered": _("已答 %(a)s / %(n)s"),
        "confirm_submit": _("还有 %(u)s 题未作答、%(f)s 题已标记。交卷后不能再修改，确定交卷吗？"),
        "confirm_submit_all": _("全部 %(n)s 题均已作答。交卷后不能再修改，确定交卷吗？"),
        "cannot_submit_offline": _("还有答案未上传（网络未连接），恢复连接后再交卷。"),
        "submitted": _("已交卷。请离开座位前举手示意监考人员。"),
        "time_up": _("考试时间已到，系统已按您最后保存的答案收卷。"),
        "logged_out": _("本次登录已失效，请重新登录。"), "error": _("出错了：%(m)s"),
        "answer_here": _("在此作答"), "flagged": _("已标记"), "unanswered": _("未答"), "done": _("已答"),
        "identity": _("请核对本人信息，等待监考人员核验身份"), "seat": _("座位号"),
        "name": _("姓名"), "ticket": _("准考证号"), "id_number": _("证件号码"), "occupation": _("职业（工种）等级"),
        "venue": _("考点"), "room": _("考场"), "session": _("场次"),
    }


@never_cache
def player(request: HttpRequest) -> HttpResponse:
    return render(request, "exam/player.html", {"texts": texts(), "warnings": list(WARNING_MINUTES),
                                                "poll_ms": int(STATUS_POLL_SECONDS * 1000)})
