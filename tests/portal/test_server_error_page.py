"""The 500 page: in the reader's language, and with nothing of the failed request in it."""

import pytest
from django.test import Client, override_settings
from django.urls import path


def _fails(request):
    raise RuntimeError("secret detail of the failure")


urlpatterns = [path("fails/", _fails)]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_answers_a_chinese_page_without_the_detail():
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    answer = client.get("/fails/")
    assert answer.status_code == 500
    text = answer.content.decode()
    assert "服务器出错" in text and "请稍后再试" in text
    assert "secret detail" not in text and "RuntimeError" not in text
