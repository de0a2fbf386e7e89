"""The demo park is the real Qingshanhu: figures as published, loaded idempotently."""

from decimal import Decimal

import pytest

from parkpilot.demo.services import DEMO_USERS, demo_load, load_demo_data
from parkpilot.economy.models import PublishedFigure
from parkpilot.projects.models import Project
from parkpilot.talent.demo import BANK_NAME as TALENT_BANK
from parkpilot.tenancy.credit_code import validate_credit_code
from parkpilot.tenancy.industry import validate_industry_code
from parkpilot.tenancy.models import AuditLog, Enterprise, Park, Role, User, Zone

pytestmark = pytest.mark.django_db

MODELS = [Park, Zone, Enterprise, PublishedFigure, Project, User, AuditLog]


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def _fingerprint():
    """Every loaded row's values, so a reload that rewrote anything would show."""
    return {
        m.__name__: list(m.objects.order_by("pk").values())
        for m in MODELS
        if m is not User  # last_login etc. aside, users are compared by count
    }


def test_loads_the_park_as_documented():
    report = demo_load()
    # The park as documented; other apps add their own demo rows through their loaders.
    core = {k: report.created[k] for k in ("park", "zone", "enterprise", "published_figure",
                                           "project")}  # fmt: skip
    assert core == {
        "park": 1,
        "zone": 5,
        "enterprise": 26,
        "published_figure": len(load_demo_data()["published_figures"]),
        "project": 26,
    }
    assert User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).count() == len(DEMO_USERS)
    park = Park.objects.get()
    assert (park.name, park.district) == ("青山湖科技城", "杭州市临安区")
    assert set(Zone.objects.values_list("name", flat=True)) >= {
        "硬科技TOD",
        "工创园",
        "新智造产业园",
        "浙江临安环球中小企业创业创新园",
    }


def test_second_load_changes_nothing():
    demo_load()
    counts, rows = _counts(), _fingerprint()
    report = demo_load()
    assert not report.changed
    assert _counts() == counts
    assert _fingerprint() == rows


def test_published_figures_are_exactly_as_printed():
    demo_load()

    def fig(code, period):
        return PublishedFigure.objects.get(code=code, period=period)

    # 001 (2020 yearbook): 规模以上工业增加值 85.6 亿元，增长 17.1%；高新技术产业增加值 73.6 亿元，
    # 增长 21.3%，占 86%；高端装备制造业增加值 48.1 亿元，增长 33.3%.
    added = fig("above_scale_industrial_added_value", "2020")
    assert (added.value, added.unit, added.growth_pct) == (Decimal("85.6"), "亿元", Decimal("17.1"))
    high_tech = fig("high_tech_added_value", "2020")
    assert (high_tech.value, high_tech.growth_pct, high_tech.share_pct) == (
        Decimal("73.6"),
        Decimal("21.3"),
        Decimal("86"),
    )
    # 000 (2022): 1-8月 规上工业总产值 454.4 亿元 (+8.5%), 增加值 90.8 亿元 (+35.3%).
    output = PublishedFigure.objects.get(code="above_scale_industrial_output")
    assert (output.value, output.growth_pct) == (Decimal("454.4"), Decimal("8.5"))


def test_demo_enterprises_have_valid_codes_and_are_marked_demo():
    demo_load()
    enterprises = Enterprise.objects.all()
    # The park's 26, and the risk pool's lending bank (talent/demo.py), a row of its own.
    assert enterprises.exclude(name=TALENT_BANK).count() == 26
    for e in enterprises:
        assert validate_credit_code(e.credit_code) == e.credit_code
        assert "credit_code" in e.demo_fields  # invented: the documents give no codes
        if e.industry_code:
            assert validate_industry_code(e.industry_code) == e.industry_code
    assert len({e.credit_code for e in enterprises}) == 27


def test_published_enterprise_facts_are_not_marked_demo():
    demo_load()
    hangcha = Enterprise.objects.get(name="杭叉集团股份有限公司")
    # 001: 杭叉集团股份有限公司总产值增长 33.6%.
    assert hangcha.published["output_growth_pct_2020"] == 33.6
    # 000 places 杭叉三期 in 新智造产业园: a published zone, not demo data.
    assert hangcha.zone.name == "新智造产业园"
    assert "zone" not in hangcha.demo_fields


def test_projects_keep_their_real_dates():
    demo_load()
    # 001: 万马智能制造产业园 总投资 12 亿元, 2020-06-28 开工.
    wanma = Project.objects.get(name="万马智能制造产业园")
    assert wanma.investment_100m_cny == Decimal("12")
    assert wanma.started_on.isoformat() == "2020-06-28"
    assert "152" in wanma.tags


def test_one_login_per_role():
    demo_load()
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    assert not User.objects.get(username="gateway-01").has_usable_password()


def test_a_changed_password_survives_a_reload():
    demo_load()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-operator")
    admin.save()
    demo_load()
    admin.refresh_from_db()
    assert admin.check_password("changed-by-the-operator")


def test_a_load_is_audited_once():
    demo_load()
    demo_load()
    assert AuditLog.objects.filter(action="demo.load").count() == 1
