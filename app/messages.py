"""Validation messages in Chinese that name the field by the documents' own label."""

from typing import Any

FIELD_LABELS = {
    # regions and villages
    "code": "区划代码", "name": "名称", "level": "级别", "county_code": "县代码",
    "parent_code": "上级区划代码", "listed": "是否挂牌督战村", "registered_poor": "是否建档立卡贫困村",
    "poor_households": "贫困户数", "poor_population": "贫困人口数",
    # units
    "kind": "单位类型", "credit_code": "统一社会信用代码", "home_province": "所在省",
    "home_city": "所在市", "contact_name": "联系人", "contact_phone": "联系电话",
    # users
    "username": "用户名", "password": "密码", "display_name": "姓名", "role": "角色",
    "region_code": "所属区划代码", "unit_id": "帮扶单位编号",
    # pairings
    "village_code": "村代码", "signed_on": "签订日期", "committed_funds_wan": "至少投入扶贫资金（万元）",
    "valid_until": "有效期至", "active": "是否有效",
    # plan, annex 2
    "planned_funds_wan": "计划投入资金（万元）", "planned_materials_wan": "计划投入物资（万元，市场价值）",
    "usage_plan": "资金、物资用途规划", "has_project": "有无相关项目", "project_plan": "促进产业扶贫计划",
    "sales_target_wan": "计划销售收入（万元）", "self_purchase_wan": "帮扶单位自购（万元）",
    "market_link_wan": "链接市场销售（万元）", "jobs_target": "计划解决就业（人）",
    "unit_jobs": "帮扶单位用工（人）", "outside_jobs": "外出就业（不含帮扶单位用工）（人）",
    "entrepreneurship_jobs": "创业就业（人）", "public_welfare_jobs": "公益岗位（人）",
    "trainees_target": "计划培训（人）", "training_plan": "培训计划", "will_station": "是否派驻村力量",
    "stationed_target": "计划驻村人数", "members": "驻村人员名单", "start_date": "驻村人员入村时间",
    "reason": "原因",
    # weekly report
    "week": "周次", "funds_arrived_wan": "资金已到位总投入（万元）", "materials_arrived_wan": "物资已到位（万元）",
    "industry_plan_done": "是否已完成计划", "sales_done_wan": "已完成销售（万元）",
    "jobs_done": "已解决就业人数", "trained_done": "已完成培训人数", "stationed_now": "已驻村人数",
    "beneficiaries": "带动贫困人口数", "progress": "本周项目进展", "story": "案例故事",
    "title": "标题", "body": "正文", "correction_note": "更正说明",
    "limit": "每页条数", "offset": "跳过条数", "format": "导出格式", "month": "月份",
    "resolution": "核实结果", "note": "核实说明", "file": "文件",
    "industry": "举措一 加大资金投入，促进产业扶贫", "consumption": "举措二 消费扶贫",
    "employment": "举措三 促进就业", "training": "举措四 技能培训", "stationing": "举措五 派驻力量",
}


# Path and query parameters whose name means something else in a body.
PARAMETER_LABELS = {("path", "kind"): "导入类型"}


def label_for(loc: tuple | list) -> str:
    if len(loc) == 2 and tuple(loc) in PARAMETER_LABELS:
        return PARAMETER_LABELS[tuple(loc)]
    for part in reversed(loc):
        if isinstance(part, str) and part != "body":
            return FIELD_LABELS.get(part, part)
    return "请求内容"


def _translate(err: dict[str, Any]) -> str:
    label = label_for(err.get("loc", ()))
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "missing":
        return f"{label}为必填项"
    if kind == "extra_forbidden":
        return f"不接受字段“{label}”：请求中不能包含此字段"
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"):
        return f"{label}必须是数字（例如 12.5）"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{label}必须是整数"
    if kind == "greater_than_equal":
        return f"{label}不能小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"{label}必须大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"{label}不能大于 {ctx.get('le')}"
    if kind == "decimal_max_places":
        return f"{label}最多保留 {ctx.get('decimal_places')} 位小数"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return f"{label}数值过大"
    if kind == "string_too_short":
        return f"{label}不能为空" if ctx.get("min_length") == 1 else f"{label}至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"{label}不能超过 {ctx.get('max_length')} 个字"
    if kind == "too_long":
        return f"{label}最多 {ctx.get('max_length')} 项"
    if kind == "string_pattern_mismatch":
        return f"{label}格式不正确"
    if kind in ("string_type",):
        return f"{label}必须是文本"
    if kind in ("bool_parsing", "bool_type"):
        return f"{label}必须是 是/否（true/false 或 1/0）"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"):
        return f"{label}必须是日期，格式 YYYY-MM-DD"
    if kind in ("enum", "literal_error"):
        return f"{label}必须是以下之一：{ctx.get('expected')}"
    if kind in ("list_type",):
        return f"{label}必须是列表"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{label}必须是对象"
    if kind == "json_invalid":
        return "请求内容不是有效的 JSON"
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", ""))
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"{label}：{err.get('msg')}"


def translate_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's 422 shape, with messages a Chinese-speaking officer can act on."""
    return [{"loc": list(e.get("loc", ())), "msg": _translate(e), "type": e.get("type", "value_error")}
            for e in errors]
