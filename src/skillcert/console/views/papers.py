"""Console pages for papers (§6.3.2, §7.2.2.6, §10, A.2): the paper list, assembly with a plan, the
paper with its forms (metadata only — content is printed from the sealed documents), swaps, the
workflow actions, print outputs, and the custody ledger with confirmations and discrepancies.
Thin: rule, selector, service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from skillcert.accounts.enums import Role
from skillcert.accounts.models import Organisation, User
from skillcert.core.forms import ListQueryForm, form_refusal, run_service
from skillcert.itembank import rules as bank_rules
from skillcert.itembank import selectors as bank_selectors
from skillcert.itembank.models import Bank
from skillcert.papers import documents, plans, rules, selectors, services
from skillcert.papers.enums import PAPER_TRANSITIONS, DocKind, PaperStatus
from skillcert.papers.models import CustodyEvent, CustodyParty, Discrepancy, PaperItem

from ..common import download, flash_refusal, perform, staff_required
from ..forms import papers as forms

PDF = "application/pdf"
CONTENT_STATUSES = (PaperStatus.SEALED, PaperStatus.RELEASED, PaperStatus.USED, PaperStatus.ARCHIVED)


def _managed_bank(user, pk) -> Bank:
    bank = get_object_or_404(Bank.objects.select_related("body", "occupation", "trade", "level"), pk=pk)
    if not bank_rules.manages(user, bank):
        raise Http404
    return bank


@staff_required(rules.uses_papers)
def paper_list(request: HttpRequest) -> HttpResponse:
    papers = selectors.paper_list_for_user(request.user)
    status = ListQueryForm(request.GET).value("status")
    if status in PaperStatus.values:
        papers = papers.filter(status=status)
    banks = (Bank.objects.filter(bank_rules.bank_scope_q(request.user, roles=(Role.BANK_MANAGER,)))
             .select_related("occupation", "trade", "level"))
    return render(request, "console/papers/paper_list.html", {
        "papers": papers[:200], "banks": banks, "status": status, "statuses": PaperStatus.choices})


@staff_required(rules.uses_papers)
def paper_assemble(request: HttpRequest, bank_pk: int) -> HttpResponse:
    """组卷: pick the session, adjust the plan proposed from the blueprint, solve."""
    bank = _managed_bank(request.user, bank_pk)
    scope = forms.AssembleScopeForm(request.GET)
    if not scope.is_valid():
        raise Http404  # a paper or session that is not a number names nothing
    paper = None
    if scope.cleaned_data["paper"]:
        paper = selectors.paper_get_for_user(request.user, scope.cleaned_data["paper"])
        if paper.bank_id != bank.pk:
            raise Http404
    sessions = list(selectors.sessions_for_assembly(bank).filter(ends_at__gt=timezone.now())
                    .exclude(Q(papers__bank=bank) & ~Q(papers__pk=paper.pk if paper else 0)))
    session_id = paper.session_id if paper else (scope.cleaned_data["session"]
                                                 or (sessions[0].pk if sessions else None))
    session = next((s for s in sessions if s.pk == session_id), None)
    part = plans.part_for_session(session.kind) if session else "theory"
    plan = paper.plan if paper else plans.default_plan(bank_selectors.current_blueprint(bank), part)
    form = forms.PlanForm(request.POST or None, sessions=sessions,
                          initial=forms.PlanForm.initial_from(plan, session_id))
    if request.method == "POST" and form.is_valid():
        made = run_service(form, services.paper_assemble, actor=request.user, session_id=form.cleaned_data["session"],
                           bank_id=bank.pk, plan=form.cleaned_data["plan"], paper_id=paper.pk if paper else None)
        if made is not None:
            messages.success(request, _("组卷完成：%(s)s，最弱一卷区分度之和 %(o)s，用时 %(t)s 秒。") % {
                "s": made.get_solver_status_display(), "o": made.objective, "t": made.solve_seconds})
            return redirect("console:paper_detail", made.pk)
    return render(request, "console/papers/paper_assemble.html", {
        "bank": bank, "form": form, "paper": paper, "sessions": sessions, "part": part,
        "active": selectors.active_item_count(bank, part)})


@staff_required(rules.uses_papers)
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    paper = selectors.paper_get_for_user(request.user, pk)
    manages = rules.manages(request.user, paper)
    forms_ = list(paper.forms.prefetch_related("items__item", "items__version"))
    allowed = PAPER_TRANSITIONS.get(paper.status, set())
    return render(request, "console/papers/paper_detail.html", {
        "paper": paper, "forms": forms_, "manages": manages, "custodian": rules.keeps_custody(request.user, paper),
        "can_release": rules.may_release(request.user, paper), "allowed": allowed, "S": PaperStatus,
        "problems": services.paper_problems(paper) if manages and paper.status == PaperStatus.ASSEMBLED else [],
        "open_statuses": (PaperStatus.ASSEMBLED, PaperStatus.REVIEWED), "printable": paper.status in CONTENT_STATUSES,
        "discrepancies": selectors.open_discrepancies(paper)})


ACTIONS = {
    "review": (services.paper_review, gettext_lazy("试卷已审核。")),
    "lock": (services.paper_lock, gettext_lazy("试卷已锁定：题目版本与内容摘要已固定。")),
    "seal": (services.paper_seal, gettext_lazy("试卷已密封。")),
    "release": (services.paper_release, gettext_lazy("试卷已启封下发。")),
}


@staff_required(rules.uses_papers)
@require_POST
def paper_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    paper = selectors.paper_get_for_user(request.user, pk)
    if action in ACTIONS:
        service, success = ACTIONS[action]
        perform(request, service, str(success), actor=request.user, paper_id=paper.pk)
    elif action in (PaperStatus.USED, PaperStatus.ARCHIVED):
        perform(request, services.paper_transition, _("试卷状态已更新。"), actor=request.user, paper_id=paper.pk,
                target=action)
    else:
        raise Http404
    return redirect("console:paper_detail", paper.pk)


@staff_required(rules.uses_papers)
def paper_swap(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """换题: replacements that keep every plan row of the form, best discrimination first."""
    paper = selectors.paper_get_for_user(request.user, pk)
    if not rules.manages(request.user, paper):
        raise PermissionDenied
    pi = get_object_or_404(PaperItem.objects.select_related("item", "form"), pk=item_pk, form__paper=paper)
    if request.method == "POST":
        form = forms.SwapForm(request.POST)
        if not form.is_valid():
            flash_refusal(request, form_refusal(form))
        elif perform(request, services.paper_swap, _("已换题，试卷需重新审核。"), actor=request.user,
                     paper_id=paper.pk, paper_item_id=pi.pk, item_id=form.cleaned_data["item"]) is not None:
            return redirect("console:paper_detail", paper.pk)
    options = services.swap_options(paper, pi) if paper.status in (PaperStatus.ASSEMBLED, PaperStatus.REVIEWED) else []
    return render(request, "console/papers/paper_swap.html", {"paper": paper, "pi": pi, "options": options,
                                                              "difficulty": plans.item_difficulty})


PRINTS = {
    "paper": gettext_lazy("试卷"), "answer_sheet": gettext_lazy("答题卡"), "key": gettext_lazy("参考答案及评分标准"),
    "task": gettext_lazy("实操任务书"), "scoring": gettext_lazy("评分记录表"),
}


@staff_required(rules.uses_papers)
def paper_print(request: HttpRequest, pk: int, doc: str) -> HttpResponse:
    """Print outputs from the sealed documents, for the bank's managers; every opening is audited."""
    paper = selectors.paper_get_for_user(request.user, pk)
    if doc not in PRINTS:
        raise Http404
    if not rules.manages(request.user, paper):
        raise PermissionDenied
    if paper.status not in CONTENT_STATUSES:
        messages.error(request, _("试卷密封后才能印制。"))
        return redirect("console:paper_detail", paper.pk)
    wanted = forms.PrintForm(request.GET)
    if not wanted.is_valid():
        raise Http404
    number = wanted.cleaned_data["form"] or 1
    if not paper.forms.filter(number=number).exists():
        raise Http404
    by = request.user.full_name or request.user.username
    if doc == "key":
        data = services.open_document(actor=request.user, paper=paper, kind=DocKind.KEY, form_number=0,
                                      purpose="print key")
        pdf = documents.key_pdf(paper, data, by=by)
        return download(pdf, f"{paper.code}-key.pdf", PDF)
    data = services.open_document(actor=request.user, paper=paper, kind=DocKind.PAPER, form_number=number,
                                  purpose=f"print {doc}")
    if doc == "paper":
        copies = wanted.cleaned_data["copies"] or 1
        pdf = documents.paper_pdf(paper, data, copies=copies, by=by)
    elif doc == "answer_sheet":
        pdf = documents.answer_sheet_pdf(paper, data)
    else:
        pdf = documents.practical_pdf(paper, data, examiner=doc == "scoring", by=by)
    return download(pdf, f"{paper.code}-{number}-{doc}.pdf", PDF)


def _custody_people(paper):
    """Staff of the paper's body and its venues: who may be named in a custody step."""
    body_id = paper.bank.body_id
    org_ids = {body_id, *Organisation.objects.filter(parent_id=body_id).values_list("pk", flat=True)}
    return (User.objects.filter(role_assignments__organisation_id__in=org_ids,
                                role_assignments__revoked_at__isnull=True).distinct().order_by("full_name"))


@staff_required(rules.uses_papers)
def paper_custody(request: HttpRequest, pk: int) -> HttpResponse:
    """保密交接记录: the paper's whole ledger as one timeline, the form to record a step, discrepancies."""
    paper = selectors.paper_get_for_user(request.user, pk)
    custodian = rules.keeps_custody(request.user, paper)
    form = forms.CustodyForm(request.POST or None, rooms=paper.session.rooms.select_related("venue"),
                             people=_custody_people(paper), initial={"occurred_at": timezone.localtime()
                                                                     .strftime("%Y-%m-%dT%H:%M")})
    if request.method == "POST":
        if not custodian:
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            kind = data.pop("kind")
            event = run_service(form, services.custody_record, actor=request.user, paper_id=paper.pk, kind=kind,
                                data=data)
            if event is not None:
                if hasattr(event, "discrepancy"):
                    messages.warning(request, _("份数不符：应有 %(e)d 份，实有 %(a)d 份，已登记差异待处理。") % {
                        "e": event.discrepancy.expected, "a": event.discrepancy.actual})
                else:
                    messages.success(request, _("已登记，等待相关人员确认。"))
                return redirect("console:paper_custody", paper.pk)
    return render(request, "console/papers/paper_custody.html", {
        "paper": paper, "events": selectors.timeline(paper), "form": form, "custodian": custodian,
        "discrepancies": paper.discrepancies.select_related("event__room", "resolved_by"),
        "resolve_form": forms.ResolveForm()})


@staff_required(rules.uses_papers)
def custody_handover_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(CustodyEvent.objects.select_related("paper", "room__venue", "recorded_by"), pk=pk)
    selectors.paper_get_for_user(request.user, event.paper_id)  # scope
    return download(documents.handover_pdf(event), f"{event.paper.code}-handover-{event.pk}.pdf", PDF)


@staff_required()
def my_custody(request: HttpRequest) -> HttpResponse:
    """待我确认的交接: every staff member named in a custody step confirms it here, in their own account."""
    return render(request, "console/papers/my_custody.html", {"parties": selectors.my_confirmations(request.user)})


@staff_required()
@require_POST
def custody_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    party = get_object_or_404(CustodyParty, pk=pk, user=request.user)
    perform(request, services.custody_confirm, _("已确认。"), actor=request.user, party_id=party.pk)
    return redirect("console:my_custody")


@staff_required(rules.uses_papers)
@require_POST
def discrepancy_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    d = get_object_or_404(Discrepancy, pk=pk)
    selectors.paper_get_for_user(request.user, d.paper_id)
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        perform(request, services.discrepancy_resolve, _("差异已处理。"), actor=request.user, discrepancy_id=d.pk,
                resolution=form.cleaned_data["resolution"])
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:paper_custody", d.paper_id)
