"""A partner organisation (the talent pool's lending bank) signs in like an enterprise, but it is
not one of the park's enterprises: not counted, not in the pickers, not given a carbon report."""

from parkpilot.carbon import services as carbon_services
from parkpilot.tenancy import selectors
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise, EnterpriseKind


def _bank(park):
    name = "杭州银行科技支行"
    return Enterprise.objects.create(
        park=park, kind=EnterpriseKind.PARTNER, name=name,
        credit_code=make_demo_credit_code(name), industry_code="J66",
    )  # fmt: skip


def test_a_partner_is_left_out_of_the_park_enterprises(park, personas, ent_a, ent_b):
    bank = _bank(park)
    staff = personas["park_staff"]
    listed = set(selectors.enterprise_list(user=staff).values_list("pk", flat=True))
    assert listed == {ent_a.pk, ent_b.pk}
    assert set(selectors.enterprise_facts(user=staff, park_id=park.pk)) == {ent_a.pk, ent_b.pk}
    assert selectors.home_park_card(staff, park)["enterprise_count"] == 2
    batch = carbon_services.batch_create(
        actor=staff, via="test", park=park, year=2026, month=10, start=False
    )
    assert batch.total == 2  # the bank is not sent a 碳体检报告
    assert Enterprise.objects.filter(pk=bank.pk).exists()
