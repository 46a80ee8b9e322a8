"""Statistical division codes (统计用区划代码): 12 digits, province PP0000000000 down to village
PPCCDDTTTVVV. Pure functions of the code; which regions exist is the regions domain's business."""

import re
from enum import StrEnum


class Level(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"


LEVEL_LABELS = {
    Level.province: "省",
    Level.city: "市",
    Level.county: "县",
    Level.township: "乡镇",
    Level.village: "村",
}
# How many leading digits of a code are significant at each level.
SIGNIFICANT = {Level.province: 2, Level.city: 4, Level.county: 6, Level.township: 9, Level.village: 12}
PARENT = {Level.city: Level.province, Level.county: Level.city, Level.township: Level.county,
          Level.village: Level.township}
# [0-9], not \d: \d also matches full-width and other Unicode digits.
CODE_RE = re.compile(r"^[0-9]{12}$")


def level_of(code: str) -> Level:
    """The level a well-formed code denotes: the longest non-zero prefix."""
    if code[9:] != "000":
        return Level.village
    if code[6:9] != "000":
        return Level.township
    if code[4:6] != "00":
        return Level.county
    if code[2:4] != "00":
        return Level.city
    return Level.province


def ancestor_code(code: str, level: Level) -> str:
    """The code of the region at `level` that contains `code`."""
    n = SIGNIFICANT[level]
    return code[:n] + "0" * (12 - n)


def prefix_of(code: str) -> str:
    """The significant prefix: every code under this region starts with it."""
    return code[: SIGNIFICANT[level_of(code)]]


def check_code(code: str) -> str:
    if not CODE_RE.match(code):
        raise ValueError("区划代码必须是 12 位数字（统计用区划代码）")
    if code[:2] == "00":
        raise ValueError("区划代码的前两位（省级代码）不能为 00")
    return code

