"""The analyst's flat tables of `parkcert batch`: outcomes and verdicts, Parquet and CSV (issue 14, item 1)."""
import csv
import datetime as dt
import io
import json
import os
import re

import pyarrow.parquet as pq
import pytest

from .conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    from click.testing import CliRunner

    from engine.cli import main
    folder = tmp_path_factory.mktemp("tables") / "out"
    result = CliRunner().invoke(main, ["batch", str(EXAMPLES), "-o", str(folder), "--program", "all", "--jobs", "1", "--full"],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return folder


def _docs(out):
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def _csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has no BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_one_outcome_row_per_dossier_program_and_rule_with_typed_values(out):
    docs = _docs(out)
    table = pq.read_table(out / "outcomes.parquet")
    rows = table.to_pylist()
    expected = [(d["dossier"]["sha256"], p["program"], o) for d in docs for p in d["programs"] for o in p["outcomes"]]
    assert len(rows) == len(expected) > 500
    for row, (sha, program, o) in zip(rows, expected, strict=True):
        assert (row["dossier_sha256"], row["program"], row["rule_id"], row["status"]) == (sha, program, o["rule_id"], o["status"])
        if isinstance(o["value"], bool):
            assert row["value"] == (1.0 if o["value"] else 0.0) and row["unit"] == "bool"
        elif isinstance(o["value"], float | int):
            assert row["value"] == o["value"]
        else:
            assert row["value"] is None
        assert row["gap"] == o["gap"] and row["gap_pct"] == o["gap_pct"]
    types = {f.name: str(f.type) for f in table.schema}
    assert types["value"] == types["threshold"] == types["gap"] == types["gap_pct"] == "double"
    assert types["as_of"] == "date32[day]" and types["decides"] == "bool"
    first = rows[0]
    assert isinstance(first["as_of"], dt.date) and first["zone_zh"] and first["title_zh"] and first["province_zh"]
    missing = [r for r in rows if r["status"] == "missing"]
    assert missing and all(r["value"] is None or r["engine_status"] == "missing" for r in missing)


def test_verdict_rows_carry_the_packs_words_counts_and_blocking_rules(out):
    docs = _docs(out)
    rows = pq.read_table(out / "verdicts.parquet").to_pylist()
    assert len(rows) == sum(len(d["programs"]) for d in docs)
    by = {(r["zone_id"], r["program"]): r for r in rows}
    ctip = by["CN-SD-RZETDZ", "ctip"]
    assert ctip["verdict"] == "TARGETS NOT MET: second tranche withheld" and ctip["verdict_code"] == "not_certifiable"
    assert ctip["blocking"] == "CTIP-2.3" and ctip["fail"] == 1
    for d in docs:
        for p in d["programs"]:
            r = by[d["dossier"]["zone"]["id"], p["program"]]
            assert (r["pass"], r["fail"], r["missing"]) == (p["counts"]["pass"], p["counts"]["fail"], p["counts"]["missing"])


def test_the_csvs_hold_the_same_rows_as_the_parquet_files_with_a_bom(out):
    for name in ("outcomes", "verdicts"):
        table = pq.read_table(out / f"{name}.parquet").to_pylist()
        rows = _csv(out / f"{name}.csv")
        assert len(rows) == len(table)
        for r, t in zip(rows, table, strict=True):
            assert r["zone_zh"] == t["zone_zh"] and r["as_of"] == t["as_of"].isoformat()
            if name == "outcomes":
                assert (float(r["value"]) if r["value"] else None) == t["value"]


def _readme_query() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```sql\n(.*?)\n```", text, re.S).group(1)


def test_the_readmes_one_line_query_answers_the_analysts_question(out):
    duckdb = pytest.importorskip("duckdb")
    query = _readme_query()
    assert query.count("\n") == 0
    cwd = os.getcwd()
    os.chdir(out.parent)
    try:
        got = duckdb.sql(query).fetchall()
    finally:
        os.chdir(cwd)
    # the same answer, worked out from the result documents
    fails = {}
    for d in _docs(out):
        for p in d["programs"]:
            for o in p["outcomes"]:
                if o["rule_id"] == "EIP-I-2.2" and o["status"] == "fail":
                    key = (d["dossier"]["zone"]["province"]["en"], d["dossier"]["reference_year"])
                    fails.setdefault(key, []).append(o["gap"])
    assert fails, "the examples have zones failing energy intensity"
    assert [(g[0], g[1], g[2]) for g in got] == [(k[0], k[1], len(v)) for k, v in sorted(fails.items())]
    for g in got:
        gaps = fails[g[0], g[1]]
        assert g[3] == pytest.approx(round(sum(gaps) / len(gaps), 3)) and g[4] == "tce/10^4 RMB"


def test_a_value_holding_a_line_break_keeps_every_csv_row_whole_also_after_a_partial_rerun(tmp_path):
    """The workers' CSV parts are cut into dossiers at the line breaks; a zone name with one inside must not shift
    any row, neither in the first run nor when a re-run copies rows from the previous tables and new parts."""
    from click.testing import CliRunner

    from engine.cli import main
    base = json.loads((EXAMPLES / "failing-donghai-2016.json").read_text(encoding="utf-8"))
    folder = tmp_path / "in"
    folder.mkdir()

    def write(i, en):
        d = json.loads(json.dumps(base))
        d["zone"]["id"] = f"{d['zone']['id']}-{i}"
        d["zone"]["name"]["en"] = en
        (folder / f"d{i}.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")

    for i in range(4):
        write(i, 'Line one\nline "two"' if i == 1 else f"Zone {i}")

    def run(out):
        result = CliRunner().invoke(main, ["-q", "batch", str(folder), "-o", str(out), "--jobs", "1", "--chunk-size", "2"],
                                    catch_exceptions=False)
        assert result.exit_code == 1, result.output

    def same(out):
        for name in ("outcomes", "verdicts"):
            table = pq.read_table(out / f"{name}.parquet").to_pylist()
            rows = _csv(out / f"{name}.csv")
            assert [(r["zone_id"], r["zone_en"], r["program"]) for r in rows] == \
                [(t["zone_id"], t["zone_en"], t["program"]) for t in table]
        return (out / "outcomes.csv").read_bytes()

    run(tmp_path / "out")
    same(tmp_path / "out")
    write(3, "Zone 3, renamed")            # the chunk without the line break is checked again, the other copied
    write(0, "Zone 0\r\nrenamed")
    run(tmp_path / "out")
    run(tmp_path / "fresh")
    assert same(tmp_path / "out") == same(tmp_path / "fresh")
    assert "Line one\nline \"two\"" in {r["zone_en"] for r in _csv(tmp_path / "out" / "outcomes.csv")}


def _row_by_row(chunk, packs):
    """A chunk's outcome rows made the plain way, one dict per outcome (what `Rows` makes by reference)."""
    from engine.batch.tables import _date, _number
    from engine.reporttext import unit_text
    rows = []
    for doc, file, line in chunk:
        d, z = doc["dossier"], doc["dossier"]["zone"]
        for p in doc["programs"]:
            cols, words = p["outcomes"], {r.id: r for r in packs[p["program"]].rules}
            for i, rid in enumerate(cols["rule_id"]):
                r = words[rid]
                value, threshold = cols["value"][i], cols["threshold"][i]
                rows.append({
                    "file": file, "line": line, "zone_id": z["id"], "zone_en": z["name"]["en"], "zone_zh": z["name"]["zh"],
                    "province_en": z["province"]["en"], "province_zh": z["province"]["zh"], "city_en": z["city"]["en"],
                    "city_zh": z["city"]["zh"], "zone_type": z["type"], "as_of": dt.date.fromisoformat(d["as_of"]),
                    "data_year": d.get("reference_year"), "program": p["program"], "pack_version": p["pack_version"],
                    "rule_id": rid, "title_en": r.title.en, "title_zh": r.title.zh, "category": r.category,
                    "metric": r.metric, "clause": r.clause, "decides": packs[p["program"]].decides(r),
                    "status": cols["status"][i], "engine_status": (p.get("engine_status") or {}).get(rid, cols["status"][i]),
                    "value": _number(value), "value_date": _date(value), "unit": cols["unit"][i],
                    "unit_zh": None if cols["unit"][i] is None else unit_text(cols["unit"][i], "zh") or cols["unit"][i],
                    "op": cols["op"][i],
                    "threshold": _number(threshold), "threshold_date": _date(threshold), "gap": cols["gap"][i],
                    "gap_pct": cols["gap_pct"][i], "dossier_sha256": d["sha256"], "rules_sha256": p["rules_sha256"]})
    return rows


def test_a_chunks_outcome_table_made_by_reference_is_the_one_made_row_by_row(out):
    """`Rows` keeps per outcome only what varies and refers to its program's and its rule's words; the table it makes
    must be the plain one, dictionaries included (words in the order they first appear, none unused): the parts'
    bytes, and so the assembled Parquet file, depend on them. Values of every kind, rules out of the pack's order and
    a dossier taken back half-way and a program without rows included."""
    import pyarrow as pa

    from engine import load
    from engine.batch.tables import OUTCOME_SCHEMA, Rows
    from engine.compact import compact_document
    packs = {p: load.pack(p) for p in load.pack_ids()}
    docs = [compact_document(d) for d in _docs(out)]
    # taken back: the one dossier checked against eip-venous, whose rules' words then no row uses
    venous = next(d for d in docs if any(p["program"] == "eip-venous" for p in d["programs"]))
    others = [d for d in docs if d is not venous]
    odd = json.loads(json.dumps(others[0]))
    for c in odd["programs"][0]["outcomes"].values():     # the first rows of a pack in another order than its rules
        c.reverse()
    cols = odd["programs"][1]["outcomes"]
    cols["value"][:4] = ["2015-03-01", True, 2**60 + 1, 7]
    cols["threshold"][0] = "2020-01-01"
    odd["programs"][1]["engine_status"] = {cols["rule_id"][1]: "fail"}
    bare = json.loads(json.dumps(others[1]))      # a program without outcome rows
    bare["programs"][0]["outcomes"] = {k: [] for k in bare["programs"][0]["outcomes"]}
    bare["programs"][0]["pack_version"] = "0.0.0-bare"        # a word only a verdict row has
    chunk = [(odd, "odd.json", None)] + [(d, f"d{i}.json", i if i % 2 else None) for i, d in enumerate(others[1:])]
    rows = Rows()
    for doc, file, line in chunk[:2]:
        rows.add(doc, packs, file, line)
    back = (rows.outcome_count(), len(rows))
    rows.add(venous, packs, "taken back.json", None)
    rows.truncate(*back)
    for doc, file, line in chunk[2:]:
        rows.add(doc, packs, file, line)
    with_bare = Rows()
    for doc, file, line in [*chunk, (bare, "bare.json", None)]:
        with_bare.add(doc, packs, file, line)
    for built, made in ((rows, chunk), (with_bare, [*chunk, (bare, "bare.json", None)])):
        table = built.tables()[0]
        plain = pa.Table.from_pylist(_row_by_row(made, packs), schema=OUTCOME_SCHEMA)
        assert table.num_rows == plain.num_rows > 500
        assert table.equals(plain)
        for name in OUTCOME_SCHEMA.names:
            a, b = table.column(name).combine_chunks(), plain.column(name).combine_chunks()
            if pa.types.is_dictionary(a.type):
                assert a.dictionary.equals(b.dictionary) and a.indices.equals(b.indices), name


@pytest.mark.parametrize("values", [[1.5, None, True, False, 3, -0.0], [1.5, "2015-03-01", None, True, "not a date"],
                                    [2**60 + 1, 0.25, None], [2**60 + 1, "2015-03-01", False], []])
def test_a_column_of_values_becomes_numbers_and_dates_however_arrow_takes_it(values):
    import pyarrow as pa

    from engine.batch.tables import _date, _number, _numbers_and_dates
    numbers, dates = _numbers_and_dates(values)
    assert numbers.equals(pa.array([_number(v) for v in values], pa.float64()))
    assert dates.equals(pa.array([_date(v) for v in values], pa.date32()))


def test_each_unit_is_also_written_as_chinese_statistics_write_it(out):
    """unit_zh beside unit: what a Chinese analyst reads in the report (吨标准煤/万元), the codes that are no unit
    (1, bool, date) as they are so that both columns filter alike; the CSV carries it too."""
    rows = pq.read_table(out / "outcomes.parquet", columns=["rule_id", "unit", "unit_zh"]).to_pylist()
    pairs = {(r["unit"], r["unit_zh"]) for r in rows}
    assert ("tce/10^4 RMB", "吨标准煤/万元") in pairs and ("m3/10^4 RMB", "立方米/万元") in pairs
    assert ("bool", "bool") in pairs and ("%", "%") in pairs
    assert all((u is None) == (z is None) for u, z in pairs)
    energy = next(r for r in _csv(out / "outcomes.csv") if r["rule_id"] == "EIP-I-2.2")
    assert energy["unit_zh"] == "吨标准煤/万元"
