import pytest

from engine import units


@pytest.mark.parametrize("value,src,dst,expected", [
    (1, "亿元", "10^4 RMB", 10_000),
    (1, "100 million RMB", "10^4 RMB", 10_000),
    (1, "万元", "RMB", 10_000),
    (29.3076, "GJ", "tce", 1),
    (1000, "kgce", "tce", 1),
    (100, "ha", "km2", 1),
    (1, "ton", "kg", 1000),          # metric tonne, never pint's US short ton
    (1, "t/10^4 RMB", "kg/10^4 yuan", 1000),
    (50, "%", "1", 0.5),
    (1, "10^4 t", "t", 10_000),
    (1, "万吨", "t", 10_000),
    (1, "万吨标准煤", "tce", 10_000),
    (2.5, "10^4 tce", "GJ", 2.5e4 * 29.3076),
    (1, "万立方米", "m3", 10_000),
    (1, "亿立方米", "10^4 m3", 10_000),
    (1, "平方公里", "公顷", 100),
    (3, "万人", "person", 30_000),
    (1, "kg/10^4 t", "kg/t", 1e-4),
])
def test_conversions(value, src, dst, expected):
    assert units.convert(value, src, dst) == pytest.approx(expected)


def test_unknown_unit_is_refused():
    with pytest.raises(units.UnitError, match="unknown unit"):
        units.parse("tce per yuanz")


def test_money_never_cancels_against_mass():
    assert not units.compatible("t", "10^4 RMB")
    with pytest.raises(units.UnitError):
        units.convert(1, "t", "RMB")
