"""Tenant isolation of /api/v1/points (collected by tests/tenancy/test_route_isolation.py): a
member's card, statement and orders are theirs alone (anyone else: 404, nothing changed);
goods, rules and awards of a park are never seen or changed from another park (404), and
enterprises' users do not run the shelf (403)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from parkpilot.points import services
from parkpilot.points.models import Award, EarningRule, Good, MemberKind, Redemption

OTHERS = ("ent_b_user", "ent_a_user", "park_staff", "other_park_admin")


def _resident_member(personas):
    resident = personas["resident"]
    return services.member_enrol(
        via="ui",
        actor=None,
        park=resident.park,
        kind=MemberKind.RESIDENT,
        name="王阿姨",
        user=resident,
    )


def _funded(personas, ent_a):
    member = _resident_member(personas)
    rule = EarningRule.objects.create(park=ent_a.park, kind="volunteering", name="志愿", points=90)
    services.award(via="ui", actor=None, member=member, rule=rule, source="seed")
    return member


def _good(personas, ent_a):
    return services.good_create(
        via="ui", actor=personas["park_staff"], park=ent_a.park, name="环保袋", price=10, stock=5
    )


def _me(api_as, personas, ent_a, ent_b):
    member = _funded(personas, ent_a)
    mine = api_as("resident").get("/api/v1/points/me").json()
    assert (mine["card_code"], mine["balance"]) == (member.card_code, 90)  # not vacuous
    for persona in OTHERS:
        assert api_as(persona).get("/api/v1/points/me").status_code == 404


def _statement(api_as, personas, ent_a, ent_b):
    _funded(personas, ent_a)
    body = api_as("resident").get("/api/v1/points/me/statement").json()
    assert [line["amount"] for line in body["lines"]] == [90]
    for persona in OTHERS:
        assert api_as(persona).get("/api/v1/points/me/statement").status_code == 404


def _redemptions(api_as, personas, ent_a, ent_b):
    member = _funded(personas, ent_a)
    services.redemption_reserve(via="ui", actor=None, member=member, good=_good(personas, ent_a))
    assert len(api_as("resident").get("/api/v1/points/me/redemptions").json()) == 1
    for persona in OTHERS:
        assert api_as(persona).get("/api/v1/points/me/redemptions").status_code == 404


def _cancel(api_as, personas, ent_a, ent_b):
    member = _funded(personas, ent_a)
    good = _good(personas, ent_a)
    made = services.redemption_reserve(via="ui", actor=None, member=member, good=good)
    path = f"/api/v1/points/redemptions/{made.pk}/cancel"
    for persona in OTHERS:
        assert api_as(persona).post(path, {}).status_code == 404
    assert Redemption.objects.get(pk=made.pk).status == "reserved"
    assert api_as("resident").post(path, {}).json()["status"] == "voided"


def _catalogue(api_as, personas, ent_a, ent_b):
    good = _good(personas, ent_a)
    assert [g["id"] for g in api_as("resident").get("/api/v1/points/goods").json()] == [good.pk]
    assert api_as("other_park_admin").get("/api/v1/points/goods").json() == []


def _reserve(api_as, personas, ent_a, ent_b):
    _funded(personas, ent_a)
    good = _good(personas, ent_a)
    path = f"/api/v1/points/goods/{good.pk}/reserve"
    assert api_as("other_park_admin").post(path, {"quantity": 1}).status_code == 404
    assert Good.objects.get(pk=good.pk).stock == 5
    assert api_as("resident").post(path, {"quantity": 1}).status_code == 201


def _good_create(api_as, personas, ent_a, ent_b):
    payload = {"name": "越权商品", "price": 5, "stock": 1}
    assert api_as("ent_b_user").post("/api/v1/points/goods", payload).status_code == 403
    assert api_as("other_park_admin").post("/api/v1/points/goods", payload).status_code == 201
    assert not Good.objects.filter(park=ent_a.park, name="越权商品").exists()


def _stock(api_as, personas, ent_a, ent_b):
    good = _good(personas, ent_a)
    path = f"/api/v1/points/goods/{good.pk}/stock"
    assert api_as("other_park_admin").post(path, {"change": -5, "reason": "x"}).status_code == 404
    assert api_as("ent_b_user").post(path, {"change": -5, "reason": "x"}).status_code == 403
    assert Good.objects.get(pk=good.pk).stock == 5
    assert api_as("park_staff").post(path, {"change": 3, "reason": "进货"}).json()["stock"] == 8


def _rules(api_as, personas, ent_a, ent_b):
    rule = EarningRule.objects.create(park=ent_a.park, kind="volunteering", name="志愿", points=5)
    assert [r["id"] for r in api_as("park_staff").get("/api/v1/points/rules").json()] == [rule.pk]
    assert api_as("other_park_admin").get("/api/v1/points/rules").json() == []


def _rule_create(api_as, personas, ent_a, ent_b):
    payload = {"kind": "volunteering", "name": "越权规则", "points": 5}
    assert api_as("ent_b_user").post("/api/v1/points/rules", payload).status_code == 403
    assert api_as("other_park_admin").post("/api/v1/points/rules", payload).status_code == 201
    assert not EarningRule.objects.filter(park=ent_a.park, name="越权规则").exists()


def awards_workbook(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["会员卡号", "规则", "来源"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(
        "awards.xlsx",
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def upload_as(api_as, persona, rows):
    token = api_as(persona).token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.post("/api/v1/points/awards/xlsx", {"file": awards_workbook(rows)})


def _awards_xlsx(api_as, personas, ent_a, ent_b):
    member = _resident_member(personas)
    EarningRule.objects.create(park=ent_a.park, kind="volunteering", name="志愿", points=5)
    rows = [(member.card_code, "志愿", "3月2日")]
    assert upload_as(api_as, "ent_b_user", rows).status_code == 403
    # Another park's admin: the card and the rule are not theirs to see (row 2 refused).
    refused = upload_as(api_as, "other_park_admin", rows)
    assert refused.status_code == 422
    assert {e["loc"][-1] for e in refused.json()["detail"]} == {"row 2: 会员卡号", "row 2: 规则"}
    assert not Award.objects.exists()
    assert upload_as(api_as, "park_staff", rows).json() == {
        "awarded": 1,
        "replayed": 0,
        "points": 5,
    }


CASES = {
    ("GET", "/api/v1/points/me"): _me,
    ("GET", "/api/v1/points/me/statement"): _statement,
    ("GET", "/api/v1/points/me/redemptions"): _redemptions,
    ("POST", "/api/v1/points/redemptions/{redemption_id}/cancel"): _cancel,
    ("GET", "/api/v1/points/goods"): _catalogue,
    ("POST", "/api/v1/points/goods/{good_id}/reserve"): _reserve,
    ("POST", "/api/v1/points/goods"): _good_create,
    ("POST", "/api/v1/points/goods/{good_id}/stock"): _stock,
    ("GET", "/api/v1/points/rules"): _rules,
    ("POST", "/api/v1/points/rules"): _rule_create,
    ("POST", "/api/v1/points/awards/xlsx"): _awards_xlsx,
}
