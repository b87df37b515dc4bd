"""Groups of rules in a pack header (pack.yaml `groups`), read and checked: the rules a decision of kind
`groups` combines. Errors name the file, line and JSON Pointer, like every other pack error."""
from __future__ import annotations

from .model import Group, Rule, Text
from .problems import Problem, pointer
from .yamlfile import YamlDoc


def read_groups(items: list, rules: list[Rule], cat_ids: set[str], params: dict, doc: YamlDoc,
                problems: list, used: list) -> tuple[Group, ...]:
    """The pack's groups: members by rule id and by category, the requirement checked against their number."""
    ids = [r.id for r in rules]
    out = []
    for i, g in enumerate(items):
        where = ["groups", i]

        def bad(field, msg, _where=where):
            problems.append(Problem(doc.path, pointer(_where + [field]), msg, doc.line(_where + [field])))

        members = list(g.get("rules") or [])
        for j, rid in enumerate(members):
            if rid not in ids:
                problems.append(Problem(doc.path, pointer(where + ["rules", j]), f"unknown rule {rid!r}",
                                        doc.line(where + ["rules", j])))
        for j, c in enumerate(g.get("categories") or []):
            if c not in cat_ids:
                problems.append(Problem(doc.path, pointer(where + ["categories", j]), f"unknown category {c!r}",
                                        doc.line(where + ["categories", j])))
            members += [r.id for r in rules if r.category == c and r.id not in members]
        if not members:
            bad("rules", "the group has no rules")
        (kind, value), = g["require"].items()
        if isinstance(value, dict):
            if value["param"] not in params:
                bad("require", f"unknown parameter {value['param']!r}")
                value = None
            else:
                used.append(value["param"])
                value = float(params[value["param"]].value)
        if kind == "all":
            value = None
        elif kind == "at_least" and value is not None and value > len(members):
            bad("require", f"at least {value:g} of {len(members)} rules can never be met")
        elif kind == "share_at_least" and value is not None and not 0 < value <= 100:
            bad("require", f"a share is a percentage in (0, 100], found {value:g}")
        out.append(Group(g["id"], Text(g["title"]["en"], g["title"]["zh"]), kind, None if value is None else float(value),
                         tuple(sorted((m for m in members if m in ids), key=ids.index)), g.get("clause", "")))
    seen = [g.id for g in out]
    for i, gid in enumerate(seen):
        if gid in seen[:i]:
            problems.append(Problem(doc.path, pointer(["groups", i, "id"]), f"duplicate group id {gid!r}",
                                    doc.line(["groups", i, "id"])))
    return tuple(out)
