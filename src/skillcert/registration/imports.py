"""Bulk registration from Excel (§6.1.4, §6.1.5): an employer's list of candidates for one
announcement, validated row by row and imported all or nothing.

Every row is checked — required fields, the ID number (GB 11643), phone, trade and level
offered by the announcement, duplicates inside the file and against existing accounts and
applications, integrity bars (§6.8.2) and the eligibility rules — before anything is written.
On any error nothing is written and the caller gets every error as (row, column, message).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from skillcert.accounts.enums import IdType, Role
from skillcert.accounts.models import RoleAssignment, User
from skillcert.catalog.models import Level
from skillcert.core import audit, limits
from skillcert.core.bulk import insert_rows
from skillcert.core.excel import RowError, cell_text, read_rows
from skillcert.integrity.models import IntegrityBar

from . import eligibility
from . import rules as registration_rules
from .candidates import candidate_username, clean_email, clean_employer, clean_full_name, clean_id, clean_phone
from .enums import LIVE_STATUSES, AnnouncementStatus, ApplicationSource, Education
from .idnumbers import normalise as normalise_id
from .models import Announcement, Application, CandidateProfile, ImportBatch, PriorCertificate
from .services import effective_rule_set

# Column headers; * marks a required column. The order is the template's order.
COLUMNS = [
    ("full_name", "姓名*"), ("id_type", "证件类型*"), ("id_number", "证件号码*"), ("phone", "手机号*"),
    ("email", "电子邮箱"), ("trade", "报考工种*"), ("level", "报考等级*"), ("education", "学历*"),
    ("employer", "工作单位*"), ("years", "从事本职业年限*"), ("cert_level", "已有本职业证书等级"),
    ("cert_number", "已有证书编号"), ("cert_date", "已有证书发证日期"), ("declared", "已签署承诺书*"),
]
HEADERS = [h for _k, h in COLUMNS]
COLUMN_LETTER = {key: chr(ord("A") + i) for i, (key, _h) in enumerate(COLUMNS)}
MAX_ROWS = 20000
YES = {"是", "Y", "YES", "TRUE", "1", "√"}
# The template's example row (row 2): recognised and refused if it is left in the list.
EXAMPLE_NAME, EXAMPLE_ID, EXAMPLE_PHONE = "张三", "110105199003072346", "13800000000"
EXAMPLE_EMPLOYER = "某某能源有限公司"
CHUNK = 900  # stays under SQLite's bound-parameter limit
BATCH = 1000


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.batch is not None


@dataclass
class _Row:
    number: int
    full_name: str
    id_type: str
    id_number: str
    phone: str
    email: str
    offer: object
    education: int
    employer: str
    years: Decimal
    cert: tuple[Level, str, dt.date] | None


# --- Template and error report --------------------------------------------------------------

def template_bytes(announcement: Announcement) -> bytes:
    """The Excel template for this announcement, with drop-downs for the fixed choices."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("报名名单")
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, _h in enumerate(HEADERS):
        ws.column_dimensions[chr(ord("A") + i)].width = 16
    ws.column_dimensions["C"].width = 22
    offers = list(announcement.offers.select_related("trade", "level"))
    trades = sorted({o.trade.name for o in offers if o.trade})
    levels = sorted({o.level for o in offers}, key=lambda lv: -lv.number)
    example_offer = offers[0] if offers else None
    ws.append([EXAMPLE_NAME, str(IdType.RESIDENT_ID.label), EXAMPLE_ID, EXAMPLE_PHONE, "",
               example_offer.trade.name if example_offer and example_offer.trade else "",
               str(example_offer.level) if example_offer else "", str(Education.BACHELOR.label),
               EXAMPLE_EMPLOYER, 3, "", "", "", "是"])
    lists = wb.create_sheet(_("选项"))
    choices = {
        "B": [str(label) for label in IdType.labels], "F": trades or [""],
        "G": [str(lv) for lv in levels], "H": [str(label) for label in Education.labels],
        "K": [str(lv) for lv in Level.objects.order_by("-number")], "N": ["是", "否"],
    }
    for col_index, (letter, values) in enumerate(choices.items(), start=1):
        column = chr(ord("A") + col_index - 1)
        for r, value in enumerate(values, start=1):
            lists.cell(row=r, column=col_index, value=value)
        dv = DataValidation(type="list", formula1=f"='{lists.title}'!${column}$1:${column}${len(values)}",
                            allow_blank=True)
        dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        ws.add_data_validation(dv)
    notes = wb.create_sheet(_("填写说明"))
    for line in [
        _("每行一名考生；第2行是示例，导入前请删除。带 * 的列必须填写。"),
        _("证件号码：居民身份证18位，系统按 GB 11643 校验；最后一位 X 大小写均可。"),
        _("报考工种、报考等级：须为本公告提供的工种和等级。"),
        _("已有证书：申报高级别时填写本职业已取得的证书等级、编号和发证日期（YYYY-MM-DD）。"),
        _("已签署承诺书：考生本人已签署 §4.1 基本要求承诺书的填“是”，纸质承诺书由单位留存备查。"),
        _("文件中任何一行有错误时，整份名单都不会导入；请按错误报告修改后重新上传。"),
    ]:
        notes.append([line])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _read_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    return read_rows(data, HEADERS, max_rows=MAX_ROWS)


class _Validator:
    def __init__(self, announcement: Announcement):
        self.ann = announcement
        self.errors: list[RowError] = []
        offers = list(announcement.offers.select_related("occupation", "trade", "level"))
        self.offers = {((o.trade.name if o.trade else ""), o.level.number): o for o in offers}
        self.level_by_text = {}
        for lv in Level.objects.all():
            for text in (lv.name, lv.grade_name, str(lv), str(lv.number), f"{lv.grade_name}/{lv.name}"):
                self.level_by_text[text] = lv
        self.id_types = {str(label): value for value, label in IdType.choices}
        self.educations = {str(label): value for value, label in Education.choices}
        self.rule_sets = {}
        for o in offers:
            self.rule_sets[o.pk], _origin = effective_rule_set(announcement.body_id, o.occupation, o.level,
                                                               announcement.pk)

    def error(self, row: int, key: str, message: str) -> None:
        label = dict(COLUMNS)[key].rstrip("*")
        self.errors.append(RowError(row, f"{COLUMN_LETTER[key]}（{label}）", message))

    def _clean(self, number: int, key: str, validator, value: str) -> str:
        try:
            return validator(value, field=key)
        except ValidationError as exc:
            self.error(number, key, " ".join(exc.messages))
            return ""

    def row(self, number: int, values: tuple) -> _Row | None:
        v = dict(zip((k for k, _h in COLUMNS), values, strict=True))
        before = len(self.errors)
        if normalise_id(cell_text(v["id_number"])) == EXAMPLE_ID or cell_text(v["phone"]) == EXAMPLE_PHONE:
            self.error(number, "full_name", _("这是模板中的示例行（%(n)s，%(id)s），不是考生；请删除后再导入。") % {
                "n": EXAMPLE_NAME, "id": EXAMPLE_ID})
            return None
        # The same validators as the portal's sign-up and profile (registration.candidates).
        full_name = self._clean(number, "full_name", clean_full_name, cell_text(v["full_name"]))
        id_type = self.id_types.get(cell_text(v["id_type"]))
        id_number = ""
        if id_type is None:
            self.error(number, "id_type", _("证件类型“%(v)s”无效，请从下拉列表选择。") % {"v": cell_text(v["id_type"])})
        else:
            try:
                id_number = clean_id(id_type, cell_text(v["id_number"]))
            except ValidationError as exc:
                self.error(number, "id_number", " ".join(exc.messages))
        phone = ""
        try:
            phone = clean_phone(cell_text(v["phone"]))
        except ValidationError as exc:
            self.error(number, "phone", " ".join(exc.messages))
        level = self.level_by_text.get(cell_text(v["level"]))
        trade = cell_text(v["trade"])
        offer = self.offers.get((trade, level.number)) if level else None
        if level is None:
            self.error(number, "level", _("等级“%(v)s”无效。") % {"v": cell_text(v["level"])})
        elif offer is None:
            self.error(number, "trade", _("本公告不提供“%(t)s / %(l)s”的认定。") % {
                "t": trade or _("（未填工种）"), "l": str(level)})
        education = self.educations.get(cell_text(v["education"]))
        if education is None:
            self.error(number, "education", _("学历“%(v)s”无效，请从下拉列表选择。") % {"v": cell_text(v["education"])})
        employer = self._clean(number, "employer", clean_employer, cell_text(v["employer"]))
        years = Decimal(0)
        try:
            years = Decimal(cell_text(v["years"]) or "x")
            if not 0 <= years <= 60:
                raise InvalidOperation
        except InvalidOperation:
            self.error(number, "years", _("从事本职业年限应为0至60之间的数字。"))
        cert = self._certificate(number, v)
        if cell_text(v["declared"]).upper() not in YES:
            self.error(number, "declared", _("考生须签署 §4.1 基本要求承诺书后方可报名（填“是”）。"))
        email = self._clean(number, "email", clean_email, cell_text(v["email"]))
        if len(self.errors) > before:
            return None
        return _Row(number, full_name, id_type, id_number, phone, email, offer, education, employer,
                    years.quantize(Decimal("0.1")), cert)

    def _certificate(self, number: int, v: dict) -> tuple[Level, str, dt.date] | None:
        given = [cell_text(v["cert_level"]), cell_text(v["cert_number"]), v["cert_date"]]
        if not any(given[:2]) and given[2] in (None, ""):
            return None
        level = self.level_by_text.get(given[0])
        if level is None:
            self.error(number, "cert_level", _("已有证书等级“%(v)s”无效。") % {"v": given[0]})
        if not given[1]:
            self.error(number, "cert_number", _("填写已有证书时，证书编号不能为空。"))
        issued = given[2]
        if isinstance(issued, dt.datetime):
            issued = issued.date()
        elif not isinstance(issued, dt.date):
            try:
                issued = dt.date.fromisoformat(cell_text(issued))
            except ValueError:
                self.error(number, "cert_date", _("发证日期应为 YYYY-MM-DD 格式的日期。"))
                return None
        if issued > timezone.localdate():
            self.error(number, "cert_date", _("发证日期不能晚于今天。"))
            return None
        return (level, given[1], issued) if level and given[1] else None


def _check_against_database(validator: _Validator, rows: list[_Row]) -> dict[str, User]:
    """Duplicates in the file, clashes with existing accounts and applications, integrity bars."""
    seen_id: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    for r in rows:
        if r.id_number in seen_id:
            validator.error(r.number, "id_number", _("与第%(n)d行的证件号码重复。") % {"n": seen_id[r.id_number]})
        seen_id.setdefault(r.id_number, r.number)
        if r.phone in seen_phone:
            validator.error(r.number, "phone", _("与第%(n)d行的手机号重复。") % {"n": seen_phone[r.phone]})
        seen_phone.setdefault(r.phone, r.number)
    numbers, phones = list(seen_id), list(seen_phone)
    users: dict[str, User] = {}
    by_phone: dict[str, str] = {}
    for i in range(0, max(len(numbers), len(phones)), CHUNK):
        for u in User.objects.filter(Q(id_number__in=numbers[i:i + CHUNK]) | Q(phone__in=phones[i:i + CHUNK])).only(
                "pk", "id_number", "phone", "full_name", "id_type", "username"):
            if u.id_number:
                users[u.id_number] = u
            if u.phone:
                by_phone[u.phone] = u.id_number
    live: set[int] = set()
    barred: dict[tuple[str, str], IntegrityBar] = {}
    today = timezone.localdate()
    for i in range(0, len(numbers), CHUNK):
        chunk = numbers[i:i + CHUNK]
        live.update(Application.objects.filter(announcement=validator.ann, status__in=LIVE_STATUSES,
                                               candidate__id_number__in=chunk).values_list("candidate_id", flat=True))
        bars = IntegrityBar.objects.filter(id_number__in=chunk, lifted_at__isnull=True, starts_on__lte=today)
        for bar in bars.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)):
            barred[(bar.id_type, bar.id_number)] = bar
    for r in rows:
        existing = users.get(r.id_number)
        if existing is not None and existing.full_name != r.full_name:
            validator.error(r.number, "full_name", _("该证件号码已注册，姓名为“%(n)s”，与本行不一致。") % {
                "n": existing.full_name})
        if existing is not None and existing.pk in live:
            validator.error(r.number, "id_number", _("该考生已报名本公告，不能重复报名。"))
        owner = by_phone.get(r.phone)
        if owner is not None and owner != r.id_number:
            validator.error(r.number, "phone", _("该手机号已被其他账户使用。"))
        bar = barred.get((r.id_type, r.id_number))
        if bar is not None:
            validator.error(r.number, "id_number", _("根据诚信档案（%(reason)s），该考生目前不能报名（§6.8.2）。") % {
                "reason": bar.get_reason_display()})
    return users


def _judge(validator: _Validator, r: _Row, today: dt.date) -> tuple[bool, str]:
    rule_set = validator.rule_sets[r.offer.pk]
    if rule_set is None:
        return False, _("本机构尚未设置该职业、等级的申报条件，须由审核人员人工审核。")
    certs = [eligibility.PriorCertificate(r.offer.occupation.code, r.cert[0].number, r.cert[2], r.cert[1])] \
        if r.cert else []
    verdict = eligibility.evaluate(rule_set, eligibility.Facts(
        occupation_code=r.offer.occupation.code, applied_on=today, education=Education(r.education),
        years_in_occupation=float(r.years), certificates=certs))
    return verdict.eligible, verdict.explanation()


# --- The import ------------------------------------------------------------------------------

def import_applications(*, actor: User, announcement_id: int, data: bytes, file_name: str) -> ImportResult:
    """Validate every row; if all are good, create the accounts and applications in one transaction."""
    ann = Announcement.objects.select_related("body").get(pk=announcement_id)
    if not registration_rules.reviews_applications(actor, ann.body_id):
        raise PermissionDenied(_("您无权为该公告导入报名。"))
    if ann.status != AnnouncementStatus.PUBLISHED:
        raise ValidationError({"file": _("只有已发布、正在报名的公告可以导入报名名单。")})
    limits.check_size(data, settings.SKILLCERT_IMPORT_MAX_BYTES, label=_("报名名单"))
    validator = _Validator(ann)
    rows: list[_Row] = []
    count = 0
    for number, values in _read_rows(data):
        count += 1
        if count > MAX_ROWS:
            raise ValidationError({"file": _("一次最多导入 %(n)d 行，请拆分文件。") % {"n": MAX_ROWS}})
        row = validator.row(number, values)
        if row is not None:
            rows.append(row)
    if count == 0:
        raise ValidationError({"file": _("文件中没有考生数据。")})
    users = _check_against_database(validator, rows)
    today = timezone.localdate()
    verdicts, seen = {}, {}
    for r in rows:
        key = (r.offer.pk, r.education, r.years, r.cert[0].number if r.cert else None, r.cert[2] if r.cert else None)
        if key not in seen:  # employers' lists repeat the same facts; judge each combination once
            seen[key] = _judge(validator, r, today)
        eligible, explanation = seen[key]
        if not eligible:
            validator.error(r.number, "level", explanation.replace("\n", " "))
        verdicts[r.number] = (eligible, explanation)
    result = ImportResult(rows=count, errors=sorted(validator.errors, key=lambda e: (e.row, e.column)))
    if result.errors:
        audit.record(actor, "registration.import.refused", target=ann, outcome="failed", data={
            "file": file_name[:200], "rows": count, "errors": len(result.errors),
            "sha256": hashlib.sha256(data).hexdigest()})
        return result
    result.batch = _write(actor, ann, rows, users, verdicts, data, file_name)
    return result


@transaction.atomic
def _write(actor: User, ann: Announcement, rows: list[_Row], users: dict[str, User], verdicts: dict,
           data: bytes, file_name: str) -> ImportBatch:
    Announcement.objects.select_for_update().filter(pk=ann.pk).first()  # serialise imports into one announcement
    now = timezone.now()
    batch = ImportBatch.objects.create(announcement=ann, file_name=file_name[:200], row_count=len(rows),
                                       sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor)
    declared, signature = {"paper_declaration": now.isoformat()}, _("（单位留存纸质承诺书）")
    unusable = make_password(None)
    new_rows = [r for r in rows if r.id_number not in users]
    new_users = [User(username=candidate_username(r.id_type, r.id_number), full_name=r.full_name, id_type=r.id_type,
                      id_number=r.id_number, phone=r.phone, email=r.email, password=unusable, date_joined=now)
                 for r in new_rows]
    User.objects.bulk_create(new_users, batch_size=BATCH)
    if new_users and new_users[0].pk is None:  # a backend that does not return keys from bulk inserts
        numbers = [u.id_number for u in new_users]
        for i in range(0, len(numbers), CHUNK):
            for u in User.objects.filter(id_number__in=numbers[i:i + CHUNK]).only("pk", "id_number"):
                users[u.id_number] = u
    else:
        users.update({u.id_number: u for u in new_users})
    insert_rows(RoleAssignment, [RoleAssignment(user_id=users[r.id_number].pk, role=Role.CANDIDATE, valid_from=now)
                                 for r in new_rows])
    # New accounts get their profile from the row; an existing candidate's own profile is left as they keep it.
    profiles = [CandidateProfile(user_id=users[r.id_number].pk, education=r.education, employer=r.employer,
                                 years_in_occupation=r.years) for r in new_rows]
    CandidateProfile.objects.bulk_create(profiles, batch_size=BATCH)
    certs = [PriorCertificate(profile=p, occupation=r.offer.occupation, level=r.cert[0], number=r.cert[1],
                              issued_on=r.cert[2]) for r, p in zip(new_rows, profiles, strict=True) if r.cert]
    if certs and certs[0].profile.pk is None:
        by_user = _profiles(users, [r for r in new_rows if r.cert])
        for c in certs:
            c.profile_id = by_user[c.profile.user_id]
    PriorCertificate.objects.bulk_create(certs, batch_size=BATCH)
    apps = []
    for r in rows:
        eligible, explanation = verdicts[r.number]
        cert_facts = [{"occupation": r.offer.occupation.code, "level": r.cert[0].number, "number": r.cert[1],
                       "issued_on": r.cert[2].isoformat()}] if r.cert else []
        apps.append(Application(
            announcement=ann, offer=r.offer, candidate_id=users[r.id_number].pk, source=ApplicationSource.IMPORT,
            import_batch=batch, full_name=r.full_name, id_type=r.id_type, id_number=r.id_number, phone=r.phone,
            employer=r.employer, education=r.education, years_in_occupation=r.years, certificates=cert_facts,
            declarations=declared, signature=signature, eligible=eligible, explanation=explanation,
            fee_due_fen=r.offer.fee_fen, submitted_at=now))
    insert_rows(Application, apps)
    audit.record(actor, "registration.import.completed", target=batch, data={
        "announcement": ann.pk, "rows": len(rows), "new_accounts": len(new_rows), "sha256": batch.sha256,
        "file": batch.file_name})
    return batch


def _profiles(users: dict[str, User], rows: list[_Row]) -> dict[int, int]:
    ids = [users[r.id_number].pk for r in rows]
    found: dict[int, int] = {}
    for i in range(0, len(ids), CHUNK):
        found.update(CandidateProfile.objects.filter(user_id__in=ids[i:i + CHUNK]).values_list("user_id", "pk"))
    return found
