"""/api/v1/talent: the risk pool (the park's staff), the caller's loans (staff all, an
enterprise its own, the bank's staff their bank's), an application and each step of a loan,
through the same services as the pages."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from parkpilot.pagination import LimitOffsetPagination
from parkpilot.talent import rules, selectors, services
from parkpilot.talent.schemas import LoanIn, LoanOut, PoolOut, StepIn
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import NotFound

router = Router(tags=["talent"])


@router.get("/pool", response=PoolOut)
def pool_get(request: HttpRequest):
    user = request.auth
    pool = selectors.pool_of_park(user=user) if rules.POOL.allows(user) else None
    if pool is None:
        raise NotFound
    f = selectors.pool_overview(user=user, pool=pool)
    shares = [
        {"code": s["code"], "name": s["party"].name if s["party"] else "",
         "share": s["party"].share if s["party"] else None,
         "cap_fen": s["party"].cap_fen if s["party"] else None,
         "paid_fen": s["paid"], "returned_fen": s["returned"], "net_fen": s["net"]}
        for s in f["shares"]
    ]  # fmt: skip
    return {
        "id": pool.pk, "name": pool.name, "signed_on": pool.signed_on,
        "principles": pool.principles, "credit_scale_fen": f["scale"], "in_use_fen": f["in_use"],
        "utilisation": str(f["utilisation"]), "drawn_fen": f["drawn"],
        "compensated_fen": f["compensated"], "recovered_fen": f["recovered"],
        "uncovered_fen": f["uncovered"], "fund_fen": f["fund"], "fund_left_fen": f["fund_left"],
        "overdue_loans": f["overdue"], "shares": shares, "demo": pool.demo,
    }  # fmt: skip


@router.get("/loans", response=list[LoanOut])
@paginate(LimitOffsetPagination)
def loan_list(request: HttpRequest):
    return selectors.loans_of_caller(user=request.auth)


@router.post("/loans", response={201: LoanOut})
def loan_apply(request: HttpRequest, payload: LoanIn):
    """自主申请 for the caller's own enterprise."""
    user = request.auth
    pool = selectors.pool_to_apply(user=user)
    if pool is None or user.enterprise is None:
        raise NotFound
    loan = services.loan_apply(actor=user, via=via_of(request), pool=pool,
                               enterprise=user.enterprise, amount=payload.amount,
                               purpose=payload.purpose, on=payload.on)  # fmt: skip
    return 201, loan


@router.get("/loans/{loan_id}", response=LoanOut)
def loan_get(request: HttpRequest, loan_id: int):
    return selectors.loan_for_step(user=request.auth, loan_id=loan_id)


@router.post("/loans/{loan_id}/steps/{step}", response=LoanOut)
def loan_step(request: HttpRequest, loan_id: int, step: str, payload: StepIn):
    """One step (recommend, decide, draw, repay, overdue, default, compensate, recover,
    close), by whom services.py lets take it."""
    loan = selectors.loan_for_step(user=request.auth, loan_id=loan_id)
    return services.loan_take_step(actor=request.auth, via=via_of(request), loan=loan,
                                   step=step, data=payload.dict())  # fmt: skip
