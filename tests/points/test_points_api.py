"""The points API and the XLSX bulk awards: whole files or nothing, each bad row named by its
row number and column; refusals as 4xx naming the field; a person's own card through the
access rule."""

import pytest
from isolation import upload_as

from parkpilot.ledger import selectors as ledger
from parkpilot.points import selectors, services
from parkpilot.points.models import Award, EarningRule, MemberKind
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def _loc(response):
    return [(e["loc"][-1], e["code"]) for e in response.json()["detail"]]


def test_a_bad_row_refuses_the_whole_file_and_names_row_and_column(api_as, member, park):
    EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=40, cap_day=80)
    good_rows = [(member.card_code, "志愿", "3月2日上午"), (member.card_code, "志愿", "3月2日下午")]
    bad = upload_as(
        api_as,
        "park_staff",
        [
            *good_rows,
            ("000000000000", "志愿", "x"),
            (member.card_code, "不存在", ""),
            (None, None, None),
        ],
    )
    assert bad.status_code == 422
    assert _loc(bad) == [
        ("row 4: 会员卡号", "unknown"),
        ("row 5: 规则", "unknown"),
        ("row 5: 来源", "required"),
    ]  # the empty row 6 is skipped
    assert not Award.objects.exists()
    # A cap passed by the third row refuses the file too: 40 + 40 = 80 is the day's cap.
    over = upload_as(api_as, "park_staff", [*good_rows, (member.card_code, "志愿", "晚上")])
    assert _loc(over) == [("row 4: 规则", "cap_reached")] and not Award.objects.exists()
    done = upload_as(api_as, "park_staff", good_rows)
    assert done.json() == {"awarded": 2, "replayed": 0, "points": 80}
    again = upload_as(api_as, "park_staff", good_rows)
    assert again.json() == {"awarded": 0, "replayed": 2, "points": 0}
    member.account.refresh_from_db()
    assert member.account.balance == 80 and ledger.drift(park_id=park.pk) == []
    assert AuditLog.objects.filter(action="points.award", via="token").count() == 2


def test_a_file_that_is_not_a_workbook_is_refused_by_field(api_as):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_as('park_staff').token}")
    fake = SimpleUploadedFile("awards.xlsx", b"<html>not a workbook</html>")
    refused = client.post("/api/v1/points/awards/xlsx", {"file": fake})
    assert refused.status_code == 422 and _loc(refused)[0][0] == "file"


def test_rules_are_checked_and_named_by_field(api_as):
    staff = api_as("park_staff")
    bad = staff.post(
        "/api/v1/points/rules", {"kind": "bribery", "name": " ", "points": 10, "cap_day": 5}
    )
    assert bad.status_code == 422
    assert {loc for loc, _code in _loc(bad)} == {"kind", "name", "cap_day"}
    made = staff.post(
        "/api/v1/points/rules", {"kind": "party_activity", "name": "党课", "points": 20}
    )
    assert made.status_code == 201 and made.json()["cap_day"] is None


def test_a_member_orders_and_cancels_through_the_api(api_as, member, rule, good):
    services.award(via="ui", actor=None, member=member, rule=rule, source="v:1")
    services.award(via="ui", actor=None, member=member, rule=rule, source="v:2")
    resident = api_as("resident")
    made = resident.post(f"/api/v1/points/goods/{good.pk}/reserve", {"quantity": 1})
    assert made.status_code == 201 and made.json()["points"] == 150
    # 200 earned - 150 held = 50
    assert resident.get("/api/v1/points/me").json()["balance"] == 50
    too_many = resident.post(f"/api/v1/points/goods/{good.pk}/reserve", {"quantity": 100})
    assert too_many.status_code == 422 and _loc(too_many)[0][0] == "quantity"
    cancelled = resident.post(f"/api/v1/points/redemptions/{made.json()['id']}/cancel", {})
    assert cancelled.json()["status"] == "voided"
    assert resident.get("/api/v1/points/me").json()["balance"] == 200


def test_the_own_card_is_read_through_the_access_rule(personas, member):
    assert selectors.member_of(user=personas["resident"]) == member
    assert selectors.member_of(user=personas["park_admin"]) is None  # staff: not their card
    resident = personas["resident"]
    resident.is_active = False
    assert selectors.member_of(user=resident) is None  # the rule refuses an inactive account
    other = services.member_enrol(
        via="ui",
        actor=None,
        park=member.park,
        kind=MemberKind.EMPLOYEE,
        name="李",
        user=personas["ent_a_user"],
    )
    assert selectors.member_of(user=personas["ent_a_user"]) == other
