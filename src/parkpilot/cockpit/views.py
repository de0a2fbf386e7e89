from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.cockpit import exports, rules, selectors, selectors_drill, stream
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import NotFound, ValidationFailed
from parkpilot.tenancy.selectors import park_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _park(user):
    return selectors.require_cockpit(user)


def _context(user, park) -> dict:
    tiles = selectors.cockpit_tiles(user=user, park=park)
    charts = [
        {"key": t.key, "title": t.title, "chart": selectors.jsonable(t.data.chart)}
        for t in tiles
        if not t.error and t.data.chart
    ]
    return {
        "park": park,
        "tiles": tiles,
        "charts": charts,
        "tables": [t for t in tiles if not t.error and t.data.table],
        "alerts": selectors.alerts(tiles),
        "generated_at": timezone.localtime(),
    }


@page(rules.COCKPIT)
def cockpit(request):
    park = _park(request.user)
    return TemplateResponse(request, "cockpit/cockpit.html", _context(request.user, park))


@page(rules.COCKPIT)
def screen(request):
    park = _park(request.user)
    payload = selectors.screen_payload(user=request.user, park=park)
    kiosk = request.GET.get("kiosk") == "1"  # a wall display: no cursor, full screen on a touch
    context = {"park": park, "payload": payload, "kiosk": kiosk}
    return TemplateResponse(request, "cockpit/screen.html", context)


def _open_stream(user):
    park = _park(user)
    # An open stream must not pin a database connection: this request's thread (session, auth,
    # the check above) gives its connection back now, or 200 screens would hold 200 of them
    # (PostgreSQL's default max_connections is 100). The figures come from the poller's one.
    connections.close_all()
    return park


@login_required
async def screen_stream(request):
    """Server-Sent Events for the big screen. Async, so an open stream holds no thread; the
    figures come from the process's one broadcaster (cockpit/stream.py)."""
    user = await request.auser()
    park = await sync_to_async(_open_stream)(user)
    response = StreamingHttpResponse(
        stream.events(user, park), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through as they come
    return response


@login_required
def export_xlsx(request, key: str | None = None):
    park = _park(request.user)
    if key is None:
        tiles = selectors.cockpit_tiles(user=request.user, park=park)
        filename = "cockpit.xlsx"
    else:
        tiles = [selectors.cockpit_tile(user=request.user, park=park, key=key)]
        if tiles[0].error or not tiles[0].data.table:
            raise Http404
        filename = f"cockpit-{key}.xlsx"
    content = exports.tables_xlsx(tiles, title=_("Data cockpit"), note=_("demo data"))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def snapshot_pdf(request):
    park = _park(request.user)
    context = _context(request.user, park)
    try:
        content = exports.snapshot_pdf(context)
    except exports.SnapshotUnavailable as exc:
        return HttpResponse(
            _("The PDF snapshot is not available on this server: %(reason)s") % {"reason": exc},
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content, content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cockpit-{stamp}.pdf"'
    return response


@page(rules.DRILL)
def drill(request, level: str = "park", pk: int | None = None):
    """One level of the drill-down: `?period=2026|2026-11|2026-11-05`, `&kind=grid_import`,
    `&industry=C34`."""
    park = park_of(request.user)
    if park is None:
        raise NotFound
    context = {"park": park, "error": None}
    try:
        data = _drill_data(request, park, level, pk)
    except ValidationFailed as exc:
        context["error"] = str(exc)
        return TemplateResponse(request, "cockpit/drill.html", context, status=422)
    context.update(
        data=data,
        kinds=selectors_drill.kind_choices(),
        industries=selectors_drill.industry_choices(user=request.user, park=park),
    )
    return TemplateResponse(request, "cockpit/drill.html", context)


def _drill_data(request, park, level, pk) -> dict:
    get = request.GET.get
    return selectors_drill.drill_query(
        user=request.user, park=park, level=level, pk=pk, period=get("period"),
        kind=get("kind"), industry=get("industry"),
    )  # fmt: skip
