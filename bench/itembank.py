"""Item bank benchmark (issue #5).

search   filtered metadata search over 50,000 items (element prefix + type + difficulty range + status):
         the count and the first page of 50, as the search page runs them; p95 over 200 random filters.
         floor: the same two queries with no filter (count and the first 50 rows), measured in this run.
         Target: p95 ≤ 100 ms (on PostgreSQL: BENCH_DATABASE_URL=postgres://…/scratch).
preview  opening (AES-GCM) and rendering a 100-item paper preview, including its audit entry.
         floor: rendering the same page from already-opened content. Target ≤ 300 ms.
import   bulk import of 5,000 items from Excel (read, check every row, seal, write, audit).
         floor: openpyxl read-only parse of the same file. Target ≤ 4 × floor.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import time

import _django
from django.core.management import call_command
from django.db import connection

ITEMS = int(os.environ.get("BENCH_ITEMS", "50000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "5000"))
SEARCHES = 200


def world():
    from decimal import Decimal

    from skillcert.accounts.enums import Role
    from skillcert.accounts.models import RoleAssignment, User
    from skillcert.catalog.models import Level, Occupation
    from skillcert.itembank import blueprints, services
    from skillcert.itembank.demo import BLUEPRINT

    _admin, body = _django.admin_and_body()
    people = {}
    for role in (Role.BANK_MANAGER, Role.ITEM_WRITER, Role.ITEM_REVIEWER):
        people[role] = User.objects.create_user(f"bench_{role}", None, full_name=str(role))
        RoleAssignment.objects.create(user=people[role], role=role, organisation=body)
    occ = Occupation.objects.get(code="4-09-07-04")
    bank = services.bank_create(actor=people[Role.BANK_MANAGER], body=body, occupation=occ,
                                trade=occ.trades.get(name="碳排放核算员"), level=Level.objects.get(number=4))
    rows = [blueprints.NodeRow(c, n, blueprints.MODULE_WORDS.get(k, ""), Decimal(w) if w is not None else None, i, r)
            for r, (c, n, k, w, i) in enumerate(BLUEPRINT, start=2)]
    bp = blueprints.blueprint_create(actor=people[Role.BANK_MANAGER], bank_id=bank.pk, rows=rows)
    blueprints.blueprint_approve(actor=people[Role.BANK_MANAGER], blueprint_id=bp.pk)
    return bank, people


def fill(bank, writer) -> None:
    """ITEMS items in every status, written in chunks through the import writer."""
    from skillcert.itembank import exchange
    from skillcert.itembank.demo import generate
    from skillcert.itembank.enums import ItemStatus
    from skillcert.itembank.models import Item

    rng = random.Random(5)
    statuses = list(ItemStatus.values)
    made = 0
    while made < ITEMS:
        batch = generate(rng, min(4800, ITEMS - made), min(200, max(0, ITEMS - made - 4800)))
        exchange.write_items(actor=writer, bank_id=bank.pk, parsed=batch, source="bench")
        made += len(batch)
    ids = list(Item.objects.filter(bank=bank).values_list("pk", flat=True))
    for status in statuses:  # spread statuses so the status filter means something
        chunk = ids[statuses.index(status)::len(statuses)]
        for i in range(0, len(chunk), 900):
            Item.objects.filter(pk__in=chunk[i:i + 900]).update(status=status)


def search_bench(bank) -> tuple[float, float]:
    from skillcert.itembank import selectors
    from skillcert.itembank.demo import UNIT_WEIGHT
    from skillcert.itembank.enums import ItemStatus, ItemType

    rng = random.Random(7)
    units = list(UNIT_WEIGHT)
    timings = []
    for _ in range(SEARCHES):
        lo = rng.randint(1, 4)
        qs = selectors.item_search(bank, element=rng.choice(units), types=rng.sample(list(ItemType.values), 2),
                                   statuses=[rng.choice([ItemStatus.ACTIVE, ItemStatus.DRAFT, ItemStatus.APPROVED])],
                                   difficulty_min=lo, difficulty_max=lo + rng.randint(0, 2))
        start = time.perf_counter()
        qs.count()
        list(qs[:50])
        timings.append(time.perf_counter() - start)
    floors = []
    for _ in range(SEARCHES):
        qs = selectors.item_search(bank)
        start = time.perf_counter()
        qs.count()
        list(qs[:50])
        floors.append(time.perf_counter() - start)
    p95 = statistics.quantiles(timings, n=20)[18]
    return p95, statistics.quantiles(floors, n=20)[18]


def preview_bench(bank, manager) -> tuple[float, float]:
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from skillcert.console.itembank_views import render_preview

    from skillcert.itembank.enums import ItemStatus
    from skillcert.itembank.models import Item

    request = RequestFactory().get("/")
    request.user = manager
    qs = Item.objects.filter(bank=bank, status=ItemStatus.ACTIVE).order_by("code")
    render_preview(manager, bank, qs)  # warm the template cache and the key ring
    figures, floors = [], []
    for _ in range(10):
        start = time.perf_counter()
        context = render_preview(manager, bank, qs)
        html = render_to_string("console/itembank/preview.html", context, request=request)
        figures.append(time.perf_counter() - start)
        assert len(context["rows"]) == 100 and context["rows"][0]["c"]["stem"][:8] in html
        start = time.perf_counter()
        render_to_string("console/itembank/preview.html", context, request=request)
        floors.append(time.perf_counter() - start)
    return statistics.median(figures), statistics.median(floors)


def import_bench(bank, writer) -> tuple[float, float]:
    from openpyxl import Workbook, load_workbook

    from skillcert.itembank import exchange
    from skillcert.itembank.demo import generate

    rows = generate(random.Random(11), IMPORT_ROWS - 100, 100)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("试题")
    ws.append(exchange.HEADERS)
    for p in rows:
        c, m = p.content, p.meta
        options = (c.get("options") or []) + [""] * 6
        answer = {"T": "正确", "F": "错误"}.get(c["answer"], c["answer"]) if m["type"] == "judge" else c["answer"]
        ws.append([exchange.TYPE_WORD[m["type"]], c["stem"], *options[:6], answer, m["difficulty"], m["element_code"],
                   c.get("explanation", ""), c.get("rubric", ""), m["expected_seconds"], m["source"], m["enemy_group"],
                   c.get("time_minutes") or "", c.get("materials", ""),
                   "\n".join(f"{r['criterion']} | {r['points']} | {r['method']}" for r in c.get("scoring_sheet", []))])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    start = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sum(len(r) for r in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    floor = time.perf_counter() - start
    start = time.perf_counter()
    result = exchange.import_xlsx(actor=writer, bank_id=bank.pk, data=data, file_name="bench.xlsx")
    figure = time.perf_counter() - start
    assert result.ok and result.created == IMPORT_ROWS, result.errors[:5]
    return figure, floor


def main() -> int:
    from skillcert.accounts.enums import Role

    call_command("migrate", verbosity=0)
    bank, people = world()
    start = time.perf_counter()
    fill(bank, people[Role.ITEM_WRITER])
    filled = time.perf_counter() - start
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    p95, floor_p95 = search_bench(bank)
    preview, preview_floor = preview_bench(bank, people[Role.BANK_MANAGER])
    imported, parse_floor = import_bench(bank, people[Role.ITEM_WRITER])
    ok = [p95 <= 0.100, preview <= 0.300, imported <= 4 * parse_floor]
    print(f"search.p95     {p95 * 1000:8.1f} ms  floor {floor_p95 * 1000:8.1f} ms  ratio {p95 / floor_p95:5.2f}  "
          f"(target ≤ 100 ms) {'OK' if ok[0] else 'OVER'}")
    print(f"preview.100    {preview * 1000:8.1f} ms  floor {preview_floor * 1000:8.1f} ms  ratio "
          f"{preview / preview_floor:5.2f}  (target ≤ 300 ms) {'OK' if ok[1] else 'OVER'}")
    print(f"import.5k      {imported:8.2f} s   floor {parse_floor:8.2f} s   ratio {imported / parse_floor:5.2f}  "
          f"(target ≤ 4.0) {'OK' if ok[2] else 'OVER'}")
    print(f"({ITEMS} items written in {filled:.1f} s; database: {connection.vendor})")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
