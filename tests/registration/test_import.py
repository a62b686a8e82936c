"""Bulk registration from Excel (§6.1.4, §6.1.5): every row validated, all or nothing, error report."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from skillcert.accounts.models import User
from skillcert.core.excel import error_report_bytes
from skillcert.core.models import AuditEntry
from skillcert.registration import candidates
from skillcert.registration.enums import ApplicationSource, ApplicationStatus
from skillcert.registration.imports import HEADERS, import_applications, template_bytes
from skillcert.registration.models import Application, ImportBatch
from tests.factories import PASSWORD, build_registration, make_candidate, resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(world):
    return build_registration(world)


def row(n, **over):
    values = {"姓名*": f"员工{n}", "证件类型*": "居民身份证", "证件号码*": resident_id(n), "手机号*": f"137{n:08d}",
              "电子邮箱": "", "报考工种*": "碳排放监测员", "报考等级*": "中级工（四级）", "学历*": "大专",
              "工作单位*": "青岛某热电有限公司", "从事本职业年限*": 3, "已有本职业证书等级": None, "已有证书编号": None,
              "已有证书发证日期": None, "已签署承诺书*": "是"}
    values.update(over)
    return [values[h] for h in HEADERS]


def xlsx(rows, header=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(reg, rows, **kw):
    return import_applications(actor=reg.officer, announcement_id=reg.announcement.pk, data=xlsx(rows, **kw),
                               file_name="名单.xlsx")


def test_a_clean_file_imports_accounts_profiles_and_applications(reg):
    rows = [row(i) for i in range(1, 21)]
    rows[3] = row(4, **{"报考等级*": "三级", "已有本职业证书等级": "四级", "已有证书编号": "S20874000000000012345",
                       "已有证书发证日期": "2019-06-30"})
    result = run(reg, rows)
    assert result.ok and result.rows == 20
    apps = Application.objects.filter(import_batch=result.batch)
    assert apps.count() == 20 and set(apps.values_list("status", flat=True)) == {ApplicationStatus.SUBMITTED}
    assert set(apps.values_list("source", flat=True)) == {ApplicationSource.IMPORT}
    senior = apps.get(id_number=resident_id(4))
    assert senior.eligible and "四级/中级工或以上证书满4年：满足" in senior.explanation
    assert senior.fee_due_fen == 60000
    assert User.objects.filter(id_number=resident_id(1)).get().candidate_profile.employer == "青岛某热电有限公司"
    assert AuditEntry.objects.filter(action="registration.import.completed", target_id=str(result.batch.pk)).exists()


def test_one_bad_row_among_a_thousand_writes_nothing(reg):
    rows = [row(i) for i in range(1, 1001)]
    rows[736] = row(737, **{"证件号码*": resident_id(737)[:-1] + ("0" if resident_id(737)[-1] != "0" else "1")})
    users_before = User.objects.count()
    result = run(reg, rows)
    assert not result.ok and result.batch is None
    assert [(e.row, e.column) for e in result.errors] == [(738, "C（证件号码）")]
    assert "校验位不正确" in result.errors[0].message
    assert User.objects.count() == users_before
    assert not Application.objects.exists() and not ImportBatch.objects.exists()
    assert AuditEntry.objects.filter(action="registration.import.refused").exists()


def test_every_kind_of_bad_row_is_reported_with_row_column_and_a_chinese_message(reg):
    existing = make_candidate(500)  # already applied through the portal
    from skillcert.registration.applications import application_submit
    from tests.factories import submission

    application_submit(actor=existing, announcement_id=reg.announcement.pk,
                       offer_id=reg.offers[("碳排放监测员", 4)].pk, submission=submission(existing))
    rows = [
        row(1, **{"姓名*": ""}),
        row(2, **{"报考工种*": "碳排放交易员"}),  # not offered by this announcement
        row(3, **{"学历*": "小学"}),
        row(4, **{"从事本职业年限*": "很多"}),
        row(5), row(5, **{"手机号*": "13700000099"}),  # duplicate ID inside the file
        row(6, **{"手机号*": "12345"}),
        row(7, **{"已签署承诺书*": "否"}),
        row(8, **{"报考等级*": "高级工（三级）", "学历*": "高中、中专或技工学校", "从事本职业年限*": 1}),  # ineligible
        row(500, **{"姓名*": "考生500", "手机号*": "13900000500"}),  # already applied
        row(9, **{"证件类型*": "军官证"}),
    ]
    result = run(reg, rows)
    assert not result.ok
    found = {(e.row, e.column.split("（")[0]) for e in result.errors}
    assert found >= {(2, "A"), (3, "F"), (4, "H"), (5, "J"), (7, "C"), (8, "D"), (9, "N"), (10, "G"), (11, "C"),
                     (12, "B")}
    by_row = {e.row: e.message for e in result.errors}
    assert "不符合任何一项申报条件" in by_row[10]
    assert "与第6行的证件号码重复" in by_row[7]
    assert "已报名本公告" in by_row[11]
    assert not Application.objects.filter(source=ApplicationSource.IMPORT).exists()
    report = load_workbook(io.BytesIO(error_report_bytes(result.errors)), read_only=True)
    lines = list(report.active.iter_rows(values_only=True))
    assert lines[0] == ("行号", "列", "错误说明") and len(lines) == len(result.errors) + 1


def test_a_wrong_header_is_refused_before_any_row(reg):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        run(reg, [row(1)], header=["姓名", "身份证"])
    assert "表头" in exc.value.message_dict["file"][0]


def test_the_template_round_trips(reg):
    wb = load_workbook(io.BytesIO(template_bytes(reg.announcement)))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.data_validations.dataValidation, "drop-downs for the fixed choices"
    # The example row is recognised and refused, by row and column, with the other rows still checked.
    example = [c.value for c in ws[2]]
    result = run(reg, [example, row(1)])
    assert not result.ok and [(e.row, e.column) for e in result.errors] == [(2, "A（姓名）")]
    assert "示例行" in result.errors[0].message and not Application.objects.exists()
    # Its values otherwise pass every check: only the marker (its ID number or phone) makes it refused.
    real = [*example[:2], resident_id(77), "13700000077", *example[4:]]
    assert run(reg, [real]).ok


def test_the_import_runs_the_portal_s_validators_on_name_email_and_employer(reg):
    from django.core.exceptions import ValidationError

    rows = [row(1, **{"姓名*": "名" * 300}), row(2, **{"电子邮箱": "not-an-email"}),
            row(3, **{"工作单位*": "单" * 121}), row(4, **{"姓名*": "张\u202e三"}), row(5, **{"电子邮箱": "a@b.cn"})]
    result = run(reg, rows)
    assert not result.ok
    by_row = {e.row: (e.column, e.message) for e in result.errors}
    assert by_row[2] == ("A（姓名）", "姓名不能超过 60 个字符（现为 300 个）。")
    assert by_row[3][0] == "E（电子邮箱）" and "not-an-email" in by_row[3][1] and "格式不正确" in by_row[3][1]
    assert by_row[4][0] == "I（工作单位）" and "120" in by_row[4][1]
    assert by_row[5][0] == "A（姓名）" and "控制字符" in by_row[5][1]
    assert 6 not in by_row
    assert not User.objects.filter(id_number__in=[resident_id(n) for n in range(1, 6)]).exists()
    # The portal's sign-up refuses the same values with the same messages.
    for field, kwargs in [("full_name", {"full_name": "名" * 300}), ("email", {"email": "not-an-email"})]:
        with pytest.raises(ValidationError) as exc:
            candidates.candidate_signup(**{"full_name": "员工9", "id_type": "resident_id", "id_number": resident_id(9),
                                           "phone": "13700000009", "password": PASSWORD, **kwargs})
        assert exc.value.message_dict[field][0] == {"full_name": by_row[2][1], "email": by_row[3][1]}[field]


def test_an_upload_bomb_is_refused_fast_and_writes_nothing(reg):
    """4 million rows claimed by a sheet of a few KB, and a 6 MB string that compresses to a few KB."""
    import time

    from django.core.exceptions import ValidationError

    from tests.core.test_limits import _base_workbook, _cell, _zip

    def bomb(rows_xml: str) -> bytes:
        members = _base_workbook()
        head = "".join(_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADERS))
        members["xl/worksheets/sheet1.xml"] = (
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData><row r="1">{head}</row>{rows_xml}</sheetData></worksheet>').encode()
        return _zip(members)

    users, audits = User.objects.count(), AuditEntry.objects.count()
    for data, words in [(bomb(f'<row r="4000000">{_cell("A4000000", "张三")}</row>'), "20000"),
                        (bomb(f'<row r="2">{_cell("A2", "x" * 6_000_000)}</row>'), "压缩比")]:
        assert len(data) < 60_000
        started = time.monotonic()
        with pytest.raises(ValidationError) as exc:
            import_applications(actor=reg.officer, announcement_id=reg.announcement.pk, data=data, file_name="b.xlsx")
        assert time.monotonic() - started < 5
        assert words in exc.value.message_dict["file"][0]
    assert User.objects.count() == users and AuditEntry.objects.count() == audits
    assert not ImportBatch.objects.exists() and not Application.objects.exists()


def test_an_imported_candidate_claims_the_account_by_signing_up(reg):
    run(reg, [row(42)])
    user = candidates.candidate_signup(full_name="员工42", id_type="resident_id", id_number=resident_id(42),
                                       phone="13700000042", password=PASSWORD)
    assert user.check_password(PASSWORD)
    assert user.applications.count() == 1
    assert AuditEntry.objects.filter(action="registration.candidate.claimed").exists()


def test_a_stranger_cannot_claim_an_imported_account_with_another_phone(reg):
    from django.core.exceptions import ValidationError

    run(reg, [row(43)])
    with pytest.raises(ValidationError) as exc:
        candidates.candidate_signup(full_name="员工43", id_type="resident_id", id_number=resident_id(43),
                                    phone="13900000001", password=PASSWORD)
    assert exc.value.messages == [str(candidates.SIGNUP_REFUSED)]  # neutral (issue #20 item 6a)
