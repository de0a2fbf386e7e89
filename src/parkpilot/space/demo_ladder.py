"""The demo's incubation ladder. Published (2020 yearbook, ../shared/seeds/001_…): the ladder
苗圃 → 众创空间 → 孵化器 → 加速器 → 小微园; the 2025 targets (35 spaces, over 3,000,000 m², 20+
operators, 15+ new public service platforms); 5 unqualified operators removed and 3 brought in
in 2020; 廊湾产业加速器 in Shenzhen (3,174 m², opened 2020-09-23); the 环球 small-enterprise park
(138,000 m² of floor area); the 博士后研究成果转化园 (4,500 m², 10 labs, opened 2020-05-28).
Not published, so invented and marked 演示数据: the other spaces, every capacity, the operators'
names and scores, the platforms, the graduation criteria and which enterprise is on which rung."""

from datetime import date
from decimal import Decimal

from parkpilot.space import services_ladder as services
from parkpilot.space.models import (
    GraduationRule,
    IncubationSpace,
    IncubationTarget,
    LadderStep,
    ServicePlatform,
)
from parkpilot.tenancy.models import Enterprise, Zone

TARGET_DOCUMENT = (
    "青山湖科技城“大孵化器”战略（2020年发布）：至2025年投入使用孵化加速空间35个、总面积300万平方米"
    "以上，引进专业园区孵化载体（运营商）20家以上，新增公共服务平台15家以上"
)
CRITERIA_DOCUMENT = "演示标准（文件未公布各级毕业条件）"
# name, contract start, removed (day, grounds) or None, 2020 score
OPERATORS = [
    ("青山湖科创运营有限公司", date(2018, 1, 1), None, "86"),
    ("工创园孵化管理有限公司", date(2019, 3, 1), None, "78"),
    ("新智造产业服务有限公司", date(2019, 6, 1), None, "72"),
    ("廊湾产业加速器运营方", date(2020, 9, 1), None, None),
    ("环球小微园运营管理有限公司", date(2020, 3, 1), None, "81"),
    ("博创成果转化服务有限公司", date(2020, 5, 1), None, "75"),
    ("青锋众创空间管理有限公司", date(2020, 7, 1), None, "68"),
    *[(f"原孵化运营单位{n}", date(2017, 1, 1), (date(2020, 12, 15), "年度考核不合格，予以清退"),
       score) for n, score in zip("甲乙丙丁戊", ("52", "48", "55", "41", "58"), strict=True)],
]  # fmt: skip
# name, stage, zone code or None, location, m², capacity, opened, operator
SPACES = [
    ("青山湖科创苗圃", "nursery", "tod", "", "800", 15, date(2019, 4, 1), "青山湖科创运营有限公司"),
    ("硬科技众创空间", "makerspace", "tod", "", "2000", 20, date(2019, 9, 1),
     "青锋众创空间管理有限公司"),
    ("工创园孵化器", "incubator", "gongchuang", "", "12000", 25, date(2021, 12, 20),
     "工创园孵化管理有限公司"),
    ("临安区博士后研究成果转化园", "incubator", None, "青山湖科技城核心区块", "4500", 10,
     date(2020, 5, 28), "博创成果转化服务有限公司"),
    ("新智造加速器", "accelerator", "xinzhizao", "", "30000", 15, date(2021, 7, 1),
     "新智造产业服务有限公司"),
    ("廊湾产业加速器", "accelerator", None, "深圳市南山区粤海街道盈峰大厦19～20层", "3174", 20,
     date(2020, 9, 23), "廊湾产业加速器运营方"),
    ("浙江临安环球中小企业创业创新园", "small_park", "huanqiu", "", "138000", 40,
     date(2019, 1, 1), "环球小微园运营管理有限公司"),
]  # fmt: skip
PLATFORMS = ["检验检测公共服务平台", "知识产权服务平台", "科技金融服务平台"]
# stage left, measure, minimum
CRITERIA = [
    ("nursery", "months_in_stage", 6),
    ("makerspace", "months_in_stage", 12), ("makerspace", "employees", 5),
    ("incubator", "months_in_stage", 24), ("incubator", "employees", 20),
    ("incubator", "revenue_12m", 500),
    ("accelerator", "employees", 50), ("accelerator", "revenue_12m", 2000),
]  # fmt: skip
# enterprise, [(space, entered on)]: its steps in order, the last one open
STEPS = [
    ("杭州众硅电子科技有限公司", [("青山湖科创苗圃", date(2021, 3, 1)),
                                 ("硬科技众创空间", date(2021, 10, 8)),
                                 ("工创园孵化器", date(2023, 4, 1))]),
    ("杭州谱聚医疗科技有限公司", [("硬科技众创空间", date(2020, 6, 1)),
                                 ("临安区博士后研究成果转化园", date(2021, 9, 1))]),
    ("杭州利珀科技有限公司", [("工创园孵化器", date(2021, 12, 21)),
                             ("廊湾产业加速器", date(2023, 5, 1))]),
    ("浙江启尔机电技术有限公司", [("硬科技众创空间", date(2024, 1, 15))]),
    ("聚融医疗科技（杭州）有限公司", [("新智造加速器", date(2022, 1, 10)),
                                     ("浙江临安环球中小企业创业创新园", date(2024, 6, 1))]),
]  # fmt: skip


def load(keeper, park) -> None:
    if IncubationSpace.objects.filter(park=park).exists():
        return
    IncubationTarget.objects.create(
        park=park, year=2025, spaces=35, area_m2=Decimal(3_000_000), operators=20, platforms=15,
        document=TARGET_DOCUMENT,
    )  # fmt: skip
    operators = {}
    for name, start, removed, score in OPERATORS:
        op = services.operator_create(
            actor=keeper, via="demo", park=park, name=name, contract_start=start, demo=True
        )
        if score is not None:
            grounds = removed[1] if removed else ""
            services.operator_evaluate(actor=keeper, via="demo", operator=op, year=2020,
                                       score=score, grounds=grounds)  # fmt: skip
        if removed:
            services.operator_remove(actor=keeper, via="demo", operator=op, on=removed[0],
                                     grounds=removed[1])  # fmt: skip
        operators[name] = op
    zones = {z.code: z for z in Zone.objects.filter(park=park)}
    spaces = {}
    for name, stage, zone, location, m2, capacity, opened, operator in SPACES:
        spaces[name] = services.incubation_space_create(
            actor=keeper, via="demo", park=park, name=name, stage=stage, area_m2=m2,
            capacity=capacity, operator=operators[operator], zone=zones.get(zone),
            location=location, opened=opened, demo=True,
        )  # fmt: skip
    ServicePlatform.objects.bulk_create(
        ServicePlatform(park=park, name=n, opened=date(2021, 1, 1), demo=True) for n in PLATFORMS
    )
    GraduationRule.objects.bulk_create(
        GraduationRule(park=park, stage=s, measure=m, minimum=Decimal(v),
                       document=CRITERIA_DOCUMENT, demo=True)
        for s, m, v in CRITERIA
    )  # fmt: skip
    _steps(park, spaces)


def _steps(park, spaces) -> None:
    """Each enterprise's history as recorded (the criteria of the day are not re-checked: the
    history precedes them)."""
    names = dict(Enterprise.objects.filter(park=park).values_list("name", "pk"))
    for enterprise, path in STEPS:
        if enterprise not in names:
            continue
        for i, (space, entered) in enumerate(path):
            following = path[i + 1][1] if i + 1 < len(path) else None
            LadderStep.objects.create(
                enterprise_id=names[enterprise], space=spaces[space], stage=spaces[space].stage,
                entered_on=entered, demo=True,
                left_on=following and date.fromordinal(following.toordinal() - 1),
                outcome=LadderStep.Outcome.MOVED_UP if following else "",
            )  # fmt: skip
