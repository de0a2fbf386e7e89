"""The centre's staff pages (rules, goods, stock, bulk awards), the monthly report (page, XLSX,
cockpit tiles) with hand-worked figures, and who may see it."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from isolation import awards_workbook
from openpyxl import load_workbook

from parkpilot.points import selectors, services, tiles
from parkpilot.points.models import EarningRule, Good, MemberKind
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=TZ
    )


def _staff(personas) -> Client:
    client = Client()
    client.force_login(personas["park_staff"])
    return client


def test_staff_make_and_change_rules_and_goods_on_their_page(personas, park, member):
    client = _staff(personas)
    assert client.get(reverse("points:manage")).status_code == 200
    client.post(
        reverse("points:rule_new"),
        {
            "kind": "party_activity",
            "name": "党课",
            "points": "30",
            "cap_month": "60",
            "active": "on",
        },
    )
    rule = EarningRule.objects.get(park=park, name="党课")
    assert (rule.points, rule.cap_month, rule.active) == (30, 60, True)
    client.post(
        reverse("points:rule_edit", args=[rule.pk]),
        {"kind": "party_activity", "name": "党课", "points": "40", "cap_month": "80"},
    )
    rule.refresh_from_db()
    assert (rule.points, rule.active) == (40, False)  # the box left unticked: switched off
    change = AuditLog.objects.get(action="points.rule.update")
    assert (change.before, change.after) == (
        {"points": 30, "cap_month": 60, "active": True},
        {"points": 40, "cap_month": 80, "active": False},
    )
    # A cap below one award's points is refused by field, and nothing changes.
    refused = client.post(
        reverse("points:rule_edit", args=[rule.pk]),
        {"kind": "party_activity", "name": "党课", "points": "40", "cap_day": "10"},
    )
    assert refused.status_code == 200 and "cap_day" in refused.content.decode()
    client.post(
        reverse("points:good_new"), {"name": "雨伞", "price": "120", "stock": "4", "active": "on"}
    )
    good = Good.objects.get(park=park, name="雨伞")
    client.post(
        reverse("points:good_stock", args=[good.pk]),
        {"direction": "in", "change": "6", "reason": "进货"},
    )
    client.post(
        reverse("points:good_stock", args=[good.pk]),
        {"direction": "out", "change": "3", "reason": "破损"},
    )
    client.post(
        reverse("points:good_stock", args=[good.pk]),
        {"direction": "out", "change": "30", "reason": "x"},
    )
    good.refresh_from_db()
    assert good.stock == 7  # 4 + 6 - 3; the 30 out was refused
    moves = AuditLog.objects.filter(action="points.stock.move").order_by("pk")
    assert [(m.after["change"], m.after["reason"], m.via) for m in moves] == [
        (6, "进货", "ui"),
        (-3, "破损", "ui"),
    ]
    client.post(
        reverse("points:good_edit", args=[good.pk]),
        {"name": "雨伞", "price": "100", "active": "on"},
    )
    assert Good.objects.get(pk=good.pk).price == 100


def test_the_upload_page_awards_a_whole_file_or_lists_what_is_wrong(personas, park, member):
    EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=10)
    client = _staff(personas)
    bad = client.post(
        reverse("points:awards_upload"),
        {"file": awards_workbook([(member.card_code, "志愿", "a"), ("1", "志愿", "b")])},
        follow=True,
    )
    assert "row 3: 会员卡号" in bad.content.decode()
    member.account.refresh_from_db()
    assert member.account.balance == 0
    client.post(
        reverse("points:awards_upload"),
        {"file": awards_workbook([(member.card_code, "志愿", "a")])},
    )
    member.account.refresh_from_db()
    assert member.account.balance == 10


def _month_of_activity(personas, park, ent_a):
    """November 2026: 2 volunteering awards of 100 and one enterprise award of 20 (issued 220);
    one good of 150 handed over (redeemed 150), one of 150 reserved and waiting (held)."""
    staff = personas["park_staff"]
    resident = services.member_enrol(
        via="ui",
        actor=None,
        park=park,
        kind=MemberKind.PARTY_MEMBER,
        name="王",
        user=personas["resident"],
        party_org="青山湖街道第一支部",
    )
    company = services.member_enrol(
        via="ui",
        actor=None,
        park=park,
        kind=MemberKind.ENTERPRISE,
        name=ent_a.name,
        enterprise=ent_a,
    )
    volunteer = EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=100)
    joined = EarningRule.objects.create(park=park, kind="enterprise", name="企业参与", points=20)
    # October 2025: 300 points, expiring 2026-12-31 (next month from November 2026).
    for n in range(3):
        services.award(
            via="ui",
            actor=None,
            member=resident,
            rule=volunteer,
            source=f"old{n}",
            now=at("2025-10-01"),
        )
    for n in range(2):
        services.award(
            via="ui",
            actor=None,
            member=resident,
            rule=volunteer,
            source=f"nov{n}",
            now=at("2026-11-03"),
        )
    services.award(
        via="ui", actor=None, member=company, rule=joined, source="req:1", now=at("2026-11-05")
    )
    good = services.good_create(via="ui", actor=staff, park=park, name="环保袋", price=150, stock=5)
    taken = services.redemption_reserve(
        via="ui", actor=None, member=resident, good=good, now=at("2026-11-10")
    )
    services.redemption_hand_over(via="ui", actor=staff, redemption=taken, now=at("2026-11-10", 15))
    services.redemption_reserve(
        via="ui", actor=None, member=resident, good=good, now=at("2026-11-20")
    )
    return resident, company


def test_the_monthly_report_by_hand(personas, park, ent_a):
    _month_of_activity(personas, park, ent_a)
    report = selectors.monthly_report(user=personas["park_staff"], month=datetime.date(2026, 11, 1))
    assert [(r["rule__name"], r["awards"], r["points"]) for r in report["issued"]] == [
        ("志愿", 2, 200),
        ("企业参与", 1, 20),
    ]
    assert report["issued_total"] == 220
    assert [(r["good__name"], r["quantity"], r["points"]) for r in report["redeemed"]] == [
        ("环保袋", 1, 150)
    ]
    # Members hold 300 + 200 - 150 - 150 = 200 (resident) + 20 (company) = 220; 150 reserved
    # and waiting is owed too: 370.
    assert report["outstanding"] == 370
    # The 2025 lots (300) expire 2026-12-31, but the two redemptions (150 + 150) took the
    # soonest-to-expire first: nothing of them is left to expire next month.
    assert report["expiring_next_month"] == 0
    assert [(r["member__party_org"], r["members"], r["points"]) for r in report["by_org"]] == [
        ("青山湖街道第一支部", 1, 200)
    ]
    assert [(r["member__enterprise__name"], r["points"]) for r in report["by_enterprise"]] == [
        (ent_a.name, 20)
    ]
    # An enterprise sees its own members only: no party organisation of residents.
    theirs = selectors.monthly_report(
        user=personas["ent_a_admin"], month=datetime.date(2026, 11, 1)
    )
    assert theirs["issued_total"] == 20 and theirs["by_org"] == []
    other = selectors.monthly_report(user=personas["ent_b_user"], month=datetime.date(2026, 11, 1))
    assert other["issued_total"] == 0 and other["by_enterprise"] == []


def test_the_monthly_report_as_xlsx_and_tiles(personas, park, ent_a):
    resident, company = _month_of_activity(personas, park, ent_a)
    # One more 2025 lot of 100 nobody spent: it expires next month.
    rule = EarningRule.objects.get(name="志愿")
    services.award(
        via="ui", actor=None, member=resident, rule=rule, source="old9", now=at("2025-10-02")
    )
    response = _staff(personas).get(reverse("points:report_xlsx") + "?month=2026-11")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert list(summary.values()) == ["2026-11", 220, 150, 470, 100]  # 370 + the 100 of old9
    assert _staff(personas).get(reverse("points:report_xlsx") + "?month=11/2026").status_code == 400
    # The tiles show the current month: the company takes part today.
    joined = EarningRule.objects.get(name="企业参与")
    services.award(via="ui", actor=None, member=company, rule=joined, source="req:2")
    tile = tiles.participation(personas["park_staff"], park)
    assert tile.value == 1 and tile.table["rows"] == [[ent_a.name, 1, 20]]
    assert tiles.month(personas["park_staff"], park).value == 20


def test_report_and_tiles_are_for_staff(personas, client):
    client.force_login(personas["ent_a_admin"])
    assert client.get(reverse("points:manage")).status_code == 404
    assert client.get(reverse("points:report_xlsx")).status_code == 404
