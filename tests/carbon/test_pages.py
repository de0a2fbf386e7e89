"""Pages by role; the factor and settings forms refuse a bad value naming the field and write
nothing; park staff keep budgets, grading settings and industry averages on one page."""

from decimal import Decimal

import pytest
from carbon_helpers import feed, ramp

from parkpilot.carbon.models import Budget, EmissionFactor, IndustryAverage, YearSettings
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def test_pages_by_role(client, personas, factors):
    client.force_login(personas["park_staff"])
    for url in ("/carbon/", "/carbon/reports/", "/carbon/factors/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/carbon/mine/").status_code == 403
    client.force_login(personas["ent_a_user"])
    assert client.get("/carbon/").status_code == 403
    assert client.get("/carbon/factors/").status_code == 403
    assert client.get("/carbon/mine/").status_code == 200
    assert client.get("/carbon/reports/").status_code == 200
    client.force_login(personas["resident"])
    assert client.get("/carbon/reports/").status_code == 403


def test_park_page_query_count_is_pinned(
    client, personas, park, zone, ent_a, make_point, factors, django_assert_num_queries
):
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(100)}, day="2022-03-15")
    client.force_login(personas["park_staff"])
    assert client.get("/carbon/?period=2022-03").status_code == 200  # loads the factor catalogue
    # Zone names are read once, for the overview's zone table; the live figures do not need them.
    # The factor catalogue is checked (one aggregate), not loaded again. One query asks whether
    # the month is closed (a closed month's figures come from its snapshot). One more is the
    # bus app's section on the page (staff commuting: one aggregate of the month's rides), and
    # one the sink registry's (the year's retired offsets: one aggregate).
    with django_assert_num_queries(16):
        response = client.get("/carbon/?period=2022-03")
    assert response.status_code == 200
    assert "杭叉集团股份有限公司" in response.content.decode()


def test_factor_form_names_the_bad_field(client, personas, park):
    client.force_login(personas["park_staff"])
    response = client.post(
        "/carbon/factors/",
        {"carrier": "electricity", "quantity": "co2", "region": "national", "year": "2023",
         "value": "0.5", "unit": "kg/kWh", "document": "x", "effective_from": "2024-01-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert 'data-testid="error-unit"' in response.content.decode()
    assert not EmissionFactor.objects.exists()


def test_settings_page_by_role(client, personas):
    for name in ("park_admin", "park_staff", "supervisor"):
        client.force_login(personas[name])
        assert client.get("/carbon/settings/").status_code == 200, name
    for name in ("ent_a_admin", "ent_a_user", "resident"):
        client.force_login(personas[name])
        assert client.get("/carbon/settings/").status_code == 404, name
        response = client.post("/carbon/settings/", {"form": "budget", "year": "2022",
                                                     "energy_tce": "1", "co2_t": "1"})  # fmt: skip
        assert response.status_code == 404, name
    # The supervisor reads them (no forms) but may not write.
    client.force_login(personas["supervisor"])
    assert 'data-testid="budget-form"' not in client.get("/carbon/settings/").content.decode()
    response = client.post(
        "/carbon/settings/", {"form": "budget", "year": "2022", "energy_tce": "1", "co2_t": "1"}
    )
    assert response.status_code == 403
    assert not Budget.objects.exists()
    client.force_login(personas["park_staff"])
    assert 'href="/carbon/settings/"' in client.get("/carbon/").content.decode()


def test_staff_save_budgets_settings_and_averages(client, personas, park, ent_a):
    client.force_login(personas["park_staff"])
    url = "/carbon/settings/"
    response = client.post(url, {"form": "budget", "year": "2022", "enterprise_id": "",
                                 "energy_tce": "12000", "co2_t": "45000.5"})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"{url}?year=2022&saved=budget"
    client.post(url, {"form": "budget", "year": "2022", "enterprise_id": str(ent_a.pk),
                      "energy_tce": "800", "co2_t": "2100"})  # fmt: skip
    client.post(url, {"form": "settings", "year": "2022", "grade_bounds": "0.5, 0.8，1.2 2.0",
                      "level_bounds": "", "tou_sharp": "9, 10", "tou_valley": "0,1,2",
                      "document": "DB33/T 1347-2023"})  # fmt: skip
    client.post(url, {"form": "average", "year": "2022", "industry_code": " c34 ",
                      "intensity": "1.25", "document": "浙江省 2022 年行业平均"})  # fmt: skip
    park_budget = Budget.objects.get(enterprise=None)
    assert (park_budget.year, park_budget.energy_tce, park_budget.co2_t) == (
        2022, Decimal("12000"), Decimal("45000.5"),
    )  # fmt: skip
    assert Budget.objects.get(enterprise=ent_a).co2_t == Decimal("2100")
    s = YearSettings.objects.get(year=2022)
    assert (s.grade_bounds, s.level_bounds) == ([0.5, 0.8, 1.2, 2.0], [0.6, 2.0])  # default L
    assert s.tou_hours == {"sharp": [9, 10], "valley": [0, 1, 2]} and not s.is_demo
    avg = IndustryAverage.objects.get(year=2022)
    assert (avg.industry_code, avg.intensity) == ("C34", Decimal("1.25"))
    assert AuditLog.objects.filter(via="ui", action__startswith="carbon.").count() == 4

    page = client.get(f"{url}?year=2022").content.decode()
    # The industry average is listed with its GB/T 4754 name, not the bare code.
    for text in ("45000.5", "杭叉集团股份有限公司", "2100", "0.5 / 0.8 / 1.2 / 2.0", "1.25",
                 "DB33/T 1347-2023", "C34 通用设备制造业"):  # fmt: skip
        assert text in page, text
    # The year's settings fill the form, so saving thresholds again keeps the hours.
    assert 'name="tou_sharp" value="9, 10"' in page
    # Saving the same budget again replaces it (one row per park/enterprise and year).
    client.post(url, {"form": "budget", "year": "2022", "enterprise_id": str(ent_a.pk),
                      "energy_tce": "900", "co2_t": "2000"})  # fmt: skip
    assert Budget.objects.get(enterprise=ent_a).energy_tce == Decimal("900")


@pytest.mark.parametrize(
    ("form", "field", "bad"),
    [("budget", "co2_t", {"co2_t": "-5"}),
     ("budget", "energy_tce", {"energy_tce": "abc"}),
     ("budget", "year", {"year": "99999"}),
     ("budget", "enterprise_id", {"enterprise_id": "999999"}),
     ("settings", "grade_bounds", {"grade_bounds": "0.8, 0.6, 1.2, 2.0"}),
     ("settings", "level_bounds", {"level_bounds": "0.6"}),
     ("settings", "tou_hours", {"tou_peak": "8, 24"}),
     ("average", "industry_code", {"industry_code": "C345"}),
     ("average", "intensity", {"intensity": "0"})],
)  # fmt: skip
def test_settings_form_names_the_bad_field_and_writes_nothing(client, personas, form, field, bad):
    good = {
        "budget": {"year": "2022", "energy_tce": "1", "co2_t": "1"},
        "settings": {"year": "2022", "grade_bounds": "0.6, 0.8, 1.2, 2.0"},
        "average": {"year": "2022", "industry_code": "C34", "intensity": "1"},
    }
    client.force_login(personas["park_staff"])
    response = client.post("/carbon/settings/", {"form": form, **good[form], **bad})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-testid="error-{form}-{field}"' in page
    assert page.count('class="error"') == 1
    # What was typed stays in the form (a select offers only the park's enterprises).
    name, value = next(iter(bad.items()))
    assert name == "enterprise_id" or f'name="{name}" value="{value}"' in page
    assert not Budget.objects.exists()
    assert not YearSettings.objects.exists()
    assert not IndustryAverage.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="carbon.").exists()


def test_the_live_figures_name_their_month_on_a_past_period(client, personas, factors):
    """The live tiles are always the running month; on a page showing another month they must
    not read "本月" (on 2026-11 they showed December as "this month")."""
    from django.utils import timezone

    running = timezone.localdate().strftime("%Y-%m")
    for who, url in (("park_staff", "/carbon/"), ("ent_a_user", "/carbon/mine/")):
        client.force_login(personas[who])
        page = client.get(f"{url}?period=2022-03").content.decode()
        live = page.split('data-testid="live-figures"')[1].split("</section>")[0]
        assert f"{running} 至今碳排放" in live and f"{running} 至今能耗" in live, who
        assert "本月" not in live, who
