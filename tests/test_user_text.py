"""What people read cites the source as IISD (2015), never as "the seed" (issue 9.2)."""
import re

import click
import pytest

from engine.cli import main

from .conftest import ROOT

SEED = re.compile(r"\bseeds?\b|种子", re.IGNORECASE)
USER_FILES = ["README.md", "Makefile"] + [
    f"{folder}/**/*.{ext}" for folder in ("rules", "reports", "docs", "schemas", "examples")
    for ext in ("yaml", "j2", "md", "json", "css")]


def _files():
    seen = set()
    for pattern in USER_FILES:
        for path in sorted(ROOT.glob(pattern)):
            if path not in seen:
                seen.add(path)
                yield path


def test_no_user_file_calls_the_source_the_seed():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}"
             for path in _files() for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if SEED.search(line)]
    assert not found, "\n".join(found)


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(main)] + [()], ids=" ".join)
def test_no_help_text_calls_the_source_the_seed(run, path):
    code, out, _ = run(*path, "--help")
    assert code == 0
    assert not SEED.search(out), out


# --- issue 9.4: a Chinese report is Chinese -----------------------------------------------------------------

@pytest.fixture(scope="module")
def zh_reports(tmp_path_factory):
    from .conftest import EXAMPLES
    from .test_report import _report, _text
    folder = tmp_path_factory.mktemp("zh")
    texts = {}
    for name in ("failing-donghai-2016", "ctip-rizhao-etdz-2016"):
        pdf = folder / f"{name}.zh.pdf"
        _report(EXAMPLES / f"{name}.json", pdf, "--lang", "zh")
        texts[name] = _text(pdf)
    return texts


def test_zh_units_as_chinese_statistics_write_them(zh_reports):
    text = zh_reports["failing-donghai-2016"]
    for unit in ("吨标准煤/万元", "亿元/平方公里", "万元/人", "立方米/万元", "起"):
        assert unit in text, unit
    for english in ("tce/10", "RMB/km", "RMB/person", " event"):
        assert english not in text, english
    assert "吨标准煤/万元" in zh_reports["ctip-rizhao-etdz-2016"]


def test_zh_clause_and_reasons_are_chinese(zh_reports):
    text = zh_reports["failing-donghai-2016"]
    assert "HJ 274-2009 表1第2.2项" in text and "Table 1, 2.2" not in text
    assert "总体要求（GDP增长）" in text.replace("\n", "")
    flat = text.replace("\n", "")
    assert "仅在2012-01-01之前适用" in flat and "in force only" not in flat     # EIP-I-1.2 after the 2012 amendment
    # the rule's source: the row of IISD (2015) quoted in Chinese, not the English briefing note's words
    assert "IISD（2015），§3.1.3，表1第2.2行：单位工业增加值综合能耗" in flat and "Energy consumption per IAV" not in flat


def test_zh_levers_and_comparisons_name_quantities_by_title_not_identifier(zh_reports):
    text = zh_reports["failing-donghai-2016"].replace("\n", "")
    assert "（energy_consumption）" not in text and "（industrial_added_value）" not in text
    assert "将2015年综合能耗减少" in text
    assert "比较对象: gdp_growth_provincial" not in text and "所在省平均GDP增长率" in text
    assert "certificate_no:" not in text and "证书编号" in text


def test_zh_ctip_subsidy_tranches_targets_and_reasons_are_chinese(zh_reports):
    text = zh_reports["ctip-rizhao-etdz-2016"].replace("\n", "")
    for english in ("million RMB", "approved on", "declared targets met", "tce/RMB", "declares no target for",
                    "mineral_output_rate", "binding target", "introduced in the latest version"):
        assert english not in text, english
    assert "2012-10-30批复" in text and "完成至少90%的申报目标" in text and "吨标准煤/元" in text
