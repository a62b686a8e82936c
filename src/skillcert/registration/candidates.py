"""Candidate accounts and profiles (issue #3 "Candidates"; §6.1.3 a).

One account per identity document: the 18-digit resident ID (and the Hong Kong, Macao and
Taiwan residence permit, which uses the same number) is checked against GB 11643. Candidates
log in with the ID number or the phone number (see ``accounts.selectors.user_find_for_login``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from skillcert.accounts.enums import IdType, Role
from skillcert.accounts.models import RoleAssignment, User
from skillcert.catalog.models import Level, Occupation
from skillcert.core import audit

from . import rules as registration_rules
from .idnumbers import check_char, normalise, parse_resident_id
from .models import CandidateProfile, PriorCertificate
from .uploads import check_photo

PHONE = re.compile(r"^1[3-9]\d{9}$")
OTHER_ID = re.compile(r"^[A-Z0-9]{5,20}$")
HMT_RESIDENCE_PREFIXES = ("81", "82", "83")  # 香港、澳门、台湾居民居住证 (GB 11643 layout, 8x0000)


def clean_id(id_type: str, id_number: str, *, field: str = "id_number") -> str:
    """Normalise and validate an identity document number; the error names ``field``."""
    number = normalise(id_number)
    if id_type not in IdType.values:
        raise ValidationError({"id_type": _("证件类型无效。")})
    if id_type == IdType.RESIDENT_ID:
        try:
            parse_resident_id(number)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None
    elif id_type == IdType.HMT_RESIDENCE:
        if not (len(number) == 18 and number[:2] in HMT_RESIDENCE_PREFIXES):
            raise ValidationError({field: _("港澳台居民居住证号码应为18位，以81、82或83开头。")})
        if not number[:17].isdigit() or check_char(number[:17]) != number[17]:
            raise ValidationError({field: _("港澳台居民居住证号码校验位不正确，请核对是否输错。")})
    elif not OTHER_ID.match(number):
        raise ValidationError({field: _("证件号码应为5至20位字母或数字。")})
    return number


def clean_phone(phone: str, *, field: str = "phone") -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if not PHONE.match(phone):
        raise ValidationError({field: _("手机号应为11位数字，以1开头。")})
    return phone


def clean_full_name(value: str, *, field: str = "full_name") -> str:
    """A candidate's name as on the identity document: required, at most the account's 60 characters, no
    control characters. The portal's sign-up and the employer's import both run it."""
    name = str(value or "").strip()
    if not name:
        raise ValidationError({field: _("请填写姓名（与证件一致）。")})
    limit = User._meta.get_field("full_name").max_length
    if len(name) > limit:
        raise ValidationError({field: _("姓名不能超过 %(n)d 个字符（现为 %(c)d 个）。") % {"n": limit, "c": len(name)}})
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ValidationError({field: _("姓名中含有不可见的控制字符。")})
    return name


def clean_email(value: str, *, field: str = "email") -> str:
    """Optional e-mail address, checked by the same validator as the account's e-mail field (and the portal's
    sign-up form); "" when none is given."""
    email = str(value or "").strip()
    if not email:
        return ""
    try:
        User._meta.get_field("email").run_validators(email)
    except ValidationError:
        raise ValidationError({field: _("电子邮箱“%(v)s”格式不正确。") % {"v": email[:60]}}) from None
    return email


def clean_employer(value: str, *, field: str = "employer", required: bool = True) -> str:
    """The candidate's employer: required where the portal's profile form requires it, at most 120 characters."""
    employer = str(value or "").strip()
    if required and not employer:
        raise ValidationError({field: _("工作单位不能为空。")})
    limit = CandidateProfile._meta.get_field("employer").max_length
    if len(employer) > limit:
        raise ValidationError({field: _("工作单位不能超过 %(n)d 个字符（现为 %(c)d 个）。") % {
            "n": limit, "c": len(employer)}})
    return employer


def candidate_username(id_type: str, number: str) -> str:
    """Stable and unique: the document number, prefixed for documents other than the resident ID."""
    return number if id_type == IdType.RESIDENT_ID else f"{id_type}.{number}"


SIGNUP_REFUSED = _lazy(
    "无法用这些信息注册新账户。如果您已注册过（或单位已代您报名），请直接登录或使用“忘记密码”；"
    "仍有问题请携带身份证件联系评价机构。")


@transaction.atomic
def candidate_signup(*, full_name: str, id_type: str, id_number: str, phone: str, password: str,
                     email: str = "") -> User:
    """Self sign-up. Anyone may call it. A registered ID number and a phone in use get one neutral answer
    that names neither field; the portal throttles refused sign-ups per address (issue #20 item 6a). Name and
    e-mail go through the same validators as the Excel import (issue #20 item 14)."""
    full_name = clean_full_name(full_name)
    number = clean_id(id_type, id_number)
    phone = clean_phone(phone)
    email = clean_email(email)
    # Input is judged before any account is looked up, so no error depends on what exists.
    try:
        validate_password(password, User(username=candidate_username(id_type, number), full_name=full_name,
                                         id_type=id_type, id_number=number, phone=phone, email=email or ""))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    existing = User.objects.select_for_update().filter(id_type=id_type, id_number=number).first()
    taken_phone = User.objects.filter(phone=phone).exclude(pk=getattr(existing, "pk", None)).exists()
    if (existing is not None and not _claimable(existing, full_name, phone)) or taken_phone:
        # One answer for a registered ID number and for a phone in use, naming neither (issue #20 item 6a).
        raise ValidationError(SIGNUP_REFUSED)
    user = existing or User(username=candidate_username(id_type, number), full_name=full_name, id_type=id_type,
                            id_number=number, phone=phone)
    user.email = (email or "").strip() or user.email
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if existing is None:
        RoleAssignment.objects.create(user=user, role=Role.CANDIDATE)
    CandidateProfile.objects.get_or_create(user=user)
    action = "registration.candidate.claimed" if existing else "registration.candidate.signed_up"
    audit.record(user, action, target=user,
                 data={"id_type": id_type, "id_number_tail": number[-4:], "phone_tail": phone[-4:]})
    return user


def _claimable(user: User, full_name: str, phone: str) -> bool:
    """An account created by an employer's bulk registration has no password yet; the candidate takes
    it over by signing up with the same document, name and phone the employer reported. Only an account nobody
    ever signed in to, held by no staff member: a password an administrator reset is unusable too until the
    link is followed (accounts.services.user_password_reset), and that account is not up for grabs."""
    from skillcert.accounts import rules

    return (not user.has_usable_password() and user.last_login is None and not rules.is_staff_member(user)
            and user.full_name == full_name and user.phone == phone)


def profile_of(user: User) -> CandidateProfile:
    profile, _created = CandidateProfile.objects.get_or_create(user=user)
    return profile


PROFILE_FIELDS = ("education", "school", "employer", "years_in_occupation", "work_history")


@transaction.atomic
def profile_update(*, actor: User, **fields) -> CandidateProfile:
    """The candidate edits their own profile (nobody else does)."""
    profile = CandidateProfile.objects.select_for_update().get(pk=profile_of(actor).pk)
    before = {f: getattr(profile, f) for f in PROFILE_FIELDS}
    for name in PROFILE_FIELDS:
        if name in fields:
            setattr(profile, name, fields[name])
    profile.full_clean(exclude=["photo"])
    profile.save()
    audit.record_changes(actor, "registration.profile.updated", target=profile, before=before,
                         after={f: getattr(profile, f) for f in PROFILE_FIELDS})
    return profile


@transaction.atomic
def photo_set(*, actor: User, upload) -> CandidateProfile:
    checked = check_photo(upload)
    profile = CandidateProfile.objects.select_for_update().get(pk=profile_of(actor).pk)
    old = profile.photo.name if profile.photo else ""
    profile.photo.save(checked.content.name, checked.content, save=False)
    profile.photo_sha256 = checked.sha256
    profile.save(update_fields=["photo", "photo_sha256", "updated_at"])
    if old:
        transaction.on_commit(lambda: profile.photo.storage.delete(old))
    audit.record(actor, "registration.profile.photo_set", target=profile,
                 data={"sha256": checked.sha256, "size": checked.size})
    return profile


@transaction.atomic
def certificate_add(*, actor: User, occupation: Occupation, level: Level, number: str,
                    issued_on: dt.date) -> PriorCertificate:
    profile = profile_of(actor)
    number = (number or "").strip()
    if issued_on > dt.date.today():
        raise ValidationError({"issued_on": _("发证日期不能晚于今天。")})
    if not number:
        raise ValidationError({"number": _("请填写证书编号。")})
    if profile.certificates.filter(number=number).exists():
        raise ValidationError({"number": _("该证书已添加。")})
    cert = PriorCertificate.objects.create(profile=profile, occupation=occupation, level=level, number=number,
                                           issued_on=issued_on)
    audit.record(actor, "registration.profile.certificate_added", target=profile, data={
        "occupation": occupation.code, "level": level.number, "number": number, "issued_on": issued_on})
    return cert


@transaction.atomic
def certificate_delete(*, actor: User, certificate_id: int) -> None:
    cert = PriorCertificate.objects.select_related("profile", "occupation", "level").filter(
        pk=certificate_id, profile__user=actor).first()
    if cert is None:
        raise PermissionDenied
    audit.record(actor, "registration.profile.certificate_deleted", target=cert.profile, data={
        "occupation": cert.occupation.code, "level": cert.level.number, "number": cert.number})
    cert.delete()


# --- 更正身份信息 (§8.2.4.1 证书信息错误补发) ---------------------------------------------------------------------

def identity_changes(*, application_id: int, full_name: str = "", id_type: str = "",
                     id_number: str = "") -> dict[str, dict[str, str]]:
    """The corrections asked for a candidate's identity data, as ``{field: {"old", "new"}}`` against what the
    application (the source of the certificate's content) holds: each given value cleaned by the validators of
    sign-up and import (``clean_full_name``, ``clean_id``), kept only when it differs. A blank value means "no
    change". Refuses, naming the field, a bad value or an ID number that belongs to another account."""
    from .models import Application

    app = Application.objects.select_related("candidate").get(pk=application_id)
    changes: dict[str, dict[str, str]] = {}
    if str(full_name or "").strip():
        name = clean_full_name(full_name)
        if name != app.full_name:
            changes["full_name"] = {"old": app.full_name, "new": name}
    if id_type or str(id_number or "").strip():
        new_type = id_type or app.id_type
        number = clean_id(new_type, id_number or app.id_number)
        if new_type != app.id_type:
            changes["id_type"] = {"old": app.id_type, "new": new_type}
        if number != app.id_number:
            changes["id_number"] = {"old": app.id_number, "new": number}
        if (set(changes) & {"id_type", "id_number"}) and User.objects.filter(
                id_type=new_type, id_number=number).exclude(pk=app.candidate_id).exists():
            raise ValidationError({"id_number": _("该证件号码已属于另一个账户，不能更正为此号码，请核实。")})
    return changes


@transaction.atomic
def identity_correct(*, actor: User, user_id: int, application_id: int, reason: str, evidence: str,
                     full_name: str = "", id_type: str = "", id_number: str = "", photo=None) -> User:
    """The office corrects a candidate's identity data found wrong (§8.2.4.1: 证书信息错误 — name, ID type and
    number, the photo), with the reason and the evidence: the account, every application of the candidate (the
    snapshots the certificates are printed from) and, given ``photo``, the profile photo. Called when a second
    person approves a certificate reissue for wrong information; audited with before and after. Nobody corrects
    their own record. Nothing is written unless every value passes."""

    from .models import Application

    user = User.objects.select_for_update().get(pk=user_id)
    app = Application.objects.select_for_update(of=("self",)).select_related("announcement").get(pk=application_id)
    if app.candidate_id != user.pk:
        raise ValidationError({"application_id": _("该报名不属于此考生。")})
    if not registration_rules.reviews_applications(actor, app.announcement.body_id):
        raise PermissionDenied(_("只有考生报名机构的考务人员或机构管理员可以更正考生身份信息。"))
    if actor.pk == user.pk:
        raise PermissionDenied(_("不能更正本人的身份信息。"))
    if not str(reason or "").strip():
        raise ValidationError({"reason": _("请写明更正原因。")})
    if not str(evidence or "").strip():
        raise ValidationError({"evidence": _("更正身份信息须有证明材料。")})
    changes = identity_changes(application_id=app.pk, full_name=full_name, id_type=id_type, id_number=id_number)
    checked = check_photo(photo) if photo is not None else None
    if not changes and checked is None:
        raise ValidationError({"full_name": _("没有需要更正的信息：姓名、证件类型、证件号码和证件照均与原记录相同。")})
    new = {f: c["new"] for f, c in changes.items()}
    old_username = candidate_username(user.id_type, user.id_number)
    for name, value in new.items():
        setattr(user, name, value)
    if user.username == old_username and (set(new) & {"id_type", "id_number"}):
        username = candidate_username(user.id_type, user.id_number)
        if User.objects.filter(username=username).exclude(pk=user.pk).exists():
            raise ValidationError({"id_number": _("该证件号码已属于另一个账户，不能更正为此号码，请核实。")})
        user.username = username
    user.save(update_fields=[*new, "username"])
    apps = list(Application.objects.select_for_update().filter(candidate=user).order_by("pk"))
    for a in apps:
        for name, value in new.items():
            setattr(a, name, value)
        if new:
            a.save(update_fields=[*new, "updated_at"])
    photo_sha = None
    if checked is not None:
        profile = CandidateProfile.objects.select_for_update().get(pk=profile_of(user).pk)
        old = profile.photo.name if profile.photo else ""
        profile.photo.save(checked.content.name, checked.content, save=False)
        profile.photo_sha256 = photo_sha = checked.sha256
        profile.save(update_fields=["photo", "photo_sha256", "updated_at"])
        if old:
            transaction.on_commit(lambda: profile.photo.storage.delete(old))

    def shown(field: str, value: str) -> str:
        return f"…{value[-4:]}" if field == "id_number" else value

    audit.record(actor, "registration.candidate.identity_corrected", target=app, data={
        "candidate": user.pk, "applications": [a.pk for a in apps], "reason": str(reason).strip()[:500],
        "evidence": str(evidence).strip()[:500], "photo_sha256": photo_sha,
        "changes": {f: {"old": shown(f, c["old"]), "new": shown(f, c["new"])} for f, c in changes.items()}})
    return user
