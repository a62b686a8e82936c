"""Reads for the grading pages."""

from __future__ import annotations

from django.db.models import Avg, Count, Max, Min, Q, QuerySet
from django.http import Http404

from skillcert.papers.enums import PaperStatus
from skillcert.papers.models import Paper
from skillcert.scheduling.enums import SessionKind

from . import rules
from .models import MarkingTask, ScoringRun, ScriptStatus


def papers_to_grade(user) -> QuerySet[Paper]:
    """Released or used theory papers (computer-based or on paper) the user may score (rules.scores), newest
    session first — scoped in the query."""
    return (Paper.objects.filter(status__in=[PaperStatus.RELEASED, PaperStatus.USED],
                                 session__kind__in=[SessionKind.THEORY_COMPUTER, SessionKind.THEORY_PAPER])
            .filter(rules.scored_by_q(user, prefix="session__"))
            .select_related("session__batch__announcement", "bank").order_by("-session__starts_at", "code"))


def run_get_for_user(user, pk: int) -> ScoringRun:
    run = (ScoringRun.objects.select_related("session__batch__announcement", "paper", "started_by")
           .filter(pk=pk).first())
    if run is None or not rules.scores(user, run.session):
        raise Http404
    return run


def score_summary(run: ScoringRun) -> dict:
    return run.scores.aggregate(n=Count("pk"), mean=Avg("objective"), low=Min("objective"), high=Max("objective"))


def task_progress(tasks) -> list[dict]:
    rows = []
    for task in tasks:
        counts = task.scripts.aggregate(total=Count("pk"), final=Count("pk", filter=Q(status=ScriptStatus.FINAL)),
                                        third=Count("pk", filter=Q(status=ScriptStatus.THIRD)))
        rows.append({"task": task, **counts})
    return rows


def tasks_for_marker(user):
    return (MarkingTask.objects.filter(Q(markers=user) | Q(leader=user)).distinct()
            .select_related("paper__session__batch", "leader").order_by("-opened_at", "position"))


def task_get_for_marker(user, pk: int) -> MarkingTask:
    task = MarkingTask.objects.select_related("paper__session__batch", "run__session__batch__announcement",
                                              "leader").filter(pk=pk).first()
    if task is None or not rules.marks(user, task):
        raise Http404
    return task


def practical_rooms_to_grade(user) -> list[dict]:
    """Practical sessions with a released paper the user may organise: each room with its panels (one per trade's
    paper) and the papers still without a panel there."""
    from skillcert.scheduling.models import ExamSession

    from .models import PracticalPanel

    sessions = (ExamSession.objects.filter(kind=SessionKind.PRACTICAL,
                                           papers__status__in=[PaperStatus.RELEASED, PaperStatus.USED])
                .filter(rules.scored_by_q(user)).select_related("batch__announcement").distinct()
                .order_by("-starts_at"))
    rows = []
    for session in sessions:
        papers = list(session.papers.filter(status__in=[PaperStatus.RELEASED, PaperStatus.USED])
                      .select_related("bank__trade", "bank__level"))
        panels: dict[int, list] = {}
        for p in PracticalPanel.objects.filter(session=session).select_related("paper__bank"):
            panels.setdefault(p.room_id, []).append(p)
        rooms = []
        for room in session.rooms.all():
            formed = panels.get(room.pk, [])
            rooms.append((room, formed, [p for p in papers if p.pk not in {f.paper_id for f in formed}]))
        rows.append({"session": session, "rooms": rooms})
    return rows


def panel_get_for_user(user, pk: int):
    """The panel page: the office, the panel's leader and examiners, the named witnesses, and the session's staff
    who keep the room record (they see the record, not the scores)."""
    from .models import PracticalPanel

    panel = (PracticalPanel.objects.select_related("session__batch__announcement", "room", "paper", "leader")
             .filter(pk=pk).first())
    if panel is None:
        raise Http404
    if not (rules.records(user, panel) or panel.unseal_witnesses.filter(user=user).exists()):
        raise Http404
    return panel


def panels_for_examiner(user):
    """The panels the user scores in, and those of the practical sessions they staff (for the room record)."""
    from .models import PracticalPanel
    return (PracticalPanel.objects.filter(Q(examiners=user) | Q(session__staff__user=user,
                                                                session__staff__role__in=rules.recorders()))
            .distinct().select_related("session__batch", "room").order_by("-created_at"))


def review_rooms_to_grade(user) -> list[dict]:
    """Comprehensive review sessions (§6.5.1) the user may organise, each room with its panel (if formed)."""
    from skillcert.scheduling.models import ExamSession

    from .models import ReviewPanel

    rows = []
    for session in (ExamSession.objects.filter(kind=SessionKind.REVIEW).filter(rules.scored_by_q(user))
                    .select_related("batch__announcement").prefetch_related("rooms").order_by("-starts_at")):
        panels = {p.room_id: p for p in ReviewPanel.objects.filter(session=session)}
        rows.append({"session": session, "rooms": [(room, panels.get(room.pk)) for room in session.rooms.all()]})
    return rows


def review_panel_for_user(user, pk: int):
    """The review panel page: the body's office and the panel's examiners."""
    from .models import ReviewPanel

    panel = ReviewPanel.objects.select_related("session__batch__announcement", "room", "leader").filter(pk=pk).first()
    if panel is None or not (rules.scores(user, panel.session) or panel.examiners.filter(pk=user.pk).exists()):
        raise Http404
    return panel


def review_panels_for_examiner(user):
    from .models import ReviewPanel

    return (ReviewPanel.objects.filter(examiners=user).select_related("session__batch", "room")
            .order_by("-created_at"))


def staff_of_bodies(user, body_ids, *roles: str):
    """Active users holding one of ``roles`` in these bodies or their venues (examiners, leaders, witnesses),
    in one query — the same people ``rules.serves_body`` accepts."""
    from django.utils import timezone

    from skillcert.accounts import rules as accounts_rules
    from skillcert.accounts.models import RoleAssignment, User

    orgs = accounts_rules.subtree_ids(user, body_ids)
    holders = (RoleAssignment.objects.active(timezone.now()).filter(role__in=roles, organisation_id__in=orgs)
               .values("user_id"))
    return User.objects.filter(is_active=True, pk__in=holders).order_by("username")


def batches_with_results_for(user):
    """The batches whose results the user may see (§10.7): the bodies of their office roles, and the batches
    where they are chief examiner of a session."""
    from skillcert.accounts import rules as accounts_rules
    from skillcert.scheduling.enums import StaffRole
    from skillcert.scheduling.models import Batch

    bodies = accounts_rules.office_scope_ids(user)
    return (Batch.objects.filter(Q(announcement__body_id__in=bodies)
                                 | Q(sessions__staff__user=user, sessions__staff__role=StaffRole.CHIEF))
            .select_related("announcement").distinct().order_by("-pk"))
