"""`bangfu demo`: a realistic, deterministic demonstration campaign, loaded through the services
so that every rule applies to it as to real data."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, col, func, select

from app.auth.models import Role, User, UserCreate
from app.auth.policy import Principal
from app.auth.service import create_user, hash_password
from app.codes import Level, ancestor_code
from app.common import local_tz, parse_week
from app.config import Settings
from app.pairings import service as pairings
from app.pairings.flows import save_plan
from app.pairings.models import Pairing, PairingCreate, Plan, PlanIn
from app.pairings.policy import PairingAccess, pairing_access
from app.public.service import feature_story, publish_month
from app.regions.models import Region, RegionCreate, Village, VillageCreate
from app.regions.service import create_region, create_village
from app.reports import service as reports
from app.reports.flows import save_report
from app.reports.models import Report, ReportIn, ReportStatus
from app.reports.policy import report_access
from app.review.models import Flag, FlagResolve, Resolution
from app.review.policy import flag_access
from app.review.service import resolve_flag
from app.stats import service as stats
from app.stats.models import SubmitIn
from app.stats.policy import county_access
from app.units.models import Unit, UnitCreate, UnitKind, credit_check_char
from app.units.service import create_unit

DEMO_PASSWORD = "bangfu2020"
DEMO_TODAY = date(2020, 7, 15)  # a Wednesday of 2020-W29, the week the demo is "in"

# (province, [(city, [(county, [(township, [villages])])])]) with statistical division codes.
GEOGRAPHY = [
    ("530000000000", "云南省", [
        ("530600000000", "昭通市", [
            ("530627000000", "镇雄县", [
                ("530627104000", "泼机镇", ["大坪村", "新华村", "红旗村", "团结村", "石门村"]),
                ("530627108000", "塘房镇", ["光明村", "箐口村", "马鞍村", "松林村"]),
            ]),
            ("530628000000", "彝良县", [
                ("530628109000", "龙海镇", ["水井村", "坪子村", "河坝村", "龙洞村"]),
                ("530628203000", "树林乡", ["双河村", "小河村", "白石村", "核桃村"]),
            ]),
        ]),
        ("530300000000", "曲靖市", [
            ("530326000000", "会泽县", [
                ("530326203000", "大海乡", ["二道村", "梨园村", "岔河村", "大营村"]),
                ("530326202000", "老厂乡", ["竹园村", "鲁纳村", "黑土村", "石坪村", "新田村"]),
            ]),
        ]),
    ]),
    ("620000000000", "甘肃省", [
        ("622900000000", "临夏回族自治州", [
            ("622926000000", "东乡族自治县", [
                ("622926100000", "锁南镇", ["拱北湾村", "东塬村", "达板村", "塔布村"]),
                ("622926206000", "高山乡", ["布楞沟村", "中心村", "苏家村", "阳洼村"]),
            ]),
        ]),
        ("621100000000", "定西市", [
            ("621126000000", "岷县", [
                ("621126102000", "梅川镇", ["杏林村", "永星村", "茶埠村", "马家沟村"]),
                ("621126103000", "西寨镇", ["冷地村", "扎马村", "西京村", "刘家堡村"]),
            ]),
        ]),
    ]),
    ("510000000000", "四川省", [
        ("513400000000", "凉山彝族自治州", [
            ("513429000000", "布拖县", [
                ("513429100000", "特木里镇", ["依撒村", "吉乃村", "洛古村", "补洛村"]),
                ("513429101000", "拖觉镇", ["瓦都村", "合井村", "阿布村", "火烈村"]),
            ]),
            ("513431000000", "昭觉县", [
                ("513431100000", "新城镇", ["四开村", "竹核村", "谷莫村", "好谷村"]),
                ("513431208000", "支尔莫乡", ["阿土列尔村", "特土村", "古曲村", "比尔村"]),
            ]),
        ]),
    ]),
]

UNITS = [
    ("北京华禾农业科技有限公司", UnitKind.private_enterprise, "北京市", "北京市"),
    ("浙江云栖电子商务有限公司", UnitKind.private_enterprise, "浙江省", "杭州市"),
    ("广东岭南食品集团有限公司", UnitKind.private_enterprise, "广东省", "广州市"),
    ("江苏恒顺纺织有限公司", UnitKind.private_enterprise, "江苏省", "苏州市"),
    ("上海申联物流有限公司", UnitKind.private_enterprise, "上海市", "上海市"),
    ("深圳智联信息技术有限公司", UnitKind.private_enterprise, "广东省", "深圳市"),
    ("山东鲁粮农业发展有限公司", UnitKind.private_enterprise, "山东省", "济南市"),
    ("福建闽茶实业有限公司", UnitKind.private_enterprise, "福建省", "福州市"),
    ("四川天府畜牧有限公司", UnitKind.private_enterprise, "四川省", "成都市"),
    ("云南高原花卉有限公司", UnitKind.private_enterprise, "云南省", "昆明市"),
    ("天津海河建设工程有限公司", UnitKind.private_enterprise, "天津市", "天津市"),
    ("湖北荆楚医药有限公司", UnitKind.private_enterprise, "湖北省", "武汉市"),
    ("河南中原面业有限公司", UnitKind.private_enterprise, "河南省", "郑州市"),
    ("重庆山城果业有限公司", UnitKind.private_enterprise, "重庆市", "重庆市"),
    ("北京京西文旅发展有限公司", UnitKind.private_enterprise, "北京市", "北京市"),
    ("甘肃陇原牛羊产业有限公司", UnitKind.private_enterprise, "甘肃省", "兰州市"),
    ("中国乡村发展公益基金会（演示）", UnitKind.social_org, "北京市", "北京市"),
    ("爱心助学公益基金会", UnitKind.social_org, "北京市", "北京市"),
    ("浙江乡村振兴促进会", UnitKind.social_org, "浙江省", "杭州市"),
    ("广东扶贫济困慈善会", UnitKind.social_org, "广东省", "广州市"),
    ("上海慈善帮扶中心", UnitKind.social_org, "上海市", "上海市"),
    ("江苏妇女儿童发展基金会", UnitKind.social_org, "江苏省", "南京市"),
    ("山东医疗援助公益协会", UnitKind.social_org, "山东省", "青岛市"),
    ("福建海峡公益服务中心", UnitKind.social_org, "福建省", "厦门市"),
    ("中原农技推广协会", UnitKind.social_org, "河南省", "郑州市"),
    ("中铁西南建设集团有限公司（演示）", UnitKind.state_owned, "四川省", "成都市"),
    ("国投云贵能源有限公司（演示）", UnitKind.state_owned, "云南省", "昆明市"),
    ("华北电网服务有限公司（演示）", UnitKind.state_owned, "北京市", "北京市"),
    ("西部农垦发展集团有限公司（演示）", UnitKind.state_owned, "甘肃省", "兰州市"),
    ("长江航运发展集团有限公司（演示）", UnitKind.state_owned, "湖北省", "武汉市"),
    ("海南热带农业投资集团（演示）", UnitKind.state_owned, "海南省", "海口市"),
    ("北京温州商会", UnitKind.other, "北京市", "北京市"),
    ("深圳潮汕商会", UnitKind.other, "广东省", "深圳市"),
    ("上海云南商会", UnitKind.other, "上海市", "上海市"),
    ("浙江省甘肃商会", UnitKind.other, "浙江省", "杭州市"),
    ("天津四川商会", UnitKind.other, "天津市", "天津市"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "桂兰", "建华", "志强"]

PROGRESS = [
    "产业项目按计划推进，本周完成资金拨付并组织村民开会。",
    "消费扶贫专柜上线，本周销售农特产品。",
    "组织贫困劳动力赴企业面试，新增就业岗位。",
    "开展种养殖技术培训一期。",
    "驻村工作队走访贫困户，核实帮扶需求。",
    "合作社厂房建设完成主体工程。",
]
STORIES = [
    ("大棚里的新希望", "帮扶单位投入资金建设蔬菜大棚，贫困户在家门口就业，人均月增收一千余元。"),
    ("山货出山", "借助电商平台，村里的核桃、花椒卖到了全国，合作社订单排到了年底。"),
    ("一技在手，脱贫不愁", "技能培训让二十多名贫困群众拿到了职业技能证书，外出务工工资明显提高。"),
]

# Reports of these weeks (today is Wednesday of the last one, so some have not reported yet).
DEMO_WEEKS = ["2020-W24", "2020-W25", "2020-W26", "2020-W27", "2020-W28", "2020-W29"]


def database_is_empty(session: Session) -> bool:
    return (session.exec(select(func.count()).select_from(Region)).one() == 0
            and session.exec(select(func.count()).select_from(User)).one() == 0)


def _credit_code(n: int, kind: UnitKind) -> str:
    # Registration authority 5 (civil affairs) for social organisations, 9 (market regulation)
    # for enterprises.
    prefix = "51" if kind == UnitKind.social_org else "91"
    first17 = f"{prefix}110000{(n * 7919) % 10**9:09d}"
    return first17 + credit_check_char(first17)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _local(settings: Settings, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_tz(settings)).astimezone(UTC)


def _plan_for(rng: random.Random, committed: Decimal, style: str) -> PlanIn:
    if style == "zero":
        return PlanIn()
    funds = committed
    materials = Decimal(rng.choice([0, 2, 5, 10, 20]))
    sales = Decimal(rng.choice([0, 10, 20, 30, 50, 80]))
    self_buy = (sales * Decimal(rng.choice(["0.2", "0.4", "0.5"]))).quantize(Decimal("0.01"))
    jobs = rng.choice([0, 5, 10, 20, 30])
    parts = [jobs // 4, jobs // 3, jobs // 6, 0]
    parts[3] = max(0, jobs - sum(parts) - rng.choice([0, 1]))
    trainees = rng.choice([0, 20, 40, 60, 100])
    station = rng.random() < 0.6
    count = rng.choice([1, 2, 3]) if station else 0
    has_project = funds > 0 and rng.random() < 0.85
    return PlanIn.model_validate({
        "industry": {"planned_funds_wan": funds, "planned_materials_wan": materials,
                     "usage_plan": "建设产业配套设施，购置种苗和农资" if funds else "",
                     "has_project": has_project,
                     "project_plan": rng.choice(["发展高山蔬菜种植", "建设肉牛养殖小区", "扩建花椒加工厂",
                                                 "发展中药材种植合作社"]) if has_project else ""},
        "consumption": {"sales_target_wan": sales, "self_purchase_wan": self_buy,
                        "market_link_wan": sales - self_buy},
        "employment": {"jobs_target": jobs, "unit_jobs": parts[0], "outside_jobs": parts[1],
                       "entrepreneurship_jobs": parts[2], "public_welfare_jobs": parts[3]},
        "training": {"trainees_target": trainees,
                     "training_plan": "种养殖实用技术和外出务工技能培训" if trainees else ""},
        "stationing": {"will_station": station, "stationed_target": count,
                       "members": [_person(rng) for _ in range(count)] if station else [],
                       "start_date": date(2020, 6, rng.choice([1, 8, 15])) if station else None},
    })


class _Demo:
    """The campaign, built step by step in a fixed order so that the random choices, and so the
    data, are the same every time."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        # The demo campaign happened in 2020: stamp what it submits on that calendar.
        self.settings = settings.model_copy(update={"today": settings.today or DEMO_TODAY})
        self.rng = random.Random(2020)
        self.password_hash = hash_password(DEMO_PASSWORD)
        admin = create_user(session, None, UserCreate(username="admin", password=DEMO_PASSWORD,
                                                      display_name="系统管理员", role=Role.admin))
        self.admin = Principal.of(admin)
        self.villages: list[Village] = []
        self.counties: list[tuple[str, str]] = []
        self.units: list[Unit] = []
        self.pairings: list[Pairing] = []
        self.officer_by_county: dict[str, Principal] = {}
        self.officer_by_region: dict[str | None, Principal] = {}
        self.liaisons: dict[int, Principal] = {}

    def geography(self) -> None:
        session, admin, rng = self.session, self.admin, self.rng
        for p_code, p_name, cities in GEOGRAPHY:
            create_region(session, admin, RegionCreate(code=p_code, name=p_name, level=Level.province))
            for c_code, c_name, county_list in cities:
                create_region(session, admin, RegionCreate(code=c_code, name=c_name, level=Level.city))
                for d_code, d_name, townships in county_list:
                    create_region(session, admin, RegionCreate(code=d_code, name=d_name, level=Level.county))
                    self.counties.append((d_code, d_name))
                    for t_code, t_name, names in townships:
                        create_region(session, admin,
                                      RegionCreate(code=t_code, name=t_name, level=Level.township))
                        for i, v_name in enumerate(names, start=1):
                            households = rng.randint(40, 260)
                            self.villages.append(create_village(session, admin, VillageCreate(
                                code=t_code[:9] + f"{200 + i:03d}", name=v_name, listed=True,
                                registered_poor=rng.random() < 0.9, poor_households=households,
                                poor_population=households * rng.randint(3, 5),
                            )))

    def units_and_pairings(self) -> None:
        rng = self.rng
        self.units = [
            create_unit(self.session, self.admin, UnitCreate(
                name=name, kind=kind, credit_code=_credit_code(n, kind), home_province=prov,
                home_city=city, contact_name=_person(rng),
                contact_phone=f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}",
            ))
            for n, (name, kind, prov, city) in enumerate(UNITS, start=1)
        ]
        # Every village gets one to three units; every unit at least one village.
        order = list(range(len(self.units)))
        for i, village in enumerate(self.villages):
            chosen = {order[i % len(order)]} | {rng.randrange(len(self.units)) for _ in range(rng.choice([0, 1, 2]))}
            for u in sorted(chosen):
                unit_id = self.units[u].id
                assert unit_id is not None
                committed = Decimal(rng.choice([20, 30, 50, 80, 100, 150, 200, 300]))
                self.pairings.append(pairings.create_pairing(self.session, self.settings, self.admin, PairingCreate(
                    unit_id=unit_id, village_code=village.code,
                    signed_on=date(2020, 4, 28) + timedelta(days=rng.randint(0, 30)),
                    committed_funds_wan=committed,
                )))

    def users(self) -> None:
        officers: list[tuple[str, str, str | None]] = [
            ("guoban", "国务院扶贫办 社会扶贫司", None),
            ("yunnan", "云南省扶贫办", "530000000000"),
            ("gansu", "甘肃省扶贫办", "620000000000"),
            ("sichuan", "四川省扶贫办", "510000000000"),
            ("zhaotong", "昭通市扶贫办", "530600000000"),
        ]
        pinyin = {"530627000000": "zhenxiong", "530628000000": "yiliang", "530326000000": "huize",
                  "622926000000": "dongxiang", "621126000000": "minxian", "513429000000": "butuo",
                  "513431000000": "zhaojue"}
        officers += [(pinyin[code], f"{name}扶贫办", code) for code, name in self.counties]
        made: list[tuple[User, str | None]] = []
        for username, display, region in officers:
            user = User(username=username, password_hash=self.password_hash, display_name=display,
                        role=Role.officer, region_code=region)
            self.session.add(user)
            made.append((user, region))
        # Two liaisons a unit (003 §三(一)1), except a few units that have not named both yet.
        firsts: dict[int, User] = {}
        for n, unit in enumerate(self.units, start=1):
            assert unit.id is not None
            count = 2 if n % 9 else (1 if n % 2 else 0)
            for k in range(1, count + 1):
                user = User(username=f"lianluo{n}" + ("" if k == 1 else "b"), password_hash=self.password_hash,
                            display_name=_person(self.rng), role=Role.liaison, unit_id=unit.id)
                self.session.add(user)
                firsts.setdefault(unit.id, user)
        self.session.flush()
        for user, region in made:
            self.officer_by_region[region] = Principal.of(user)
            if region in pinyin:
                self.officer_by_county[region] = Principal.of(user)
        self.liaisons = {unit_id: Principal.of(user) for unit_id, user in firsts.items()}

    def plans_and_reports(self) -> int:
        rng, settings, session = self.rng, self.settings, self.session
        reports_filed = 0
        village_by_id = {v.id: v for v in self.villages}
        for i, pairing in enumerate(self.pairings):
            assert pairing.id is not None
            village = village_by_id[pairing.village_id]
            actor = self.liaisons.get(pairing.unit_id, self.admin)
            county = self.officer_by_county[village.county_code]
            style = "zero" if i % 37 == 5 else "normal"
            plan = _plan_for(rng, pairing.committed_funds_wan, style)
            filing = pairing_access(session, actor, pairing.id)
            stored, _created = save_plan(session, settings, filing, plan, now=_local(settings, date(2020, 6, 5), 10))
            self._review_plan(_with_plan(filing, stored), _with_plan(pairing_access(session, county, pairing.id), stored))
            filing = _with_plan(filing, stored)
            for week, data, filed in self._weekly(plan, village.poor_population):
                save_report(session, settings, report_access(session, filing, week), data, now=filed)
                reports_filed += 1
        return reports_filed

    def _review_plan(self, filing: PairingAccess, county: PairingAccess) -> None:
        state = self.rng.random()
        if state < 0.9:
            pairings.submit_plan(self.session, filing)
            if state < 0.75:
                pairings.confirm_plan(self.session, county)
            elif state < 0.82:
                pairings.return_plan(self.session, self.settings, county, "请补充资金、物资用途规划的具体项目和金额后重新提交")

    def _weekly(self, plan: PlanIn, poor_population: int) -> list[tuple[str, ReportIn, datetime]]:
        """Cumulative progress towards the plan, week by week."""
        rng, settings = self.rng, self.settings
        pace = Decimal(rng.choice(["0.04", "0.06", "0.08", "0.1", "0.12", "0.2"]))
        skip_last = rng.random() < 0.25
        ind, con, emp, tra, sta = plan.industry, plan.consumption, plan.employment, plan.training, plan.stationing
        out = []
        for w, week in enumerate(DEMO_WEEKS, start=1):
            if week == DEMO_WEEKS[-1] and skip_last:
                continue
            share = min(Decimal(1), pace * (w + 2))
            late = rng.random() < 0.1
            monday = parse_week(week)
            filed = _local(settings, monday + timedelta(days=5 if late else rng.choice([1, 2, 3])),
                           rng.randint(9, 17))
            if week == DEMO_WEEKS[-1]:
                filed = _local(settings, DEMO_TODAY - timedelta(days=rng.choice([0, 1])), 9)
            story = None
            if rng.random() < 0.05:
                title, body = rng.choice(STORIES)
                story = {"title": title, "body": body}
            out.append((week, ReportIn.model_validate({
                "funds_arrived_wan": (ind.planned_funds_wan * share).quantize(Decimal("0.01")),
                "materials_arrived_wan": (ind.planned_materials_wan * share).quantize(Decimal("0.01")),
                "industry_plan_done": share >= 1,
                "sales_done_wan": (con.sales_target_wan * share).quantize(Decimal("0.01")),
                "jobs_done": int(emp.jobs_target * share),
                "trained_done": int(tra.trainees_target * share),
                "stationed_now": sta.stationed_target,
                "beneficiaries": int(poor_population * share / 2) or None,
                "progress": rng.choice(PROGRESS),
                "story": story,
            }), filed))
        return out

    def review_cycle(self) -> int:
        """Counties approve their reports and send the table up; the provinces have accepted all
        but the last past week, which still waits; this week is open."""
        session, submissions = self.session, 0
        for county_code, _name in self.counties:
            officer = self.officer_by_county[county_code]
            county = county_access(session, officer, county_code)
            province = county_access(session, self.officer_by_region[ancestor_code(county_code, Level.province)], county_code)
            for week in DEMO_WEEKS[:-1]:
                for report in session.exec(
                    select(Report).join(Pairing).join(Village)
                    .where(Village.county_code == county_code, Report.week == week,
                           Report.status == ReportStatus.submitted)
                ).all():
                    reports.approve_report(session, report_access(
                        session, pairing_access(session, officer, report.pairing_id), week))
                # Sent up with a note where a report is still missing or a flag open, as a
                # county would at the deadline.
                ready = stats.week_checklist(session, self.settings, county, week).complete
                stats.submit_week(session, self.settings, county, week, None if ready else SubmitIn(
                    confirm_incomplete=True, note="个别结对因村里网络不通未能按时报送，已电话核实进展，下周补报"))
                submissions += 1
                if week != DEMO_WEEKS[-2]:
                    stats.accept_week(session, self.settings, province, week)
        # A few open questions for the review queue, one of them already answered.
        for flag in session.exec(select(Flag).where(Flag.rule == "S1").order_by(col(Flag.id)).limit(1)):
            assert flag.id is not None
            officer = self.officer_by_county[flag.county_code]
            resolve_flag(session, flag_access(session, officer, flag.id), FlagResolve(
                resolution=Resolution.verified, note="经电话核实，该单位以捐赠物资方式帮扶，计划书待补充"))
        return submissions

    def disclosure(self) -> int:
        """The national office has published June; each of a few counties has featured one of its
        stories (典型案例)."""
        session = self.session
        publish_month(session, self.settings, self.officer_by_region[None], "2020-06")
        featured, counties_seen, titles_seen = 0, set(), set()
        for report, county_code in session.exec(
            select(Report, Village.county_code).join(Pairing, col(Report.pairing_id) == col(Pairing.id))
            .join(Village, col(Pairing.village_id) == col(Village.id))
            .where(col(Report.story_body).is_not(None), col(Report.week) <= DEMO_WEEKS[-2])
            .order_by(col(Report.week).desc(), col(Report.id))
        ).all():
            # Three different stories from three counties.
            if featured < 3 and county_code not in counties_seen and report.story_title not in titles_seen:
                officer = self.officer_by_county[county_code]
                access = report_access(session, pairing_access(session, officer, report.pairing_id), report.week)
                feature_story(session, self.settings, access, True)
                featured += 1
                counties_seen.add(county_code)
                titles_seen.add(report.story_title)
        return featured


def _with_plan(access: PairingAccess, plan: Plan) -> PairingAccess:
    return PairingAccess(access.principal, access.pairing, access.village, access.unit, plan)


def load_demo(session: Session, settings: Settings) -> dict[str, int]:
    demo = _Demo(session, settings)
    demo.geography()
    demo.units_and_pairings()
    demo.users()
    reports_filed = demo.plans_and_reports()
    submissions = demo.review_cycle()
    featured = demo.disclosure()
    return {"省": len(GEOGRAPHY), "县": len(demo.counties), "村": len(demo.villages), "帮扶单位": len(demo.units),
            "结对": len(demo.pairings), "周报": reports_filed,
            "用户": session.exec(select(func.count()).select_from(User)).one(), "上报": submissions,
            "存疑数据": session.exec(select(func.count()).select_from(Flag)).one(),
            "信息公开": 1, "典型案例": featured}
