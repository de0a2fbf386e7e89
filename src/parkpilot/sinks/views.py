"""Pages of the sink registry: the park's registry and market, a project, an enterprise's
credits. Thin: each reads through selectors and writes through services."""

import secrets

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.residents import shell
from parkpilot.sinks import rules, selectors, services, xlsx
from parkpilot.sinks.models import Auction, AuctionState, Block, Listing
from parkpilot.tenancy import access
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import NotFound, ValidationFailed


def _refused(request, exc: ValidationFailed) -> None:
    for error in exc.errors:
        messages.error(request, str(ValidationFailed([error])))


def _auction(request, auction_id) -> Auction:
    found = access.scoped(request.user, Auction).filter(pk=auction_id).first()
    if found is None:
        raise NotFound
    return found


@page(rules.REGISTRY, hidden=True)
def registry(request):
    user = request.user
    if request.method == "POST":
        return _registry_action(request)
    projects = list(selectors.project_list(user=user))
    auctions = access.scoped(user, Auction).select_related("project").order_by("-id")[:20]
    context = {
        "listings": access.scoped(user, Listing).select_related("project").order_by("-id")[:20],
        "projects": projects,
        "totals": selectors.registry_totals(user=user),
        "auctions": auctions,
        "violations": selectors.registry_violations(park_id=user.park_id),
    }
    return TemplateResponse(request, "sinks/registry.html", context)


def _registry_action(request):
    action = request.POST.get("action")
    try:
        if action == "auction_open":
            project = selectors.project_get(user=request.user, project_id=_id(request, "project"))
            services.auction_open(
                actor=request.user,
                via="ui",
                project=project,
                quantity=request.POST.get("quantity"),
                floor_price=request.POST.get("floor_price"),
            )
            messages.success(request, _("Auction opened."))
        elif action == "listing_open":
            project = selectors.project_get(user=request.user, project_id=_id(request, "project"))
            services.listing_open(
                actor=request.user,
                via="ui",
                project=project,
                quantity=request.POST.get("quantity"),
                price=request.POST.get("price"),
            )
            messages.success(request, _("Listed."))
        elif action == "auction_clear":
            auction = _auction(request, _id(request, "auction"))
            trades = services.auction_clear(actor=request.user, via="ui", auction=auction)
            sold = sum(t.quantity for t in trades)
            messages.success(
                request, _("Cleared: %(n)d t sold in %(k)d trades.") % {"n": sold, "k": len(trades)}
            )
    except ValidationFailed as exc:
        _refused(request, exc)
    return redirect("sinks:registry")


def _id(request, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise ValidationFailed.single(name, _("Choose one."))
    return int(value)


def _project_context(user, found) -> dict:
    plots = [(p, selectors.expected_removals(p)) for p in found.plots.order_by("id")]
    return {
        "project": found,
        "plots": plots,
        "expected_total": sum(e for _p, e in plots),
        "issuances": found.issuances.order_by("vintage", "first"),
        "sales": selectors.project_sales(user=user, project=found),
        "statement": selectors.project_statement(user=user, project=found),
        "map": selectors.plots_map(project=found),
    }


@page(rules.REGISTRY, hidden=True)
def project(request, project_id: int):
    found = selectors.project_get(user=request.user, project_id=project_id)
    context = _project_context(request.user, found) | {"with_buyer": True}
    return TemplateResponse(request, "sinks/project.html", context)


@page(rules.REGISTRY, hidden=True)
def project_xlsx(request, project_id: int):
    """The project's statement, for the park's readers."""
    found = selectors.project_get(user=request.user, project_id=project_id)
    statement = selectors.project_statement(user=request.user, project=found)
    book = xlsx.statement_book(statement, title=found.name)
    return xlsx.response(book, f"sinks-project-{found.code}.xlsx")


@page(rules.REGISTRY, hidden=True)
def trades_xlsx(request):
    """The registry's trades: every sale of the park, with its buyer and price."""
    trades = selectors.registry_trades(user=request.user)
    return xlsx.response(xlsx.trades_book(trades, with_buyer=True), "sinks-trades.xlsx")


# --- the sellers' pages (the residents' front door: a village's people on their phones) ----


@page(rules.SELLER)
def sales(request):
    context = {"projects": selectors.seller_projects(user=request.user)}
    return shell.render(request, "sinks/sales.html", context)


@page(rules.SELLER, hidden=True)
def sale(request, project_id: int):
    found = selectors.seller_project_get(user=request.user, project_id=project_id)
    context = _project_context(request.user, found) | {"with_buyer": False}
    return shell.render(request, "sinks/sale.html", context)


@page(rules.SELLER, hidden=True)
def sale_xlsx(request, project_id: int):
    """The project's statement and its trades (without the buyers' names), for its seller."""
    found = selectors.seller_project_get(user=request.user, project_id=project_id)
    statement = selectors.project_statement(user=request.user, project=found)
    book = xlsx.statement_book(statement, title=found.name)
    trades = selectors.project_trades(user=request.user, project=found)
    xlsx.trades_book(trades, with_buyer=False, book=book)
    return xlsx.response(book, f"sinks-sales-{found.code}.xlsx")


@page(rules.HOLDINGS)
def holdings_xlsx(request):
    """The enterprise's own statement of forest sink credits."""
    user = request.user
    statement = selectors.statement(user=user, enterprise_id=user.enterprise_id)
    book = xlsx.statement_book(statement, title=user.enterprise.name)
    return xlsx.response(book, "sinks-statement.xlsx")


@page(rules.HOLDINGS)
def holdings(request):
    user = request.user
    if request.method == "POST":
        return _holdings_action(request)
    context = {
        "holdings": selectors.holdings(user=user, enterprise_id=user.enterprise_id),
        "statement": selectors.statement(user=user, enterprise_id=user.enterprise_id),
        "auctions": access.scoped(user, Auction)
        .filter(state=AuctionState.OPEN)
        .select_related("project"),
        "listings": access.scoped(user, Listing).filter(remaining__gt=0).select_related("project"),
        "may_act": access.can(user, "retire", Block),
        # The form's own key: sent twice (a double click, a reload), it retires once.
        "nonce": secrets.token_urlsafe(12),
        "last_year": timezone.localdate().year - 1,
    }
    return TemplateResponse(request, "sinks/holdings.html", context)


def _holdings_action(request):
    user, action = request.user, request.POST.get("action")
    try:
        if action == "retire":
            nonce = request.POST.get("nonce") or secrets.token_urlsafe(12)
            services.retire(
                actor=user,
                via="ui",
                enterprise=user.enterprise,
                quantity=request.POST.get("quantity"),
                year=request.POST.get("year"),
                key=f"ui:retire:{nonce}",
            )
            messages.success(request, _("Retired. The tonnes are your claim alone."))
        elif action == "buy":
            listing = access.scoped(user, Listing).filter(pk=_id(request, "listing")).first()
            if listing is None:
                raise NotFound
            nonce = request.POST.get("nonce") or secrets.token_urlsafe(12)
            services.listing_buy(
                actor=user,
                via="ui",
                listing=listing,
                quantity=request.POST.get("quantity"),
                key=f"ui:buy:{nonce}",
            )
            messages.success(request, _("Bought. The credits are yours."))
        elif action == "bid":
            auction = _auction(request, _id(request, "auction"))
            price, lots = request.POST.get("price"), request.POST.get("lots")
            services.bid_place(actor=user, via="ui", auction=auction, price=price, lots=lots)
            messages.success(request, _("Bid placed."))
    except ValidationFailed as exc:
        _refused(request, exc)
    return redirect("sinks:holdings")
