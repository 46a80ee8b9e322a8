"""The field catalogue: each field's Chinese label (the documents' own wording), its unit, its help
text and its kind, written once. Forms, import templates, the annex-3 columns, CSV and xlsx headers
and validation messages all take their labels from here.

Keys are the API's field names; a nested field is dotted ("story.title"), and a field whose label
depends on what it belongs to is prefixed by that ("village.name")."""

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Label:
    name: str  # 资金已到位总投入
    unit: str = ""  # 万元: shown as 资金已到位总投入（万元）
    kind: str = "text"  # wan, int, bool, text, line, date, members, code, credit, week, id, choice, pct
    hint: str = ""  # help text under a form field
    short: str = ""  # the shorter name some messages of the documents use: 资金已到位
    yes_no: tuple[str, str] = ("是", "否")  # how a bool's two answers read
    part: bool = False  # an “其中” item of the total before it on the paper form

    @property
    def text(self) -> str:
        """The label as a heading shows it: 资金已到位总投入（万元）."""
        return f"{self.name}（{self.unit}）" if self.unit else self.name

    @property
    def brief(self) -> str:
        """The name inside a sentence: 资金已到位 31，计划 10."""
        return self.short or self.name

    @property
    def brief_text(self) -> str:
        """The short name with its unit: 资金已到位（万元）."""
        return f"{self.brief}（{self.unit}）" if self.unit else self.name


CUMULATIVE_HINT = "累计数"
PLAN_HINT = "如有，请写初步计划"
HAVE = ("有", "无")

_LABELS: dict[str, Label] = {
    # regions and villages
    "code": Label("区划代码", kind="code"),
    "name": Label("名称", kind="line"),
    "level": Label("级别", kind="choice"),
    "county_code": Label("县代码", kind="code"),
    "parent_code": Label("上级区划代码", kind="code"),
    "listed": Label("是否挂牌督战村", kind="bool"),
    "registered_poor": Label("是否建档立卡贫困村", kind="bool"),
    "poor_households": Label("贫困户数", kind="int"),
    "poor_population": Label("贫困人口数", kind="int"),
    "village.name": Label("村名称", kind="line"),
    # helping units
    "kind": Label("单位类型", kind="choice"),
    "credit_code": Label("统一社会信用代码", kind="credit"),
    "home_province": Label("所在省", kind="line"),
    "home_city": Label("所在市", kind="line"),
    "contact_name": Label("联系人", kind="line"),
    "contact_phone": Label("联系电话", kind="line"),
    "unit.name": Label("单位名称", kind="line"),
    # users
    "username": Label("用户名", kind="line"),
    "password": Label("密码", kind="line"),
    "display_name": Label("姓名", kind="line"),
    "role": Label("角色", kind="choice"),
    "region_code": Label("所属区划代码", kind="code"),
    "unit_id": Label("帮扶单位编号", kind="id"),
    # pairings (annex 1)
    "pairing_id": Label("结对编号", kind="id"),
    "village_code": Label("村代码", kind="code"),
    "unit_credit_code": Label("帮扶单位统一社会信用代码", kind="credit"),
    "signed_on": Label("签订日期", kind="date"),
    "committed_funds_wan": Label("至少投入扶贫资金", "万元", kind="wan"),
    "valid_until": Label("有效期至", kind="date"),
    "active": Label("是否有效", kind="bool"),
    "end_reason": Label("终止原因"),
    "successor_unit_id": Label("接力帮扶单位", kind="id"),
    "successor_committed_funds_wan": Label("接力单位至少投入扶贫资金", "万元", kind="wan"),
    # the five-measure plan (annex 2)
    "planned_funds_wan": Label("计划投入资金", "万元", kind="wan"),
    "planned_materials_wan": Label("计划投入物资", "万元，市场价值", kind="wan"),
    "usage_plan": Label("资金、物资用途规划", hint="请写资金使用计划"),
    "has_project": Label("有无相关项目", kind="bool", yes_no=HAVE),
    "project_plan": Label("促进产业扶贫计划", hint=PLAN_HINT),
    "sales_target_wan": Label("计划销售收入", "万元", kind="wan"),
    "self_purchase_wan": Label("帮扶单位自购", "万元", kind="wan", part=True),
    "market_link_wan": Label("链接市场销售", "万元", kind="wan", part=True),
    "jobs_target": Label("计划解决就业", "人", kind="int"),
    "unit_jobs": Label("帮扶单位用工", "人", kind="int", part=True),
    "outside_jobs": Label("外出就业（不含帮扶单位用工）", "人", kind="int", part=True, short="外出就业"),
    "entrepreneurship_jobs": Label("创业就业", "人", kind="int", part=True),
    "public_welfare_jobs": Label("公益岗位", "人", kind="int", part=True),
    "trainees_target": Label("计划培训", "人", kind="int"),
    "training_plan": Label("培训计划", hint=PLAN_HINT),
    "will_station": Label("是否派驻村力量", kind="bool"),
    "stationed_target": Label("计划驻村人数", kind="int"),
    "members": Label("驻村人员名单", kind="members", hint="每行一人"),
    "start_date": Label("驻村人员入村时间", kind="date", hint="以第一个人为准"),
    "reason": Label("原因"),
    # the weekly report
    "week": Label("周次", kind="week"),
    "funds_arrived_wan": Label("资金已到位总投入", "万元", kind="wan", hint=CUMULATIVE_HINT, short="资金已到位"),
    "materials_arrived_wan": Label("物资已到位", "万元", kind="wan", hint=CUMULATIVE_HINT),
    "industry_plan_done": Label("是否已完成计划", kind="bool"),
    "sales_done_wan": Label("已完成销售", "万元", kind="wan", hint=CUMULATIVE_HINT),
    "jobs_done": Label("已解决就业人数", kind="int", hint=CUMULATIVE_HINT, short="已解决就业"),
    "trained_done": Label("已完成培训人数", kind="int", hint=CUMULATIVE_HINT, short="已完成培训"),
    "stationed_now": Label("已驻村人数", kind="int", hint="当前在村人数，可以减少"),
    "beneficiaries": Label("带动贫困人口数", kind="int", hint="选填"),
    "progress": Label("本周项目进展", hint="必填，不超过 2000 字"),
    "story": Label("案例故事"),
    "title": Label("标题", kind="line"),
    "body": Label("正文"),
    "story.title": Label("案例故事标题", kind="line", hint="选填"),
    "story.body": Label("案例故事正文", hint="选填：本周值得宣传的帮扶故事"),
    "correction_note": Label("更正说明", hint="累计数比上次减少时必须填写原因"),
    "client_saved_at": Label("手机保存时间", kind="line"),
    # the columns of annex 3 that are not a stored field
    "seq": Label("序号", kind="int"),
    "village": Label("帮扶村", kind="line"),
    "unit": Label("结对帮扶单位", kind="line"),
    "county": Label("县", kind="line"),
    "province": Label("省", kind="line"),
    "pairings": Label("结对数", kind="int"),
    "reports_this_week": Label("本周报送数", kind="int"),
    "reports_on_time": Label("本周按时报送数", kind="int"),
    "funds_planned_wan": Label("资金计划总投入", "万元", kind="wan"),
    "funds_pct": Label("资金计划完成比例", "%", kind="pct"),
    "materials_planned_wan": Label("物资计划总投入", "万元", kind="wan"),
    "materials_pct": Label("物资计划完成比例", "%", kind="pct"),
    "has_industry_plan": Label("是否有产业扶贫计划", kind="flag"),
    "sales_planned_wan": Label("计划销售", "万元", kind="wan"),
    "sales_pct": Label("销售计划完成比例", "%", kind="pct"),
    "jobs_planned": Label("计划就业人数", kind="int"),
    "jobs_pct": Label("就业计划完成比例", "%", kind="pct"),
    "trainees_planned": Label("计划培训人数", kind="int"),
    "trained_pct": Label("培训计划完成比例", "%", kind="pct"),
    "stationed": Label("是否派驻村", kind="flag"),
    "report_week": Label("已填数据来自周次", kind="week"),  # the weekly sheet: the latest report's week
    # query parameters and review
    "limit": Label("每页条数", kind="int"),
    "offset": Label("跳过条数", kind="int"),
    "format": Label("导出格式", kind="choice"),
    "month": Label("月份"),
    "resolution": Label("核实结果", kind="choice"),
    "note": Label("核实说明"),
    "pairing_ids": Label("所选结对", kind="id"),  # bulk approve (issue 14 part C2)
    "all_without_open_flags": Label("全部无存疑数据的周报", kind="bool"),
    "as_of": Label("审核页面打开时间", kind="line"),
    "flag_ids": Label("所选存疑数据", kind="id"),
    "sort": Label("排序", kind="choice"),
    "filter": Label("筛选", kind="choice"),
    "q": Label("查找帮扶村或结对帮扶单位", kind="line"),
    "file": Label("文件"),
}
LABELS = MappingProxyType(_LABELS)


@dataclass(frozen=True)
class Measure:
    """One of the five measures of annex 2."""

    key: str
    number: str  # 举措一
    name: str  # 加大资金投入，促进产业扶贫
    fields: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"{self.number} {self.name}"


MEASURES = (
    Measure("industry", "举措一", "加大资金投入，促进产业扶贫",
            ("planned_funds_wan", "planned_materials_wan", "usage_plan", "has_project", "project_plan")),
    Measure("consumption", "举措二", "消费扶贫", ("sales_target_wan", "self_purchase_wan", "market_link_wan")),
    Measure("employment", "举措三", "促进就业",
            ("jobs_target", "unit_jobs", "outside_jobs", "entrepreneurship_jobs", "public_welfare_jobs")),
    Measure("training", "举措四", "技能培训", ("trainees_target", "training_plan")),
    Measure("stationing", "举措五", "派驻力量", ("will_station", "stationed_target", "members", "start_date")),
)
MEASURE_BY_KEY = MappingProxyType({m.key: m for m in MEASURES})


def entry(key: str) -> Label:
    """The catalogue entry of a field; a dotted key falls back to its last part."""
    found = _LABELS.get(key)
    if found is None and "." in key:
        found = _LABELS.get(key.rsplit(".", 1)[1])
    if found is None:
        raise KeyError(f"no label for field {key!r} in app/catalogue.py")
    return found


def label(key: str) -> str:
    """The heading text of a field: 资金已到位总投入（万元）."""
    return entry(key).text


def error_label(key: str) -> str | None:
    """How a validation message names a field or a measure; None for a name the catalogue lacks."""
    if key in MEASURE_BY_KEY:
        return MEASURE_BY_KEY[key].title
    found = _LABELS.get(key)
    return found.text if found else None
