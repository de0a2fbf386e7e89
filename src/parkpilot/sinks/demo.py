"""The demo's forest sinks: one pooled project of household plots in western 临安 (all demo data:
plots, parameters and quantities are invented; the methodology's name and date are real), one
vintage issued, an auction in which 杭叉 bought 500 t, 200 t of it retired against last year,
and 300 t listed at a fixed price. The plots' outlines are drawn for the demo near 太湖源 (not
surveyed), and the login `sinks-seller` (a resident with the role sinks_seller) acts for the
project's seller."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from parkpilot.sinks import services
from parkpilot.sinks.models import Methodology, Plot, Project, ProjectSeller
from parkpilot.sinks.roles import SINKS_SELLER
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise, User
from parkpilot.tenancy.roles import Role

# Stand growth and wood parameters per species, for the methodology's stock-change equation
# (selectors.expected_removals). Demo values of the usual order for subtropical plantations;
# CF is the IPCC 2006 default carbon fraction.
PARAMETERS = {
    "carbon_fraction": 0.47,
    "species": {
        "杉木": {"increment_m3_ha": 9.0, "density_t_m3": 0.307, "bef": 1.634, "root_shoot": 0.246},
        "马尾松": {
            "increment_m3_ha": 7.0,
            "density_t_m3": 0.380,
            "bef": 1.472,
            "root_shoot": 0.187,
        },
        "阔叶混交林": {
            "increment_m3_ha": 6.0,
            "density_t_m3": 0.482,
            "bef": 1.586,
            "root_shoot": 0.261,
        },
    },
}
PLOTS = [  # owner, kind, area (ha), species, age class, share of proceeds, outline's corner
    ("太湖源镇白沙村集体", "collective", "120.00", "杉木", "中龄林", "0.400000", (119.560, 30.310)),
    ("王建国", "household", "35.50", "马尾松", "幼龄林", "0.150000", (119.575, 30.316)),
    ("李秀英", "household", "42.00", "阔叶混交林", "中龄林", "0.200000", (119.575, 30.306)),
    ("张国强", "household", "28.20", "杉木", "幼龄林", "0.100000", (119.586, 30.312)),
    ("陈美兰", "household", "61.30", "阔叶混交林", "近熟林", "0.150000", (119.586, 30.300)),
]
SELLER_LOGIN = ("sinks-seller", "碳汇收储合作社联络员")


def _outline(lon: float, lat: float, area_ha: Decimal) -> dict:
    """A demo quadrilateral of about the plot's area (1° of latitude ≈ 111 km; of longitude
    ≈ 96 km here), its south-west corner at (lon, lat): not a surveyed boundary."""
    side_km = float(area_ha / 100) ** 0.5
    dlat, dlon = side_km / 111, side_km / 96
    ring = [(lon, lat), (lon + dlon, lat + dlat * 0.1), (lon + dlon * 0.95, lat + dlat),
            (lon - dlon * 0.05, lat + dlat * 0.9), (lon, lat)]  # fmt: skip
    return {"type": "Polygon", "coordinates": [[[round(x, 5), round(y, 5)] for x, y in ring]]}


def _seller(park, project) -> None:
    username, display = SELLER_LOGIN
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=Role.RESIDENT, park=park, display_name=display)
        user.set_password(settings.PARKPILOT_DEMO_PASSWORD)
        user.granted_roles = [SINKS_SELLER]
        user.save()
    ProjectSeller.objects.get_or_create(project=project, user=user)


def load(*, park, data, report) -> None:
    if Project.objects.filter(park=park).exists():
        return
    methodology = Methodology.objects.create(
        park=park,
        code="CCER-14-001-V01",
        name="造林碳汇项目方法学",
        document="生态环境部《温室气体自愿减排项目方法学 造林碳汇（CCER-14-001-V01）》",
        in_force_from=date(2023, 10, 24),
        parameters=PARAMETERS,
        parameters_are_demo=True,
    )
    project = Project.objects.create(
        park=park,
        code="LA-SINK-01",
        name="临安太湖源农户森林碳汇收储项目",
        methodology=methodology,
        seller="临安区林业碳汇收储合作社",
        demo=True,
    )
    Plot.objects.bulk_create(
        Plot(project=project, owner_name=o, owner_kind=k, area_ha=Decimal(a), species=s,
             age_class=c, share=Decimal(sh), outline=_outline(*corner, Decimal(a)))
        for o, k, a, s, c, sh, corner in PLOTS
    )  # fmt: skip
    _seller(park, project)
    system = system_actor(park, "sinks.demo")
    year = timezone.localdate().year - 1
    services.issue(actor=system, via="demo", project=project, vintage=year, quantity=2600,
                   verification="演示核证报告 2026-001", key="demo:issue:1")  # fmt: skip
    hangcha = Enterprise.objects.filter(park=park, name="杭叉集团股份有限公司").first()
    admin = User.objects.filter(enterprise=hangcha, role=Role.ENTERPRISE_ADMIN).first()
    if admin is not None:
        sale = services.auction_open(actor=system, via="demo", project=project, quantity=800,
                                     floor_price="60.00")  # fmt: skip
        services.bid_place(actor=admin, via="demo", auction=sale, price="68.50", lots=500)
        services.auction_clear(actor=system, via="demo", auction=sale)
        services.listing_open(actor=system, via="demo", project=project, quantity=300,
                              price="65.00")  # fmt: skip
        services.retire(actor=admin, via="demo", enterprise=hangcha, quantity=200, year=year,
                        key="demo:retire:1")  # fmt: skip
        services.listing_open(actor=system, via="demo", project=project, quantity=300,
                              price="65.00")  # fmt: skip
    report.count("sinks project", created=True, changed=True)
