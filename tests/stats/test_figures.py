"""Figures.json and increase_json are written out by hand for speed; they must say exactly what
the generic encoding over annex 3's COLUMNS says."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.stats.models import COLUMNS, INCREASE_KEYS, Figures, encode

money = st.decimals(min_value=Decimal("-99999.9999"), max_value=Decimal("999999.9999"), places=4,
                    allow_nan=False, allow_infinity=False)
count = st.integers(min_value=-5000, max_value=100_000)
flag = st.integers(min_value=0, max_value=300)

figures = st.builds(
    Figures, funds_planned_wan=money, funds_arrived_wan=money, materials_planned_wan=money,
    materials_arrived_wan=money, has_industry_plan=flag, industry_plan_done=flag, sales_planned_wan=money,
    sales_done_wan=money, jobs_planned=count, jobs_done=count, trainees_planned=count, trained_done=count,
    stationed=flag, stationed_count=count,
)


@given(figures)
def test_json_is_the_generic_encoding_in_annex_order(f):
    values = f.values()
    assert list(f.json().items()) == [(key, encode(kind, values[key])) for key, _label, kind in COLUMNS]


@given(figures)
def test_increase_json_is_the_generic_encoding(f):
    expected = [(key, encode(kind, getattr(f, key))) for key, _label, kind in COLUMNS if key in INCREASE_KEYS]
    assert list(f.increase_json().items()) == expected


def test_a_zero_plan_is_zero_percent_and_zero_money_is_plain_zero():
    out = Figures(funds_arrived_wan=Decimal("3.5000")).json()
    assert out["funds_pct"] == "0.00" and out["funds_planned_wan"] == "0" and out["funds_arrived_wan"] == "3.5"


@given(st.lists(figures, max_size=8))
def test_the_column_sum_is_the_sum_of_additions(items):
    assert Figures.sum(items) == sum(items, Figures())
    assert Figures.sum(iter(items)) == sum(items, Figures())
