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


@pytest.mark.parametrize("spelling,registry_unit,expected", [
    ("万吨标煤", "tce", 10_000), ("吨标煤", "tce", 1), ("万tce", "tce", 10_000), ("％", "%", 1),
    ("万元人民币", "RMB", 10_000), ("亿元人民币", "10^4 RMB", 10_000), ("平方公里", "ha", 100),
    ("万立方米", "m3", 10_000), ("吨", "kg", 1000), ("10⁴ RMB", "RMB", 10_000), ("m³", "m3", 1),
    ("吨标准煤/万元", "tce/10^4 RMB", 1), ("tce/万t", "tce/t", 1e-4),
])
def test_spellings_zone_offices_type(spelling, registry_unit, expected):
    assert units.convert(1, spelling, registry_unit) == pytest.approx(expected)


def test_an_unknown_unit_gets_the_nearest_spellings_of_the_right_kind():
    with pytest.raises(units.UnitError) as e:
        units.parse("万吨标准媒")
    assert "did you mean" in str(e.value) and "万吨标准煤" in str(e.value)
    assert units.suggest("tonnes ce", "tce")[0] in ("tce", "10^4 tce", "kgce")
    assert all(units.compatible(s, "RMB") for s in units.suggest("万圆", "RMB"))


def test_a_json_dossier_accepts_the_common_spellings_and_suggests_names(run, example, write_dossier):
    d = example("certifiable-xinhe-2016")
    d["series"]["energy_consumption"]["unit"] = "万吨标煤"
    d["series"]["energy_consumption"]["values"] = {y: v / 10_000 for y, v in d["series"]["energy_consumption"]["values"].items()}
    code, out, err = run("check", "--format", "json", write_dossier(d))
    assert code == 0, err
    d["reported"]["public_satisfction"] = {"value": 95, "unit": "%"}
    code, out, err = run("validate", write_dossier(d, "typo.json"))
    assert code == 2 and "did you mean 'public_satisfaction'?" in err
    assert "energy_per_iav" not in err      # not a dump of every name
