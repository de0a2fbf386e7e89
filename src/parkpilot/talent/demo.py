"""The demo's talent-finance loan risk pool. From the seeds (shared/seed-facts.yaml,
talent_finance): signed 2020-07-17 by the park, 杭州银行 and 杭州市高科技投资有限公司, credit scale
2亿, "自主申请、择优推荐、风险共担", 6 enterprises with 2,620万 of loans in 2020 (13.1% of the
scale), 杭州众硅电子 among the certified. Invented, marked as demo data: the first-loss fund, the
shares 40/40/20 and caps, which other five enterprises, each loan's amount, days and reasons, and
one loan being overdue."""

from datetime import date, timedelta

from django.conf import settings

from parkpilot.talent import demo_registry, services
from parkpilot.talent.models import Loan, Pool
from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise, EnterpriseKind, User
from parkpilot.tenancy.roles import Role

BANK_NAME = "杭州银行股份有限公司"
BANK_LOGIN = ("bank-hz", "杭州银行 客户经理（演示）")
PARTIES = [  # shares and caps: illustrative, not in the seeds
    {"code": "park", "name": "青山湖科技城管委会", "share": 40, "cap": "8000000.00"},
    {"code": "htic", "name": "杭州市高科技投资有限公司", "share": 40, "cap": "8000000.00"},
    {"code": "bank", "name": BANK_NAME, "share": 20, "cap": None},
]
# Borrower, amount (yuan), applied on, reasons. The six sum to the seeds' 2,620万.
LOANS = [
    ("杭州众硅电子科技有限公司", "6000000.00", date(2020, 8, 3), "CMP设备国产替代，领军人才"),
    ("浙江启尔机电技术有限公司", "5000000.00", date(2020, 8, 10), "浸液系统交付，D类人才领衔"),
    ("浙江海康驰拓科技有限公司", "5000000.00", date(2020, 9, 1), "MRAM芯片研发，人才项目入选"),
    ("杭州利珀科技有限公司", "4000000.00", date(2020, 9, 15), "机器视觉检测设备，订单增长"),
    ("聚融医疗科技（杭州）有限公司", "3200000.00", date(2020, 10, 12), "超声影像，博士后工作站"),
    ("杭州谱聚医疗科技有限公司", "3000000.00", date(2020, 11, 2), "医疗质谱研发，高层次人才创业"),
]  # fmt: skip
OVERDUE = "杭州利珀科技有限公司"  # invented, to show an overdue loan


def _bank(park, report) -> Enterprise:
    bank = Enterprise.objects.filter(park=park, name=BANK_NAME).first()
    if bank is None:
        bank = Enterprise.objects.create(
            park=park, kind=EnterpriseKind.PARTNER, name=BANK_NAME, short_name="杭州银行",
            credit_code=make_demo_credit_code(BANK_NAME), industry_code="J66",
            demo_fields=["credit_code", "industry_code"],
        )  # fmt: skip
        report.count("talent bank", created=True, changed=True)
    username, display = BANK_LOGIN
    if not User.objects.filter(username=username).exists():
        user = User(username=username, role=Role.ENTERPRISE_USER, park=park, enterprise=bank,
                    display_name=display, granted_roles=[TALENT_BANK])  # fmt: skip
        user.set_password(settings.PARKPILOT_DEMO_PASSWORD)
        user.save()
        report.count("user", created=True, changed=True)
    return bank


def load(*, park, data, report) -> None:
    demo_registry.load(park=park, report=report)
    if Pool.objects.filter(park=park).exists():
        return
    bank = _bank(park, report)
    system = system_actor(park, "talent.demo")
    pool = services.pool_open(
        actor=system, via="demo", park=park, name="人才金融贷款风险池（市区联动）",
        signed_on=date(2020, 7, 17), bank=bank, credit_scale="200000000.00",
        fund="20000000.00", parties=PARTIES, principles=["自主申请", "择优推荐", "风险共担"],
        demo=True, demo_fields=["fund_fen", "parties"],
    )  # fmt: skip
    common = {"actor": system, "via": "demo"}
    for name, amount, on, reasons in LOANS:
        enterprise = Enterprise.objects.filter(park=park, name=name).first()
        if enterprise is None:
            continue
        loan = services.loan_apply(pool=pool, enterprise=enterprise, amount=amount,
                                   purpose="人才创业创新低息贷款", on=on, demo=True,
                                   **common)  # fmt: skip
        services.loan_recommend(loan=loan, reasons=reasons, on=on, **common)
        services.loan_decide(loan=loan, approve=True, on=on, **common)
        drawn = on + timedelta(days=7)
        services.loan_draw(loan=loan, amount=amount, on=drawn,
                           due_on=drawn + timedelta(days=365), **common)  # fmt: skip
        if name == OVERDUE:
            services.loan_overdue(loan=loan, on=date(2021, 9, 23), note="演示：本期利息未按时支付",
                                  **common)  # fmt: skip
    report.created["talent loan"] = Loan.objects.filter(pool=pool).count()
