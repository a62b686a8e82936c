"""``manage.py seed_demo [--stage S] [--quiet]``: build the demo world (``skillcert.demo.stages``) and print how to
log in and what to try."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from skillcert.accounts.demo import DEMO_PASSWORD
from skillcert.demo import stages
from skillcert.demo.stages import STAGES


class Command(BaseCommand):
    help = "Load realistic demo data up to a stage (development only; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--stage", choices=STAGES, default=STAGES[-1],
                            help="build the demo world up to this stage (default: the latest)")
        parser.add_argument("--quiet", action="store_true", help="do not print the demo logins")

    def handle(self, *args, stage: str, quiet: bool, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo is refused in production mode (SKILLCERT_DEBUG=0).")
        # The demo's notification mails run as inline tasks; their per-task success lines would bury the logins.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        world = stages.build(stage)
        seeded, announcement, batch, bank = world.seeded, world.announcement, world.batch, world.bank
        papers, sittings, graded, certified = world.papers, world.sittings, world.graded, world.certified
        if quiet:
            return
        w = self.stdout.write
        site = settings.SKILLCERT_SITE_URL
        w(self.style.SUCCESS(f"Demo data ready (stage: {stage})."))
        w("")
        w(f"  Open {site}/  — staff login: {site}/accounts/login/")
        w(f"  Every demo user's password:  {DEMO_PASSWORD}")
        w("  Users marked * need a TOTP code: add the secret to an authenticator app, or run")
        w("      make totp USER=<username>      (prints the current 6-digit code)")
        w("")
        for s in seeded:
            mark = "*" if s.totp_secret else " "
            line = f"  {mark} {s.username:<26} {s.role_label}（{s.full_name}）"
            if s.totp_secret:
                line += f"  TOTP secret: {s.totp_secret}"
            w(line)
        w("")
        if announcement is not None:
            counts = announcement.applications.values_list("status").annotate(n=Count("id")).order_by()
            w(f"  Registration: \"{announcement.title}\"")
            w("    applications: " + ", ".join(f"{status} {n}" for status, n in counts))
            w(f"    candidate portal: {site}/portal/login/  — demo_candidate logs in with ID number")
            w("    370212199205173417 (or phone 18600000001) and the password above; exam affairs officer: "
              "demo_exam_affairs")
            w("")
        if batch is not None:
            w(f"  Scheduling: \"{batch.name}\" — {batch.sessions.count()} sessions, "
              f"{batch.tickets.filter(status='valid').count()} admission tickets issued")
            w("    console: 评价批次 (demo_exam_affairs); room sign-off: 我的考场验收 (demo_chief_examiner);")
            w("    demo_candidate downloads the ticket on the portal home page")
            w("")
        if bank is not None:
            w(f"  Item bank: \"{bank}\" — {bank.items.filter(status='active').count()} active items; "
              "the 高级 bank is short (red on the dashboard)")
            w("    console: 题库 (demo_bank_manager; demo_item_writer writes, demo_item_reviewer reviews — all need "
              "TOTP, see above)")
            w("")
        for paper in papers:
            w(f"  Paper {paper.code}: {paper.session} — {paper.get_status_display()}, {paper.forms.count()} forms")
        if papers:
            w("    console: 组卷与保密交接 (demo_bank_manager assembles, demo_bank_manager2 reviews, demo_bank_manager "
              "locks, seals, prints; "
              "demo_exam_affairs keeps the custody ledger; 待我确认的交接 for the people it names)")
            w("")
        for sitting in sittings:
            w(f"  Exam day: {sitting} — {sitting.get_state_display()}, room code {sitting.code}, "
              f"{sitting.attempts.count()} candidates")
            first = sitting.attempts.select_related("ticket", "application").order_by("assignment__seat__number")
            first = first.filter(status="not_arrived").first()
            if first is not None:
                w(f"    to try the player: check in ticket {first.ticket.number}, then log in at /exam/ with it, "
                  f"ID number {first.application.id_number} and room code {sitting.code}")
        if sittings:
            w("    console: 考场监考台 (demo_proctor runs 第02考场: check in, start; "
              "demo_chief_examiner sees every room)")
            w(f"    exam player: {site}/exam/ — ticket number + ID number (from the room's roster) "
              "+ room code")
            w("")
        if graded is not None:
            rows = graded.results.all()
            state = ("published" if certified else
                     "not yet published (the portal shows nothing until then)")
            w(f"  Graded: \"{graded.name}\" — {rows.count()} results confirmed by the chief, "
              f"{rows.filter(passed=True).count()} passed; {state}")
            w("    console: 评分与试题分析 (demo_exam_affairs: scoring run, item analysis, similarity screening, "
              "marking progress); 实操评分; 认定成绩 (compile, confirm, corrections)")
            w("    demo_examiner / demo_examiner_leader: 我的阅卷任务, 我的实操评分; "
              "demo_body_admin publishes on 认定成绩")
            w("")
        if certified is not None:
            certs = certified.certificates.order_by("number")
            first = certs.filter(status="valid").first()
            w(f"  Certified: {certs.count()} certificates issued for \"{certified.batch.name}\" (one reissued, "
              "one revoked) — console 证书核发 / 证书清单 (demo_exam_affairs, demo_body_admin)")
            if first is not None:
                w(f"    public check: {site}/verify/?number={first.number}&name={first.name}")
            w("")
