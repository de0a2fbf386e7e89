import pytest

from parkpilot.talent import services
from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise, User

PARTIES = [
    {"code": "park", "name": "青山湖科技城管委会", "share": 40, "cap": "150.00"},
    {"code": "htic", "name": "杭州市高科技投资有限公司", "share": 40, "cap": "150.00"},
    {"code": "bank", "name": "杭州银行股份有限公司", "share": 20, "cap": None},
]


def make_bank(park, name="杭州银行股份有限公司"):
    return Enterprise.objects.create(park=park, name=name, credit_code=make_demo_credit_code(name),
                                     industry_code="J66")  # fmt: skip


@pytest.fixture
def bank(park):
    return make_bank(park)


@pytest.fixture
def banker(bank):
    return User.objects.create_user(username="banker", password="pw-banker", role=TALENT_BANK,
                                    park=bank.park, enterprise=bank)  # fmt: skip


@pytest.fixture
def risk_pool(personas, park, bank):
    """The hand example's agreement of test_talent_pool: ¥10,000 scale, ¥100 fund, 40/40/20."""
    return services.pool_open(actor=personas["park_admin"], via="test", park=park,
                              name="测试风险池", signed_on="2020-07-17", bank=bank,
                              credit_scale="10000.00", fund="100.00", parties=PARTIES)  # fmt: skip
