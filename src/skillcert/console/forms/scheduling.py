"""Console forms for venues, rooms, batches, sessions, seat allocation, staffing and sign-off (§6.2, §6.4.1).
They only shape input; every rule is checked again in ``scheduling.services`` / ``scheduling.staffing``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import Organisation
from skillcert.core.forms import ModelMultipleChoiceField
from skillcert.registration.enums import AnnouncementStatus
from skillcert.registration.models import Announcement
from skillcert.scheduling.enums import (
    FACILITIES,
    PRACTICAL_CHECKS,
    ROOM_SIGNOFF_ITEMS,
    SUPPORT_STAFF,
    ConflictKind,
    RoomKind,
    SessionKind,
    StaffRole,
)
from skillcert.scheduling.models import Room

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class VenueProfileForm(forms.Form):
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in FACILITIES.items():
            self.fields[f"f_{key}"] = forms.BooleanField(label=label, required=False)
        for key, label in SUPPORT_STAFF.items():
            self.fields[f"s_{key}"] = forms.IntegerField(label=_("%(role)s人员（人）") % {"role": label}, min_value=0,
                                                         initial=0)
        self.order_fields([*(f"f_{k}" for k in FACILITIES), *(f"s_{k}" for k in SUPPORT_STAFF), "notes"])

    @classmethod
    def initial_from(cls, profile) -> dict:
        if profile is None:
            return {}
        data = {f"f_{k}": v for k, v in profile.facilities.items()}
        data.update({f"s_{k}": v for k, v in profile.support_staff.items()})
        data["notes"] = profile.notes
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"facilities": {k: d[f"f_{k}"] for k in FACILITIES},
                "support_staff": {k: d[f"s_{k}"] or 0 for k in SUPPORT_STAFF}, "notes": d["notes"]}


class RoomForm(forms.Form):
    name = forms.CharField(label=_("考场名称"), max_length=60)
    kind = forms.ChoiceField(label=_("类型"), choices=RoomKind.choices)
    location = forms.CharField(label=_("位置"), max_length=80, required=False, help_text=_("如：1号楼3层301室"))
    capacity = forms.IntegerField(label=_("座位（工位）数"), min_value=1, max_value=500,
                                  help_text=_("理论考场不超过30（§6.2.2.2）。"))
    columns = forms.IntegerField(label=_("每排座位数"), min_value=1, max_value=50, initial=5)
    single_desks = forms.BooleanField(label=_("单人单桌（单人单工位）"), required=False, initial=True)
    spacing_cm = forms.IntegerField(label=_("前后左右间距（厘米）"), min_value=0, max_value=1000, initial=80)
    is_emergency = forms.BooleanField(label=_("应急考场"), required=False,
                                      help_text=_("应急考场不安排考生（§6.2.2.5）。"))
    checks = forms.MultipleChoiceField(label=_("实际操作考场检查（§6.2.2.3）"), required=False,
                                       choices=list(PRACTICAL_CHECKS.items()), widget=forms.CheckboxSelectMultiple)
    safety_officer = forms.CharField(label=_("现场管理安全员"), max_length=60, required=False)
    workstations = forms.CharField(label=_("机位（工位）编号"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("按座位号顺序，用逗号或换行分隔；留空则不编号。"))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    @classmethod
    def initial_from(cls, room: Room) -> dict:
        data = {f: getattr(room, f) for f in ("name", "kind", "location", "capacity", "columns", "single_desks",
                                              "spacing_cm", "is_emergency", "safety_officer", "is_active")}
        data["checks"] = [k for k, v in room.checks.items() if v]
        data["workstations"] = ", ".join(s.workstation for s in room.seats.all() if s.workstation)
        return data

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["checks"] = {k: k in d["checks"] for k in PRACTICAL_CHECKS}
        raw = d.pop("workstations").replace("，", ",").replace("\n", ",")
        stations = [s.strip() for s in raw.split(",") if s.strip()]
        d["workstations"] = stations
        return d


class BatchForm(forms.Form):
    announcement = forms.ModelChoiceField(label=_("认定公告"), queryset=Announcement.objects.none())
    name = forms.CharField(label=_("批次名称"), max_length=120)
    workstations_per_examiner = forms.IntegerField(
        label=_("每名考评人员负责的工位数"), min_value=1, max_value=100, initial=10,
        help_text=_("实际操作考场考评人员不少于3名，并按工位数增加（§6.4.1.4）。"))
    notes = forms.CharField(label=_("考生须知"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("印在准考证上；留空则使用标准考生须知。"))

    def __init__(self, *args, body_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Announcement.objects.filter(status__in=[AnnouncementStatus.PUBLISHED, AnnouncementStatus.CLOSED])
        self.fields["announcement"].queryset = qs if body_ids is None else qs.filter(body_id__in=body_ids)


class BatchSettingsForm(BatchForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["announcement"]


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SessionKind.choices)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DT, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DT, input_formats=DT_FORMATS)
    duration_minutes = forms.IntegerField(label=_("考试时长（分钟）"), min_value=1, max_value=600)
    offers = ModelMultipleChoiceField(label=_("工种和等级"), queryset=None, widget=forms.CheckboxSelectMultiple)
    rooms = ModelMultipleChoiceField(label=_("考场"), queryset=None, widget=forms.CheckboxSelectMultiple,
                                           required=False)

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offers"].queryset = batch.announcement.offers.select_related("occupation", "trade", "level")
        self.fields["rooms"].queryset = (Room.objects.filter(venue__parent_id=batch.announcement.body_id,
                                                             is_active=True).select_related("venue")
                                         .order_by("venue__name", "name"))
        self.fields["rooms"].label_from_instance = lambda r: f"{r.venue.name} · {r.name}（{r.get_kind_display()}，" \
                                                             f"{r.capacity}{'，应急' if r.is_emergency else ''}）"


class AllocateForm(forms.Form):
    seed = forms.IntegerField(label=_("随机种子"), min_value=0, initial=0,
                              help_text=_("同一种子得到同一座次，便于复核。"))
    force = forms.BooleanField(label=_("重新安排已发准考证的座位（旧准考证作废并通知考生）"), required=False)
    # where the button sat: the batch page sends "batch" to come back to it
    next = forms.ChoiceField(choices=[("", ""), ("batch", "batch")], required=False, widget=forms.HiddenInput)

    def service_kwargs(self) -> dict:
        return {"seed": self.cleaned_data["seed"], "force": self.cleaned_data["force"]}


class StaffAssignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("工作人员"), queryset=None)
    role = forms.ChoiceField(label=_("岗位"), choices=StaffRole.choices)
    venue = forms.ModelChoiceField(label=_("考点"), queryset=Organisation.objects.none())
    room = forms.ModelChoiceField(label=_("考场"), queryset=Room.objects.none(), required=False,
                                  help_text=_("监考人员、考评员和考评组长须选考场；主考、副主考、巡考和督导不选。"))

    def __init__(self, *args, session, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name}（{u.username}）"
        venue_ids = session.rooms.values_list("venue_id", flat=True)
        self.fields["venue"].queryset = Organisation.objects.filter(pk__in=venue_ids)
        self.fields["room"].queryset = session.rooms.filter(is_emergency=False).select_related("venue")


class SignOffForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in ROOM_SIGNOFF_ITEMS.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)


class StaffProfileForm(forms.Form):
    employer = forms.CharField(label=_("工作单位"), max_length=120, required=False,
                               help_text=_("与该单位的考生同一考场时须回避。"))
    photo = forms.FileField(label=_("证件照（工作证卡用）"), required=False,
                            help_text=_("JPG 或 PNG，不超过500KB，至少295×413像素。"))


class ConflictForm(forms.Form):
    kind = forms.ChoiceField(label=_("回避情形"), choices=ConflictKind.choices)
    id_number = forms.CharField(label=_("考生证件号码"), max_length=40, required=False)
    employer = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
