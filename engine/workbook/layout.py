"""The sheets of a dossier workbook, derived from the catalogue (rules/metrics.yaml) and the packs.

Nothing here is a hand-kept list of metrics: a new quantity, metric, zone attribute or pack appears in the
template and is read back without code changes. The same Layout drives the writer (template.py) and the
reader (reader.py), so a sheet can only be read the way it was written.

Sheets are found by their header row, not by name or position: form sheets by the `Field` column (each row
names the dossier field it fills, so a form row may sit on any form sheet), tables by their anchor column.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import units
from ..model import Catalogue, RulePack, Text

T = Text

# column kinds: what a cell must hold
TEXT, INT, NUMBER, DATE, BOOL, ENUM, LINES, YEARS, LIST, MEASURE = (
    "text", "int", "number", "date", "bool", "enum", "lines", "years", "list", "measure")

SOURCE_COLUMNS = (("source/document", T("Source document", "资料来源")),
                  ("source/page", T("Page", "页码")),
                  ("source/note", T("Source note", "来源说明")))
YES, NO = T("yes", "是"), T("no", "否")


@dataclass(frozen=True)
class Column:
    key: str                       # where the cell goes, relative to the row's item ("base/value"); "" = not read
    label: Text
    kind: str = TEXT
    width: int = 14
    choices: tuple[str, ...] = ()
    unit_key: str | None = None    # NUMBER: the column holding this value's unit (percent-formatted cells)


@dataclass(frozen=True)
class FormRow:
    """One field of a form sheet: Field | Item | Value | Unit | source columns | Help."""
    path: str                      # pointer parts joined by "/", from the document root ("zone/id")
    label: Text
    kind: str = TEXT
    choices: tuple[str, ...] = ()
    unit: str | None = None        # MEASURE rows: the catalogue unit the value converts to
    source_of: str | None = None   # the object whose `source` this row's source columns hold
    help: Text | None = None
    required: bool = False


@dataclass(frozen=True)
class Sheet:
    id: str
    name: Text                     # the sheet's tab
    title: Text                    # row 1
    kind: str                      # guide · form · table · keyed · series · units
    columns: tuple[Column, ...] = ()
    anchor: str = ""               # the column key whose header identifies the table
    rows: tuple = ()               # form: FormRow; keyed/series: (name, Text title, unit, help Text)
    root: str = ""                 # table items: "eligibility/incidents/events", "{program}/targets" under work_plans
    grouped: bool = False          # items grouped by a Program column (work plan tables)
    years: tuple[int, ...] = ()    # series: the year columns written


@dataclass(frozen=True)
class Layout:
    sheets: tuple[Sheet, ...]
    programs: tuple[str, ...]
    plan_programs: tuple[str, ...]          # programs with a work plan
    unit_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)   # catalogue unit -> spellings
    metric_units: dict[str, str] = field(default_factory=dict)

    def sheet(self, sid: str) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sid), None)


FORM_COLUMNS = (
    Column("", T("Field (do not edit)", "字段（勿改）"), width=34),
    Column("", T("Item", "项目"), width=44),
    Column("value", T("Value", "填写值"), width=30),
    Column("unit", T("Unit", "单位"), width=16),
    *(Column(k, lab, width=w) for (k, lab), w in zip(SOURCE_COLUMNS, (30, 8, 20), strict=True)),
    Column("", T("Help", "说明"), width=60),
)


def _eligibility_rows() -> list[tuple[str, FormRow]]:
    """(the extract pointer that needs it, row)."""
    e = "eligibility"
    return [
        ("/eligibility/iso14001", FormRow(f"{e}/iso14001/certified", T("ISO 14001 certified", "通过ISO 14001认证"), BOOL,
                                          source_of=f"{e}/iso14001", required=True)),
        ("/eligibility/iso14001",
         FormRow(f"{e}/iso14001/certificate_no", T("ISO 14001 certificate number", "ISO 14001证书编号"))),
        ("/eligibility/iso14001", FormRow(f"{e}/iso14001/issuer", T("ISO 14001 certificate issuer", "ISO 14001发证机构"))),
        ("/eligibility/iso14001", FormRow(f"{e}/iso14001/valid_from", T("ISO 14001 valid from", "ISO 14001有效期起"), DATE)),
        ("/eligibility/iso14001", FormRow(f"{e}/iso14001/valid_to", T("ISO 14001 valid to", "ISO 14001有效期止"), DATE)),
        ("/eligibility/environmental_agency",
         FormRow(f"{e}/environmental_agency/established", T("Environmental agency established", "设立环境管理机构"), BOOL,
                 source_of=f"{e}/environmental_agency", required=True)),
        ("/eligibility/environmental_agency",
         FormRow(f"{e}/environmental_agency/name", T("Environmental agency name", "环境管理机构名称"))),
        ("/eligibility/environmental_agency",
         FormRow(f"{e}/environmental_agency/staff", T("Environmental agency staff", "环境管理机构专职人数"), INT)),
        ("/eligibility/regulations_enforced",
         FormRow(f"{e}/regulations_enforced/value", T("Environmental laws and regulations enforced", "环境法律法规得到有效执行"),
                 BOOL, source_of=f"{e}/regulations_enforced", required=True)),
        ("/eligibility/regulations_enforced",
         FormRow(f"{e}/regulations_enforced/evidence", T("Evidence of enforcement", "执行情况证明"))),
        ("/eligibility/incidents",
         FormRow(f"{e}/incidents/complete_since", T("Incident record complete since", "事故记录完整起始日期"), DATE,
                 source_of=f"{e}/incidents", required=True,
                 help=T("The date from which the Incidents sheet lists every pollution accident and ecological damage "
                        "event; an empty Incidents sheet then means none occurred.",
                        "自该日期起，“事故事件”表列出全部污染事故和生态破坏事件；该表为空即表示未发生。"))),
        ("/eligibility/gdp_growth", FormRow(f"{e}/gdp_growth/year", T("Year of the GDP growth rates", "GDP增长率所属年份"), INT)),
        ("/eligibility/gdp_growth/zone", FormRow(f"{e}/gdp_growth/zone", T("GDP growth of the zone", "园区GDP增长率"), MEASURE,
                                                 unit="%", source_of=f"{e}/gdp_growth/zone")),
        ("/eligibility/gdp_growth/provincial",
         FormRow(f"{e}/gdp_growth/provincial", T("GDP growth of the province", "所在省GDP增长率"), MEASURE, unit="%",
                 source_of=f"{e}/gdp_growth/provincial")),
        ("/eligibility/gdp_growth/municipal",
         FormRow(f"{e}/gdp_growth/municipal", T("GDP growth of the municipality", "所在市GDP增长率"), MEASURE, unit="%",
                 source_of=f"{e}/gdp_growth/municipal")),
    ]


_ONE_PER_LINE = T("One measure per line (Alt+Enter starts a new line in a cell)", "每行一项措施（单元格内按 Alt+Enter 换行）")


def _plan_rows(prog: str) -> list[FormRow]:
    w = f"work_plans/{prog}"
    s = f"{w}/sections"
    return [
        FormRow(f"{w}/title", T(f"{prog} work plan: title", f"{prog}工作方案：名称"), source_of=w),
        FormRow(f"{w}/submitted", T(f"{prog} work plan: submitted on", f"{prog}工作方案：报送日期"), DATE, required=True),
        FormRow(f"{w}/approved", T(f"{prog} work plan: approved on", f"{prog}工作方案：批复日期"), DATE),
        FormRow(f"{w}/batch", T(f"{prog} work plan: batch", f"{prog}工作方案：批次"), INT),
        FormRow(f"{w}/period/from", T(f"{prog} work plan: period from (year)", f"{prog}工作方案：期限起（年）"), INT),
        FormRow(f"{w}/period/to", T(f"{prog} work plan: period to (year)", f"{prog}工作方案：期限止（年）"), INT),
        FormRow(f"{s}/zone_description/summary", T(f"{prog} work plan: zone description", f"{prog}工作方案：园区概况"), TEXT),
        FormRow(f"{s}/zone_description/performance_years",
                T(f"{prog} work plan: years whose performance it describes", f"{prog}工作方案：所述绩效年份"), YEARS,
                help=T("Years separated by commas, e.g. 2011, 2012, 2013", "年份以逗号分隔，如 2011, 2012, 2013")),
        FormRow(f"{s}/cost_benefit_analysis/summary",
                T(f"{prog} work plan: cost-benefit analysis", f"{prog}工作方案：成本效益分析"),
                source_of=f"{s}/cost_benefit_analysis"),
        FormRow(f"{s}/cost_benefit_analysis/net_benefit", T(f"{prog} work plan: net benefit", f"{prog}工作方案：净效益"), MEASURE,
                unit="RMB", source_of=f"{s}/cost_benefit_analysis/net_benefit"),
        FormRow(f"{s}/safeguard_measures", T(f"{prog} work plan: safeguard measures", f"{prog}工作方案：保障措施"), LINES,
                help=_ONE_PER_LINE),
        FormRow(f"{w}/measures", T(f"{prog} work plan: measures", f"{prog}工作方案：主要措施"), LINES, help=_ONE_PER_LINE),
        FormRow(f"{w}/subsidy/approved", T(f"{prog} subsidy: approved amount", f"{prog}补助：批复金额"), MEASURE, unit="RMB",
                source_of=f"{w}/subsidy/approved"),
        FormRow(f"{w}/subsidy/approval_date", T(f"{prog} subsidy: approved on", f"{prog}补助：批复日期"), DATE),
        FormRow(f"{w}/subsidy/investment", T(f"{prog} subsidy: total investment", f"{prog}补助：总投资"), MEASURE, unit="RMB",
                source_of=f"{w}/subsidy/investment"),
    ]


def _zone_rows(packs: list[RulePack]) -> list[FormRow]:
    rows = [
        FormRow("zone/id", T("Zone identifier (letters, digits, . _ -)", "园区代码（字母、数字、. _ -）"), required=True,
                help=T("e.g. CN-SD-RZETDZ", "例如 CN-SD-RZETDZ")),
        FormRow("zone/name/en", T("Zone name in English", "园区英文名称"), required=True),
        FormRow("zone/name/zh", T("Zone name in Chinese", "园区中文名称"), required=True),
        FormRow("zone/province/en", T("Province in English", "所在省（英文）"), required=True,
                help=T("Give the English and the Chinese name, or one of them", "填写英文名和中文名，或其中之一")),
        FormRow("zone/province/zh", T("Province in Chinese", "所在省（中文）")),
        FormRow("zone/city/en", T("City in English", "所在市（英文）"), required=True),
        FormRow("zone/city/zh", T("City in Chinese", "所在市（中文）")),
        FormRow("zone/type", T("Zone type", "园区类型"), ENUM, ("sector-integrated", "sector-specific", "venous"), required=True),
        FormRow("zone/level", T("Zone level", "园区级别"), ENUM, ("national", "provincial", "municipal")),
        FormRow("zone/programs", T("Programs applied for", "申报项目"), LIST, tuple(p.id for p in packs), required=True,
                help=T("Program ids separated by commas: " + ", ".join(p.id for p in packs),
                       "项目代码，以逗号分隔：" + "，".join(p.id for p in packs))),
    ]
    seen = set()
    for p in packs:
        for a in p.zone_attributes.values():
            if a.pointer.startswith("/zone/attributes/") and a.name not in seen:
                seen.add(a.name)
                rows.append(FormRow(f"zone/attributes/{a.name}", a.title, ENUM, tuple(a.values),
                                    help=T(f"Read by {p.id}: " + "; ".join(f"{k} = {v.en}" for k, v in a.values.items()),
                                           f"{p.id} 使用：" + "；".join(f"{k} = {v.zh}" for k, v in a.values.items()))))
    rows += [
        FormRow("as_of", T("Assessment date", "评估日期"), DATE, required=True,
                help=T("Which edition of each rule applies; printed on reports", "决定适用的规则版本，并印于报告")),
        FormRow("reference_year", T("Reference year of the data", "数据基准年"), INT,
                help=T("Default: the latest year with industrial added value", "默认为有工业增加值数据的最近年份")),
    ]
    return rows


def _formula_names(cat: Catalogue, metric: str) -> list[str]:
    from ..formula import parse_formula
    m = cat.metrics.get(metric)
    if m is None or not m.formula:
        return []
    return list(parse_formula(m.formula, cat.quantities).names)


def _pack_metrics(packs: list[RulePack]) -> list[str]:
    out: list[str] = []
    for p in packs:
        for r in p.rules:
            for name in (r.metric, r.ref_metric if r.ref_kind == "metric" else None):
                if name and name not in out:
                    out.append(name)
    return out


def _metric_rows(cat, packs, names) -> tuple:
    """One row per metric a keyed sheet asks for: name, title, unit and where it is used."""
    return tuple((m, cat.metrics[m].title if m in cat.metrics else T(m, m), cat.metrics[m].unit if m in cat.metrics else "",
                  _metric_help(cat, m, packs)) for m in names)


def _metric_columns(key_title, value_title, extra) -> tuple:
    """The columns of a sheet of metric values (reported values, benchmarks): key, value, unit, one column of
    its own, the source, and the help text."""
    return (Column("key", key_title, TEXT, 32),
            Column("", T("Title", "名称"), TEXT, 36),
            Column("value", value_title, NUMBER, 14, unit_key="unit"),
            Column("unit", T("Unit", "单位"), TEXT, 16),
            extra,
            *(Column(k, lab, TEXT, w) for (k, lab), w in zip(SOURCE_COLUMNS, (28, 8, 16), strict=True)),
            Column("", T("What it is and where it is used", "含义与用途"), TEXT, 60))


def build(cat: Catalogue, packs: list[RulePack], dossier: dict | None = None, years: tuple[int, ...] = ()) -> Layout:
    """The sheets for these packs (and whatever the dossier `--from` carries beyond them)."""
    d = dossier or {}
    metrics = _pack_metrics(packs)
    extracts = [cat.metrics[m].extract["pointer"] for m in metrics if m in cat.metrics and cat.metrics[m].extract]
    quantities: list[str] = []
    for m in metrics:
        for q in _formula_names(cat, m):
            if q not in quantities:
                quantities.append(q)
    quantities = [q for q in cat.quantities if q in quantities or q in (d.get("series") or {})]
    quantities += [q for q in (d.get("series") or {}) if q not in quantities]   # unknown names: shown to be fixed
    reportable = [m for m in metrics if m in cat.metrics and not cat.metrics[m].extract]
    reportable.sort(key=lambda m: (bool(cat.metrics[m].formula), metrics.index(m)))
    reportable += [m for m in (d.get("reported") or {}) if m not in reportable]
    benchmarked = [r.metric for p in packs for r in p.rules if r.ref_kind == "benchmark"]
    benchmarked = list(dict.fromkeys(benchmarked + list(d.get("benchmarks") or {})))
    plan_programs = [p.id for p in packs if p.work_plan]
    plan_programs += [k for k in (d.get("work_plans") or {}) if k not in plan_programs]

    sheets = [Sheet("guide", T("Guide", "填写说明"), T("How to fill in this workbook", "填写说明"), "guide")]
    sheets.append(Sheet("zone", T("Zone", "园区"), T("Zone and assessment", "园区与评估"), "form", FORM_COLUMNS,
                        "", tuple(_zone_rows(packs))))
    elig = d.get("eligibility") or {}
    present = {f"/eligibility/{k}" for k in elig} | {f"/eligibility/gdp_growth/{k}" for k in (elig.get("gdp_growth") or {})}
    erows = [row for need, row in _eligibility_rows()
             if any(x.startswith(need) or need.startswith(x) for x in extracts) or any(need.startswith(x) for x in present)]
    if erows:
        sheets.append(Sheet("eligibility", T("Eligibility", "资格条件"), T("Eligibility", "资格条件"), "form", FORM_COLUMNS,
                            "", tuple(erows)))
    if any(x.startswith("/eligibility/incidents") for x in extracts) or "incidents" in elig:
        sheets.append(Sheet("incidents", T("Incidents", "事故事件"),
                            T("Pollution accidents and ecological damage events", "污染事故与生态破坏事件"), "table",
                            (Column("date", T("Incident date", "发生日期"), DATE, 14),
                             Column("kind", T("Kind", "类别"), ENUM, 22, ("pollution_accident", "ecological_damage")),
                             Column("severity", T("Severity", "等级"), ENUM, 18,
                                    ("especially_major", "major", "large", "general")),
                             Column("description", T("Description", "说明"), TEXT, 50),
                             *(Column(k, lab, TEXT, 24) for k, lab in SOURCE_COLUMNS)),
                            "date", root="eligibility/incidents/events"))
    if quantities:
        qrows = []
        for q in quantities:
            info = cat.quantities.get(q)
            used = [m for m in metrics if q in _formula_names(cat, m)]
            qrows.append((q, info.title if info else T(q, q), info.unit if info else "",
                          _quantity_help(cat, used, packs, info.unit if info else "")))
        ys = years or _years(d)
        sheets.append(Sheet("series", T("Series", "年度数据"), T("Yearly statistics", "年度统计数据"), "series",
                            (Column("key", T("Quantity", "统计量"), TEXT, 30),
                             Column("", T("Title", "名称"), TEXT, 36),
                             Column("unit", T("Unit", "单位"), TEXT, 14),
                             Column("basis", T("Price basis", "价格基准"), TEXT, 16),
                             *(Column(k, lab, TEXT, w) for (k, lab), w in zip(SOURCE_COLUMNS, (28, 8, 16), strict=True)),
                             Column("", T("What it is and where it is used", "含义与用途"), TEXT, 60)),
                            "key", tuple(qrows), root="series", years=ys))
    if reportable:
        sheets.append(Sheet("reported", T("Reported", "报告指标"), T("Indicator values reported directly", "直接报告的指标值"),
                            "keyed", _metric_columns(T("Reported indicator", "报告指标"), T("Value", "数值"),
                                                     Column("year", T("Year", "年份"), INT, 8)),
                            "key", _metric_rows(cat, packs, reportable), root="reported"))
    if benchmarked:
        sheets.append(Sheet("benchmarks", T("Benchmarks", "对标基准"),
                            T("International advanced levels compared with (sector-specific and venous parks)",
                              "对标的国际先进水平（行业类与静脉产业类园区）"), "keyed",
                            _metric_columns(T("Benchmarked indicator", "对标指标"), T("Benchmark value", "基准值"),
                                            Column("level", T("Benchmark level", "基准水平"), TEXT, 26)),
                            "level", _metric_rows(cat, packs, benchmarked), root="benchmarks"))
    if plan_programs:
        prow = tuple(r for prog in plan_programs for r in _plan_rows(prog))
        sheets.append(Sheet("work_plans", T("Work plans", "工作方案"), T("Work plans", "工作方案"), "form", FORM_COLUMNS,
                            "", prow))
        progs = tuple(plan_programs)
        targeted = [r.metric for p in packs if p.work_plan for r in p.rules if r.ref_kind == "target"]
        sheets.append(Sheet("targets", T("Targets", "目标"), T("Quantitative targets of the work plans", "工作方案的量化目标"),
                            "table",
                            (Column("program", T("Program", "项目"), ENUM, 12, progs),
                             Column("metric", T("Indicator", "指标"), ENUM, 30, tuple(dict.fromkeys(targeted))),
                             Column("direction", T("Direction", "改进方向"), ENUM, 10, ("higher", "lower")),
                             Column("base/year", T("Base year", "基准年"), INT, 9),
                             Column("base/value", T("Base value", "基准值"), NUMBER, 12, unit_key="base/unit"),
                             Column("base/unit", T("Base unit", "基准值单位"), TEXT, 14),
                             Column("base/source/document", T("Base value source", "基准值来源"), TEXT, 24),
                             Column("base/source/page", T("Base source page", "基准值来源页码"), TEXT, 8),
                             Column("base/source/note", T("Base source note", "基准值来源说明"), TEXT, 16),
                             Column("target/year", T("Target year", "目标年"), INT, 9),
                             Column("target/value", T("Target value", "目标值"), NUMBER, 12, unit_key="target/unit"),
                             Column("target/unit", T("Target unit", "目标值单位"), TEXT, 14),
                             Column("target/change_pct", T("Change (%)", "变化率（%）"), NUMBER, 10),
                             Column("target/change_pt", T("Change (percentage points)", "变化（百分点）"), NUMBER, 10),
                             Column("target/range/0", T("Range from", "区间下限"), NUMBER, 10),
                             Column("target/range/1", T("Range to", "区间上限"), NUMBER, 10),
                             Column("note", T("Note", "备注"), TEXT, 24),
                             *(Column(k, lab, TEXT, w) for (k, lab), w in zip(SOURCE_COLUMNS, (28, 8, 16), strict=True))),
                            "direction", root="targets", grouped=True,
                            rows=tuple((p.id, r.metric) for p in packs if p.work_plan for r in p.rules
                                       if r.ref_kind == "target")))
        money = Column("investment/unit", T("Unit", "单位"), TEXT, 14)
        sheets.append(Sheet("projects", T("Projects", "项目清单"), T("Projects of the work plans", "工作方案的项目"), "table",
                            (Column("program", T("Program", "项目"), ENUM, 12, progs),
                             Column("name", T("Project", "项目名称"), TEXT, 44),
                             Column("investment/value", T("Investment", "投资额"), NUMBER, 14),
                             money,
                             Column("subsidised", T("Subsidised", "获得补助"), BOOL, 12)),
                            "name", root="projects", grouped=True))
        sheets.append(Sheet("received", T("Subsidy received", "补助拨付"), T("Subsidy instalments received", "已拨付的补助资金"),
                            "table",
                            (Column("program", T("Program", "项目"), ENUM, 12, progs),
                             Column("date", T("Received on", "拨付日期"), DATE, 14),
                             Column("amount/value", T("Amount", "金额"), NUMBER, 14),
                             Column("amount/unit", T("Unit", "单位"), TEXT, 14)),
                            "date", root="subsidy/received", grouped=True))
    sheets.append(Sheet("units", T("Units", "单位"), T("Accepted unit spellings", "可用的单位写法"), "units"))
    catalogue_units = {u for q in cat.quantities.values() for u in [q.unit]}
    catalogue_units |= {m.unit for m in cat.metrics.values() if m.numeric}
    catalogue_units |= {"%", "RMB"}
    return Layout(tuple(sheets), tuple(p.id for p in packs), tuple(plan_programs),
                  {u: spellings(u) for u in sorted(catalogue_units)},
                  {name: m.unit for name, m in cat.metrics.items()})


def spellings(unit: str) -> tuple[str, ...]:
    """Spellings a drop-down offers for a catalogue unit: the catalogue's own, then the common ones that convert."""
    out = [unit]
    if "/" in unit:
        num, den = unit.split("/", 1)
        nums = [s for s in units.COMMON_SPELLINGS if units.compatible(s, num)][:4]
        dens = [s for s in units.COMMON_SPELLINGS if units.compatible(s, den)][:3]
        out += [f"{a}/{b}" for a in nums for b in dens]
    else:
        out += [s for s in units.COMMON_SPELLINGS if units.compatible(s, unit)]
    return tuple(dict.fromkeys(s for s in out if units.compatible(s, unit)))


def _years(d: dict) -> tuple[int, ...]:
    found = sorted({int(y) for s in (d.get("series") or {}).values() if isinstance(s, dict)
                    for y in (s.get("values") or {})})
    if found:
        return tuple(found)
    import datetime as dt
    last = dt.date.today().year - 1
    return tuple(range(last - 5, last + 1))


def _quantity_help(cat: Catalogue, used: list[str], packs: list[RulePack], unit: str) -> Text:
    """What a Series row feeds: its unit, each indicator's formula and the rules that check it."""
    if not used:
        return T("Not used by the programs of this workbook", "本工作簿所含项目未使用")

    def rules(m: str) -> str:
        return ", ".join(r.id for p in packs for r in p.rules if m in (r.metric, r.ref_metric)) or "-"

    en = "; ".join(f"{m} = {cat.metrics[m].formula} (rules {rules(m)})" for m in used)
    zh = "；".join(f"{cat.metrics[m].title.zh}（{m}）= {cat.metrics[m].formula}（规则 {rules(m)}）" for m in used)
    return T(f"In {unit} or any unit that converts to it. Used by: {en}",
             f"单位 {printed_unit(unit, 'zh')}（或可换算的单位）。用于：{zh}")


def _metric_help(cat: Catalogue, metric: str, packs: list[RulePack]) -> Text:
    m = cat.metrics.get(metric)
    rules = [r.id for p in packs for r in p.rules if r.metric == metric or r.ref_metric == metric]
    ids = ", ".join(rules) or "-"
    if m is None:
        return T("Not in the catalogue", "不在指标目录中")
    if m.formula:
        return T(f"In {m.unit}. Derived from Series as {m.formula}; report it only to state your own figure. Rules: {ids}",
                 f"单位 {m.unit}。由年度数据按 {m.formula} 计算；仅在需要填报自有数值时填写。规则：{ids}")
    kind = "yes or no" if m.is_bool else f"in {m.unit}"
    kind_zh = "是或否" if m.is_bool else f"单位 {m.unit}"
    return T(f"Report it here ({kind}). Rules: {ids}", f"在此填报（{kind_zh}）。规则：{ids}")


def printed_unit(unit: str, lang: str) -> str:
    """A catalogue unit as a blank template shows it: in Chinese, as Chinese statistics print it (万元, 吨标准煤/万元)."""
    if lang != "zh" or not unit:
        return unit
    chinese = [s for s in units.COMMON_SPELLINGS if not s.isascii()]

    def one(part: str) -> str:
        part = part.strip()
        return next((s for s in chinese if units.compatible(s, part) and units.factor(s, part) == 1.0), part)

    return "/".join(one(p) for p in unit.split("/"))
