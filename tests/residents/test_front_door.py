"""山湖·青锋, the residents' and employees' front door: where residents land, what each person's
home and items show, and what makes it an installable web app."""

import json

import pytest
from django.test import Client

from parkpilot.notifications.services import notify
from parkpilot.services import services

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_lands_on_the_front_door_and_staff_keep_the_desktop(personas):
    assert _signed_in(personas["resident"]).get("/")["Location"] == "/m/"
    assert _signed_in(personas["resident"]).get("/?desktop=1").status_code == 200
    assert _signed_in(personas["park_staff"]).get("/").status_code == 200


def test_the_home_shows_the_apps_entries_and_the_unread_count(park, personas):
    resident = personas["resident"]
    notify(park=park, recipients=[resident], kind="test", title="社区通知")
    response = _signed_in(resident).get("/m/")
    labels = [str(e["label"]) for e in response.context["entries"]]
    assert labels == [
        *("数字巴士", "随手拍", "我的乘车", "我的上报", "定制公交"),  # bus and grid, by order
        *("会员卡", "积分超市", "我的积分", "我的事项", "消息"),
    ]
    assert response.context["unread"] == 1
    assert 'data-unread="1"' in response.content.decode()


def _request(enterprise, raised_by, title):
    data = {"title": title, "category": "energy", "description": "-"}
    return services.request_create(actor=raised_by, via="test", park=enterprise.park, data=data)


def test_my_items_are_the_persons_own_open_service_requests(personas, ent_a, ent_b):
    _request(ent_a, personas["ent_a_user"], "厂房漏水")
    _request(ent_a, personas["ent_a_admin"], "管理员的诉求")  # same enterprise, not raised by them
    _request(ent_b, personas["ent_b_user"], "别家的诉求")
    items = _signed_in(personas["ent_a_user"]).get("/m/items/").context["items"]
    assert [i.title for i in items] == ["厂房漏水"]
    assert items[0].link.startswith("/services/")
    assert _signed_in(personas["resident"]).get("/m/items/").context["items"] == []


def test_it_installs_as_a_web_app_scoped_to_the_front_door():
    manifest = Client().get("/m/manifest.webmanifest")  # browsers fetch it without cookies
    assert manifest["Content-Type"] == "application/manifest+json"
    body = json.loads(manifest.content)
    assert body["short_name"] == "山湖·青锋"
    assert (body["start_url"], body["scope"], body["display"]) == ("/m/", "/m/", "standalone")
    worker = Client().get("/m/sw.js")
    assert worker["Content-Type"] == "application/javascript"
    assert '"/m/offline/"' in worker.content.decode()


def test_the_offline_page_kept_on_the_phone_shows_nothing_personal(park, personas):
    notify(park=park, recipients=[personas["resident"]], kind="test", title="x")
    page = _signed_in(personas["resident"]).get("/m/offline/").content.decode()
    assert "网络未连接" in page
    assert "data-unread" not in page and 'data-testid="tabs"' not in page
