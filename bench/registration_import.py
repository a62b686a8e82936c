"""Bulk registration import benchmark (issue #3): validate and import a 10,000-row Excel file.

figure  imports.import_applications(): read, validate every row (GB 11643 check, offers, duplicates
        in the file and against the database, integrity bars, eligibility rules) and write accounts,
        profiles and applications in one transaction.
floor   openpyxl read-only parse of the same file (every cell of every row), measured in this run.
memory  peak resident set size of this process (ru_maxrss), which includes Django and the floor.

Targets: total ≤ 4 × floor and peak memory ≤ 400 MB. Runs on a throw-away SQLite database unless
BENCH_DATABASE_URL names a scratch database.
"""

from __future__ import annotations

import io
import os
import resource
import time

import _django
from django.core.management import call_command
from django.db import connection

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))


def world():
    import datetime as dt

    from django.utils import timezone

    from skillcert.accounts import services as accounts
    from skillcert.accounts.enums import OrgKind, Role
    from skillcert.accounts.models import RoleAssignment, User
    from skillcert.catalog.models import Level, Occupation
    from skillcert.registration import services

    admin, body = _django.admin_and_body()
    venue = accounts.organisation_create(actor=admin, kind=OrgKind.VENUE, name="基准考点", region_code="370212",
                                         parent=body)
    occ = Occupation.objects.get(code="4-09-07-04")
    lv = {n: Level.objects.get(number=n) for n in (4, 3)}
    accounts.filed_scope_set(actor=admin, organisation_id=body.pk, rows=[(occ, None, lv[4]), (occ, None, lv[3])])
    officer = User.objects.create_user("bench_officer", None, full_name="考务")
    RoleAssignment.objects.create(user=officer, role=Role.EXAM_AFFAIRS, organisation=body)
    trades = list(occ.trades.all()[:2])
    now = timezone.now()
    ann = services.announcement_create(
        actor=officer, body=body, title="基准公告", eligibility="见标准", assessment_method="机考",
        registration_opens=now - dt.timedelta(days=1), registration_closes=now + dt.timedelta(days=10),
        offers=[services.Offer(occ, t, lv[n], 40000) for t in trades for n in (4, 3)], venues=[venue])
    services.announcement_transition(actor=officer, announcement_id=ann.pk, target="published")
    return officer, ann, trades


def workbook(trades) -> bytes:
    from openpyxl import Workbook

    from skillcert.registration.idnumbers import check_char
    from skillcert.registration.imports import HEADERS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("报名名单")
    ws.append(HEADERS)
    for n in range(ROWS):
        first17 = f"370212{1970 + n // 1000 % 30}{1 + n // 30000 % 12:02d}{1 + n // 1000 % 28:02d}{n % 1000:03d}"
        senior = n % 4 == 3
        ws.append([f"考生{n}", "居民身份证", first17 + check_char(first17), f"13{n:09d}", "",
                   trades[n % 2].name, "高级工（三级）" if senior else "中级工（四级）", "本科", "青岛某能源公司",
                   10 if senior else 3, None, None, None, "是"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def parse_floor(data: bytes) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = sum(len(row) for row in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return cells


def main() -> int:
    call_command("migrate", verbosity=0)
    from skillcert.registration.imports import import_applications
    from skillcert.registration.models import Application

    officer, ann, trades = world()
    data = workbook(trades)
    start = time.perf_counter()
    parse_floor(data)
    floor = time.perf_counter() - start
    start = time.perf_counter()
    result = import_applications(actor=officer, announcement_id=ann.pk, data=data, file_name="bench.xlsx")
    figure = time.perf_counter() - start
    assert result.ok, result.errors[:5]
    assert Application.objects.filter(announcement=ann).count() == ROWS
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = figure / floor
    ok_time, ok_mem = ratio <= 4.0, peak_mb <= 400
    print(f"import.10k     {figure:8.2f} s   floor {floor:8.2f} s   ratio {ratio:5.2f}  (target ≤ 4.0) "
          f"{'OK' if ok_time else 'OVER'}")
    print(f"import.memory  {peak_mb:8.1f} MB peak RSS   (target ≤ 400) {'OK' if ok_mem else 'OVER'}")
    print(f"({ROWS} rows, {len(data) / 1024:.0f} KB file; database: {connection.vendor})")
    return 0 if ok_time and ok_mem else 1


if __name__ == "__main__":
    raise SystemExit(main())
