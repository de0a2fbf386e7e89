"""The demo's talent registry and policy rewards. From the seeds (issue 21): in 2020 the park
brought in 40 talents of class D and above and 12 talent projects; 6 talents of 5 enterprises
received policy rewards at the 2020 talent summit. Invented, marked as demo data: each talent's
name, class, enterprise and dates, the projects' names, the policy's amounts, and which six."""

from datetime import date, timedelta

from parkpilot.talent import services_rewards as rewards
from parkpilot.talent.models import TalentClass
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise

CLASSIFICATION = "《杭州市高层次人才分类目录》"
CLASSES = [  # Hangzhou's A-E classes; rank 1 the highest
    ("A", "国内外顶尖人才"), ("B", "国家级领军人才"), ("C", "省级领军人才"),
    ("D", "市级领军人才"), ("E", "高级人才"),
]  # fmt: skip
# 40 talents of class D and above: 1 A, 3 B, 8 C, 28 D (the split is invented); the first six
# are the rewarded ones.
SPLIT = ["D", "D", "C", "B", "D", "A"] + ["B"] * 2 + ["C"] * 7 + ["D"] * 25
PROJECTS = 12  # the first twelve talents lead a talent project
POLICY = {
    "name": "2020年度人才峰会人才政策奖励（演示）",
    "document": "青山湖科技城人才新政（演示：条款为示意）",
    "conditions": "2020年度引进并经认定的D类及以上人才，所在企业为园区注册企业",
    "amounts": {"A": "1000000.00", "B": "800000.00", "C": "500000.00", "D": "200000.00"},
    "cap": "1500000.00",
    "deadline": date(2020, 12, 31),
}
REWARDED = 6  # talents, of 5 enterprises (the seeds)


def load(*, park, report) -> None:
    if TalentClass.objects.filter(park=park).exists():
        return
    system = system_actor(park, "talent.demo")
    for rank, (code, name) in enumerate(CLASSES, start=1):
        TalentClass.objects.create(park=park, code=code, name=name, document=CLASSIFICATION,
                                   rank=rank, demo=True)  # fmt: skip
    firms = list(Enterprise.objects.tenants().filter(park=park)
                 .order_by("pk")[:10])  # fmt: skip
    if len(firms) < 5:
        return
    common = {"actor": system, "via": "demo", "demo": True}
    talents = []
    for i, code in enumerate(SPLIT):
        # Talents 1-6 in enterprises 1-5 (two in the first), the others round the ten.
        firm = firms[max(i - 1, 0)] if i < REWARDED else firms[i % len(firms)]
        on = date(2020, 1, 15) + timedelta(days=8 * i)
        talents.append(rewards.talent_register(
            enterprise=firm, name=f"演示人才{i + 1:02d}", class_code=code,
            evidence=f"{CLASSIFICATION}{code}类认定（演示）", certified_on=on, joined_on=on,
            project=f"演示人才项目{i + 1:02d}" if i < PROJECTS else "", **common,
        ))  # fmt: skip
    report.created["talent"] = len(talents)
    policy = rewards.policy_create(park=park, **POLICY, **common)
    for talent in talents[:REWARDED]:
        application = rewards.application_submit(policy=policy, talent=talent,
                                                 on=date(2020, 11, 20), **common)  # fmt: skip
        rewards.application_review(actor=system, via="demo", application=application,
                                   approve=True, on=date(2020, 11, 28))  # fmt: skip
        rewards.application_pay(actor=system, via="demo", application=application,
                                on=date(2020, 12, 10))  # fmt: skip
    report.created["policy application"] = REWARDED
