"""Pages of the loan risk pool: the park's overview, the bank's desk, an enterprise's
application and loans, and a loan's page with a form for each step the viewer may take. Thin:
reads through selectors; every form posts what was typed, as it is, to one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parkpilot.talent import pool as core
from parkpilot.talent import rules, selectors, services, xlsx
from parkpilot.talent.models import BankLoan, Loan
from parkpilot.tenancy import access
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed

VIA = "ui"
K = core.Kind
EVENT_LABELS = {
    K.APPLY: gettext_lazy("Applied (自主申请)"),
    K.RECOMMEND: gettext_lazy("Recommended (择优推荐)"),
    K.NOT_RECOMMEND: gettext_lazy("Not recommended"), K.APPROVE: gettext_lazy("Credit approved"),
    K.DECLINE: gettext_lazy("Credit declined"), K.DRAW: gettext_lazy("Drawn"),
    K.REPAY: gettext_lazy("Repayment"), K.OVERDUE: gettext_lazy("Overdue"),
    K.DEFAULT: gettext_lazy("Default"), K.COMPENSATE: gettext_lazy("Compensated from the pool"),
    K.RECOVER: gettext_lazy("Recovery"), K.CLOSE: gettext_lazy("Closed"),
}  # fmt: skip


@page(rules.POOL)
def pool_overview(request):
    user = request.user
    pool = selectors.pool_of_park(user=user)
    context = {"pool": pool}
    if pool is not None:
        figures = selectors.pool_overview(user=user, pool=pool)
        context |= {
            "figures": figures,
            "loans": selectors.loans(user=user).filter(pool=pool),
            "chart": _shares_chart(figures),
        }
    return TemplateResponse(request, "talent/pool.html", context)


def _shares_chart(figures) -> dict:
    """Compensation paid and recoveries returned by bearer, in yuan (the chart's data)."""
    names = [_("First-loss fund") if s["party"] is None else s["party"].name
             for s in figures["shares"]]  # fmt: skip
    return {
        "names": names,
        "paid": [float(core.to_yuan(s["paid"])) for s in figures["shares"]],
        "returned": [float(core.to_yuan(s["returned"])) for s in figures["shares"]],
        "labels": {"paid": _("Compensation paid"), "returned": _("Recoveries returned")},
    }


@page(rules.POOL)
def loans_xlsx(request):
    return _xlsx(selectors.loans(user=request.user), "talent-loans.xlsx")


@page(rules.BANK_LOANS)
def bank_desk(request):
    context = {"loans": selectors.bank_loans(user=request.user), "bank_desk": True}
    return TemplateResponse(request, "talent/bank.html", context)


@page(rules.BANK_LOANS)
def bank_loans_xlsx(request):
    return _xlsx(selectors.bank_loans(user=request.user), "talent-bank-loans.xlsx")


def _xlsx(loans, filename: str) -> HttpResponse:
    response = HttpResponse(xlsx.export_loans(loans), content_type=xlsx.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@page(rules.MY_LOANS)
def my_loans(request):
    return _mine_page(request)


def _mine_page(request, errors=None, status: int = 200):
    user = request.user
    context = {
        "loans": selectors.loans(user=user),
        "pool": selectors.pool_to_apply(user=user),
        "can_apply": access.can(user, access.CREATE, Loan, enterprise_id=user.enterprise_id),
        "errors": _by_field(errors),
        "posted": request.POST if errors else {},
        "today": timezone.localdate().isoformat(),
    }
    return TemplateResponse(request, "talent/mine.html", context, status=status)


@require_POST
@page(rules.MY_LOANS)
def loan_application(request):
    """自主申请: the enterprise applies to its park's pool."""
    user = request.user
    pool = selectors.pool_to_apply(user=user)
    if pool is None:
        raise Http404
    try:
        loan = services.loan_apply(
            actor=user, via=VIA, pool=pool, enterprise=user.enterprise,
            amount=request.POST.get("amount"), purpose=request.POST.get("purpose"),
            on=request.POST.get("on"),
        )  # fmt: skip
    except ValidationFailed as exc:
        return _mine_page(request, errors=exc.errors, status=400)
    messages.success(request, _("Application sent to the park."))
    return redirect("talent:loan", loan_id=loan.pk)


@login_required
def loan_page(request, loan_id: int):
    loan = selectors.loan_get(user=request.user, loan_id=loan_id)
    return _loan_page(request, loan)


@page(rules.BANK_LOANS, hidden=True)
def bank_loan_page(request, loan_id: int):
    loan = selectors.bank_loan_get(user=request.user, loan_id=loan_id)
    return _loan_page(request, loan)


def _loan_page(request, loan, errors=None, step: str = "", status: int = 200):
    user = request.user
    events = [(e, EVENT_LABELS[e.kind]) for e in selectors.loan_events(loan=loan)]
    steps = [
        {"name": name, "errors": _by_field(errors) if name == step else {},
         "posted": request.POST if name == step else {}}
        for name in selectors.steps_open(user=user, loan=loan)
    ]  # fmt: skip
    shown = {s["name"] for s in steps}
    context = {
        "loan": loan,
        "events": events,
        "steps": steps,
        # A step refused whose form the loan's state no longer shows (a second tab, a replay).
        "refused": [e.reason for e in errors or ()] if step and step not in shown else [],
        "today": timezone.localdate().isoformat(),
        "back": reverse("talent:bank") if isinstance(loan, BankLoan) else None,
    }
    return TemplateResponse(request, "talent/loan.html", context, status=status)


def _by_field(errors) -> dict:
    found: dict = {}
    for e in errors or ():
        found.setdefault(e.field, []).append(e.reason)
    return found


@require_POST
@login_required
def loan_step(request, loan_id: int, step: str):
    """One step of a loan, by whoever the service lets take it; back to the page it came from."""
    if step not in selectors.STEPS:
        raise Http404
    loan = selectors.loan_for_step(user=request.user, loan_id=loan_id)
    at_bank = isinstance(loan, BankLoan)
    try:
        loan = services.loan_take_step(
            actor=request.user, via=VIA, loan=loan, step=step, data=request.POST
        )
    except ValidationFailed as exc:
        return _loan_page(request, loan, errors=exc.errors, step=step, status=400)
    messages.success(request, _("Recorded: %(state)s.") % {"state": loan.get_state_display()})
    if at_bank:
        return redirect("talent:bank_loan", loan_id=loan.pk)
    return redirect("talent:loan", loan_id=loan.pk)
