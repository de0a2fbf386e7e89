"""The talent registry and policy rewards: classes as data, a talent registered with errors
named by field, applications priced by the policy's amount for the class, within its cap, once
per talent and year; review, payment and their illegal steps; tenancy; the demo's 2020 figures."""

import pytest

from parkpilot.demo.services import demo_load
from parkpilot.talent import selectors
from parkpilot.talent import services_rewards as rewards
from parkpilot.talent.models import PolicyApplication, Talent, TalentClass
from parkpilot.tenancy.audit import AuditLog
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def classes(park):
    for rank, code in enumerate("ABCDE", start=1):
        TalentClass.objects.create(park=park, code=code, name=f"{code}类", rank=rank,
                                   document="《杭州市高层次人才分类目录》")  # fmt: skip


@pytest.fixture
def policy(personas, park, classes):
    return rewards.policy_create(actor=personas["park_staff"], via="test", park=park,
                                 name="人才奖励", document="人才新政",
                                 amounts={"C": "500000.00", "D": "200000.00"},
                                 cap="600000.00", deadline="2020-12-31")  # fmt: skip


def _talent(personas, ent, code="D", name="张三"):
    actor = (
        personas["ent_a_admin"]
        if ent.pk == personas["ent_a_admin"].enterprise_id
        else (personas["park_staff"])
    )
    return rewards.talent_register(actor=actor, via="test", enterprise=ent, name=name,
                                   class_code=code, evidence="认定书", certified_on="2020-03-01",
                                   joined_on="2020-02-01")  # fmt: skip


def test_bad_fields_are_named_all_at_once(personas, ent_a, classes):
    with pytest.raises(ValidationFailed) as exc:
        rewards.talent_register(actor=personas["ent_a_admin"], via="test", enterprise=ent_a,
                                name="", class_code="F", evidence="认定书",
                                certified_on="2020-13-01", joined_on="2020-02-01")  # fmt: skip
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("name", "required"), ("certified_on", "format"), ("class_code", "unknown"),
    ]  # fmt: skip
    assert Talent.objects.count() == 0
    with pytest.raises(Forbidden):
        rewards.talent_register(actor=personas["ent_b_user"], via="test", enterprise=ent_a,
                                name="李四", class_code="D", evidence="x",
                                certified_on="2020-03-01", joined_on="2020-02-01")  # fmt: skip


def test_an_application_from_submission_to_payment(personas, ent_a, policy):
    d1, d2, c = (_talent(personas, ent_a, code, name)
                 for code, name in (("D", "甲"), ("D", "乙"), ("C", "丙")))  # fmt: skip
    ent = personas["ent_a_admin"]
    first = rewards.application_submit(actor=ent, via="test", policy=policy, talent=d1,
                                       on="2020-11-20")  # fmt: skip
    assert (first.amount_fen, first.year, first.state) == (20_000_000, 2020, "submitted")
    with pytest.raises(ValidationFailed) as again:
        rewards.application_submit(actor=ent, via="test", policy=policy, talent=d1, on="2020-11-21")
    assert again.value.errors[0].field == "talent" and again.value.errors[0].code == "duplicate"
    rewards.application_submit(actor=ent, via="test", policy=policy, talent=d2, on="2020-11-21")
    # ¥200,000 + ¥200,000 taken; class C's ¥500,000 would make ¥900,000 > the ¥600,000 cap.
    with pytest.raises(ValidationFailed) as cap:
        rewards.application_submit(actor=ent, via="test", policy=policy, talent=c, on="2020-11-22")
    assert [(e.field, e.code) for e in cap.value.errors] == [("policy", "above_limit")]
    with pytest.raises(ValidationFailed) as late:
        rewards.application_submit(actor=ent, via="test", policy=policy, talent=c, on="2021-01-01")
    assert late.value.errors[0].field == "on"
    staff = personas["park_staff"]
    with pytest.raises(Forbidden):
        rewards.application_review(actor=ent, via="test", application=first, approve=True,
                                   on="2020-11-28")  # fmt: skip
    with pytest.raises(ValidationFailed) as early:
        rewards.application_pay(actor=staff, via="test", application=first, on="2020-12-01")
    assert early.value.errors[0].code == "invalid_transition"
    with pytest.raises(ValidationFailed) as why:
        rewards.application_review(actor=staff, via="test", application=first, approve=False,
                                   on="2020-11-28", note="")  # fmt: skip
    assert why.value.errors[0].field == "note"
    rewards.application_review(actor=staff, via="test", application=first, approve=True,
                               on="2020-11-28")  # fmt: skip
    paid = rewards.application_pay(actor=staff, via="test", application=first, on="2020-12-10")
    assert (paid.state, str(paid.paid_on)) == ("paid", "2020-12-10")
    assert AuditLog.objects.filter(action__startswith="talent.application_").count() == 4
    assert selectors.reward_totals(user=staff) == [
        {"policy__name": "人才奖励", "year": 2020, "paid": 20_000_000, "n": 1}
    ]
    other = personas["ent_b_user"]
    assert list(selectors.applications(user=other)) == []
    with pytest.raises(NotFound):
        selectors.application_get(user=other, application_id=first.pk)
    with pytest.raises(NotFound):
        selectors.application_get(user=personas["other_park_admin"], application_id=first.pk)


def test_the_demo_registry_is_the_seeds():
    demo_load()
    talents = Talent.objects.all()
    assert talents.count() == 40 and all(t.talent_class.rank <= 4 for t in talents)  # D and above
    assert talents.exclude(project="").count() == 12 and all(t.demo for t in talents)
    paid = PolicyApplication.objects.filter(state="paid")
    assert paid.count() == 6 and paid.values("enterprise").distinct().count() == 5
    # D ¥200,000 × 3 + C ¥500,000 + B ¥800,000 + A ¥1,000,000 = ¥2,900,000.
    assert sum(a.amount_fen for a in paid) == 290_000_000
    demo_load()
    assert Talent.objects.count() == 40
