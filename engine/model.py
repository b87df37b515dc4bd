"""The data that crosses module boundaries. Plain frozen dataclasses; no behaviour beyond small helpers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

Status = Literal["pass", "fail", "missing", "not_applicable", "waived", "overridden"]
STATUSES = ("pass", "fail", "missing", "not_applicable", "waived", "overridden")
Op = Literal["ge", "gt", "le", "lt", "eq"]
OP_SYMBOL = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "="}


@dataclass(frozen=True)
class Text:
    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


# --- the catalogue -------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    name: str
    unit: str
    title: Text


@dataclass(frozen=True)
class Metric:
    name: str
    title: Text
    unit: str                      # "bool" for yes/no metrics
    crosswalk: str
    formula: str | None = None
    reported_only: bool = False
    extract: dict | None = None    # {"reading": ..., "pointer": ..., "years": ...}
    uses_period: bool = False      # elasticity()/cagr(): depends on the program's period
    isc: str | None = None         # category of the ISC indicator system (the catalogue's `isc` section)

    @property
    def is_bool(self) -> bool:
        return self.unit == "bool"

    @property
    def is_date(self) -> bool:
        return self.unit == "date"

    @property
    def numeric(self) -> bool:
        return not (self.is_bool or self.is_date)


@dataclass(frozen=True)
class Catalogue:
    version: str
    crosswalk: dict[str, Text]
    quantities: dict[str, Quantity]
    metrics: dict[str, Metric]
    file: str
    sha256: str                          # the shipped catalogue and every extension
    isc: dict[str, Text] = field(default_factory=dict)
    shipped_sha256: str = ""             # the shipped catalogue alone (what shipped packs hash)
    extensions: dict[str, str] = field(default_factory=dict)   # pack folder -> sha256 of its metrics.yaml


# --- rule packs ----------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    note: str
    provisional: bool = False
    unit: str | None = None
    note_zh: str | None = None
    title: Text | None = None    # what a report calls it; its name when the pack gives none


@dataclass(frozen=True)
class Rule:
    id: str
    title: Text
    metric: str
    op: Op | Literal["declared_target"]
    threshold: float | bool | dt.date | None   # None when compared against another value
    ref_metric: str | None
    unit: str
    category: str
    clause: str
    source: Text      # zh may be None in a pack that gives only the English text
    rationale: Text
    impact: str = "high"
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None  # exclusive: the rule no longer applies on this date
    params: tuple[str, ...] = ()        # parameters the rule depends on (for provisional notes)
    file: str = ""
    line: int | None = None
    ref_kind: Literal["metric", "benchmark", "target"] | None = None
    applies_if: tuple[str, float | bool] | None = None   # (metric, value): otherwise not applicable
    threshold_by: ThresholdBy | None = None   # the threshold depends on a zone attribute

    def in_force(self, on: dt.date) -> bool:
        if self.valid_from and on < self.valid_from:
            return False
        if self.valid_until and on >= self.valid_until:
            return False
        return True


@dataclass(frozen=True)
class ZoneAttribute:
    """A property of the zone a pack's thresholds depend on, read from the dossier at `pointer`."""
    name: str
    title: Text
    pointer: str                          # /zone/type or /zone/attributes/<name>
    values: dict[str, Text]               # the values the pack knows, with their titles


@dataclass(frozen=True)
class ThresholdBy:
    """A threshold chosen by a zone attribute: one value per case, a default for any other declared value."""
    attribute: str
    cases: dict[str, float]               # in the metric's unit
    default: float
    written: dict[str, float]             # as written in the pack, in the rule's unit (for people)
    default_written: float
    unit_written: str


@dataclass(frozen=True)
class ThresholdChoice:
    """Which threshold of a ThresholdBy applied to this zone, and why."""
    attribute: str
    pointer: str
    zone_value: str | None                # None: the dossier does not declare it
    branch: Literal["case", "default", "undeclared"]
    threshold: float | None


@dataclass(frozen=True)
class Group:
    """Rules judged together: `all` must pass, `at_least` k of them, or `share_at_least` p % of them."""
    id: str
    title: Text
    require: Literal["all", "at_least", "share_at_least"]
    value: float | None                   # k, or p in %; None for all
    rules: tuple[str, ...]
    clause: str = ""


@dataclass(frozen=True)
class Category:
    id: str
    title: Text
    section: str = "indicators"          # how reports show it: indicators · checklist · coverage


@dataclass(frozen=True)
class Tranche:
    id: str
    title: Text
    share_pct: float
    due_when: Literal["approved", "decision_met"]


@dataclass(frozen=True)
class Decision:
    kind: Literal["all_pass", "share_met", "groups"]
    text: Text
    blocking_categories: tuple[str, ...] = ()   # empty: every category decides
    required_categories: tuple[str, ...] = ()
    counted_categories: tuple[str, ...] = ()
    share_pct: float | None = None
    verdict_labels: dict[str, Text] = field(default_factory=dict)
    tranches: tuple[Tranche, ...] = ()
    refund_after_years: int | None = None
    refund_progress_pct: float | None = None
    refund_title: Text | None = None
    params: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()
    group_categories: tuple[str, ...] = ()      # groups: the categories with a rule in some group

    def decides(self, category: str) -> bool:
        """Whether outcomes of this category can change the verdict."""
        if self.kind == "groups":
            return category in self.group_categories
        if self.kind == "share_met":
            return category in self.required_categories or category in self.counted_categories
        return not self.blocking_categories or category in self.blocking_categories


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min_score: float
    title: Text


@dataclass(frozen=True)
class Grading:
    bands: tuple[GradeBand, ...]      # highest first
    note: str
    provisional: bool
    note_zh: str | None = None

    def grade(self, score: float) -> GradeBand:
        for band in self.bands:
            if score >= band.min_score:
                return band
        return self.bands[-1]


@dataclass(frozen=True)
class RulePack:
    id: str
    title: Text
    standard: str
    authority: str
    version: str
    source: str
    description: str
    categories: tuple[Category, ...]
    parameters: dict[str, Parameter]
    period_years: int | None
    period_params: tuple[str, ...]
    decision: Decision
    rules: tuple[Rule, ...]
    folder: str
    files_sha256: str                    # hash over the pack's files and the catalogue
    zone_types: tuple[str, ...] = ()
    work_plan: str | None = None         # which dossier work plan declares this program's targets
    grading: Grading | None = None
    standard_zh: str | None = None
    origin: Literal["shipped", "external"] = "shipped"
    illustrative: Text | None = None     # why the pack is not an official standard, shown wherever it is used
    zone_attributes: dict[str, ZoneAttribute] = field(default_factory=dict)

    def decides(self, rule: Rule) -> bool:
        """Whether this rule's outcome can change the verdict."""
        if self.decision.kind == "groups":
            return any(rule.id in g.rules for g in self.decision.groups)
        return self.decision.decides(rule.category)

    @property
    def decision_kind(self) -> str:
        return self.decision.kind

    @property
    def decision_text(self) -> Text:
        return self.decision.text

    def rule(self, rule_id: str) -> Rule:
        return self.rules_by_id[rule_id]

    @cached_property
    def rules_by_id(self) -> dict[str, Rule]:
        """The rules by id, the first of a repeated id as a search of the list finds (measured: decide searched
        the list once per outcome, 3 % of a batch)."""
        out: dict[str, Rule] = {}
        for r in self.rules:
            out.setdefault(r.id, r)
        return out


# --- dossiers and facts ----------------------------------------------------------

@dataclass(frozen=True)
class Dossier:
    path: str
    sha256: str
    data: dict                 # the validated JSON document
    as_of: dt.date
    reference_year: int | None
    raw: bytes = b""           # the bytes sha256 is of: the file, or for a workbook the canonical JSON imported
    cells: dict[str, str] | None = None   # a workbook's dossier: JSON Pointer -> Sheet!A1

    @property
    def zone_id(self) -> str:
        return self.data["zone"]["id"]

    @property
    def name(self) -> Text:
        n = self.data["zone"]["name"]
        return Text(n["en"], n["zh"])

    @property
    def programs(self) -> list[str]:
        return list(self.data["zone"]["programs"])


# Facts, their inputs, outcomes and targets are made by the thousand per dossier in a batch: slotted and not
# frozen (measured: a frozen dataclass's __init__ sets each field through object.__setattr__, 1.5 µs per Fact
# against 0.4 µs, 2.7 µs per Outcome). Nothing assigns to them after construction; unsafe_hash keeps the
# hash a frozen dataclass had.
@dataclass(slots=True, unsafe_hash=True)
class Input:
    """One dossier value used to obtain a fact."""
    name: str
    pointer: str
    value: Any
    unit: str | None = None
    source: dict | None = None


@dataclass(slots=True, unsafe_hash=True)
class Fact:
    metric: str
    value: float | bool | dt.date | None   # None when missing
    unit: str
    method: Literal["reported", "derived", "extracted", "missing"]
    year: int | None = None
    formula: str | None = None
    inputs: tuple[Input, ...] = ()
    reason: str | None = None           # why the value is missing
    warnings: tuple[str, ...] = ()
    period: tuple[int, int] | None = None

    @property
    def present(self) -> bool:
        return self.value is not None


# --- outcomes ---------------------------------------------------------------------

@dataclass(slots=True, unsafe_hash=True)
class Outcome:
    rule_id: str
    status: Status
    value: float | bool | None
    unit: str
    op: Op
    threshold: float | bool | None
    gap: float | None = None            # > 0: how far short of the threshold; ≤ 0: headroom
    gap_pct: float | None = None        # gap relative to the threshold, in %
    fact: Fact | None = None
    ref_fact: Fact | None = None        # the fact compared against, for metric-vs-metric rules
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    levers: tuple = ()                  # remedy.Lever: what change in a raw quantity closes the gap
    target: Target | None = None        # declared-target rules: the zone's own target
    progress_pct: float | None = None   # declared-target rules: share of the planned change achieved
    engine_status: Status | None = None # what the engine found, when a panel review changed the status
    review: ReviewDecision | None = None
    choice: ThresholdChoice | None = None   # zone-dependent thresholds: the branch chosen and why

    @property
    def effective(self) -> str:
        """The status that decides: an override counts as what it overrides to."""
        return self.review.override_to if self.status == "overridden" else self.status


@dataclass(frozen=True)
class ReviewDecision:
    rule_id: str
    decision: Literal["confirm", "override", "waive", "not_applicable"]
    override_to: Literal["pass", "fail"] | None = None
    justification: str | None = None
    reviewer: str | None = None
    approver: str | None = None
    date: dt.date | None = None
    expires: dt.date | None = None
    expired: bool = False               # a waiver past its expiry no longer applies
    risk: str | None = None
    comments: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class Target:
    """A quantitative target a zone declares in its work plan, resolved to a value in the metric's unit."""
    metric: str
    direction: Literal["higher", "lower"]
    base_year: int
    base_value: float | None
    target_year: int
    value: float | None                 # None when it cannot be resolved (reason says why)
    declared: str                       # as written: "2.0e-05 tce/RMB (-20 %)"
    pointer: str
    reason: str | None = None
    base_fact: Fact | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgramResult:
    pack: RulePack
    dossier: Dossier
    as_of: dt.date
    outcomes: tuple[Outcome, ...]
    verdict: Literal["certifiable", "not_certifiable", "incomplete"]
    blocking: tuple[str, ...]
    provisional: tuple[Parameter, ...] = field(default=())
    reference_year: int | None = None
    detail: dict = field(default_factory=dict)   # decision figures: share met, tranches, refund

    review: dict | None = None          # panel, meeting date, recommendation, grade

    def counts(self) -> dict[str, int]:
        c = dict.fromkeys(STATUSES, 0)
        for o in self.outcomes:
            c[o.status] += 1
        return c
