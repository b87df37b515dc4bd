"""What the API answers, as pydantic models (and the project's JSON Schemas, placed in the OpenAPI document)."""
from __future__ import annotations

import copy
import json
from typing import Any

from pydantic import BaseModel, Field

from ..paths import SCHEMAS


class Bilingual(BaseModel):
    en: str
    zh: str


class Quoted(BaseModel):
    en: str
    zh: str | None = Field(None, description="null when the pack gives only the English text")


class ProblemOut(BaseModel):
    file: str = Field(description="the input the problem is in: the dossier's name, or the option (as_of, program)")
    pointer: str = Field("", description="JSON Pointer into the dossier (RFC 6901; \"\" is the whole document)")
    cell: str | None = Field(None, description="sheet and cell of a workbook")
    line: int | None = None
    expected: str | None = None
    found: str | None = None
    message: str = Field(description="what is wrong, in English (as `parkcert check` prints it)")
    message_zh: str | None = Field(None, description="the message in Chinese, given only when the request asks for it "
                                                     "with ?lang=zh (where the glossary knows the message's form; "
                                                     "otherwise the English message)")


class Problems(BaseModel):
    detail: str
    problems: list[ProblemOut]


class Detail(BaseModel):
    detail: str


class ProgramInfo(BaseModel):
    id: str
    title: Bilingual
    standard: str
    standard_zh: str | None = None
    version: str
    rules: list[str]
    zone_types: list[str] = Field(description="zone types the program is for (empty: all)")
    decision: Bilingual
    origin: str = Field(description="shipped, or external (a pack folder given with --rules / PARKCERT_RULES)")
    illustrative: Bilingual | None = Field(None, description="set when the pack's thresholds come from no official text")
    provisional: list[str] = Field(description="parameters whose values the source does not give")


class RuleInfo(BaseModel):
    id: str
    program: str
    title: Bilingual
    metric: str
    metric_title: Bilingual
    unit: str
    op: str
    threshold: Any = None
    compared_with: str | None = Field(None, description="metric, benchmark or target when the threshold is not fixed")
    category: str
    impact: str
    clause: str
    source: Quoted
    rationale: Quoted
    in_force: dict
    formula: str | None = None
    file: str
    line: int | None = None


class MetricInfo(BaseModel):
    name: str
    title: Bilingual
    unit: str
    crosswalk: str
    formula: str | None = None
    reported_only: bool
    extracted_from: str | None = None
    rules: list[str] = Field(description="the rules that use the metric, in every pack")


class Catalogue(BaseModel):
    version: str
    sha256: str
    quantities: dict[str, dict]
    metrics: list[MetricInfo]


class Validated(BaseModel):
    valid: bool
    file: str
    sha256: str
    zone: dict
    as_of: str
    programs: list[str]


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def add_json_schemas(openapi: dict) -> dict:
    """The dossier and result schemas as OpenAPI components (their $defs become components of their own)."""
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    for title, name in (("Dossier", "dossier.schema.json"), ("Result", "result.schema.json")):
        schema = _schema(name)
        defs = schema.pop("$defs", {})
        for key in ("$schema", "$id"):
            schema.pop(key, None)
        text = json.dumps({"root": schema, "defs": defs}).replace('"#/$defs/', f'"#/components/schemas/{title}_')
        moved = json.loads(text)
        components[title] = moved["root"]
        for k, v in moved["defs"].items():
            components[f"{title}_{k}"] = v
    return openapi


def ref(title: str) -> dict:
    return {"$ref": f"#/components/schemas/{title}"}


def body(with_json: bool = True) -> dict:
    """The request body every dossier endpoint takes: JSON, or a multipart upload with the options."""
    content = {"multipart/form-data": {"schema": {"type": "object", "required": ["dossier"], "properties": {
        "dossier": {"type": "string", "format": "binary", "description": "the dossier: JSON or an .xlsx workbook"},
        "program": {"type": "array", "items": {"type": "string"}, "description": "as the query parameter"},
        "as_of": {"type": "string", "format": "date"}}}}}
    if with_json:
        content = {"application/json": {"schema": ref("Dossier")}, **content}
    return {"requestBody": {"required": True, "content": copy.deepcopy(content)}}
