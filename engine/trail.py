"""The audit trail as a file: the hash of an entry, reading an exported trail (`parkcert audit export`) back and
checking it, and its rows for the reviewed PDF. No database here: `parkcert report --audit-trail` reads the file."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from . import schema
from .problems import InputError, Problem, pointer

FORMAT = "parkcert-audit-trail/1"
ATTACHMENT = "parkcert-audit-trail.json"
GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "action", "object", "dossier_id", "before", "after", "prev_hash")


def canonical(value) -> str | None:
    """The one JSON spelling used for an entry's before/after and for hashing."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(entry: dict) -> str:
    """sha256 over an entry's fields, the previous entry's hash among them: the link of the chain."""
    return hashlib.sha256(canonical({k: entry[k] for k in FIELDS}).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Trail:
    file: str
    raw: bytes
    dossier: dict | None
    entries: list[dict]


def read_trail(raw: bytes, shown: str) -> Trail:
    """An exported trail, checked: JSON, schema, and every entry still hashing to what it says."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError([Problem(shown, "", "not UTF-8 text")]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(shown, "", f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                                  exc.lineno)]) from None
    found = schema.problems("audit-trail.schema.json", data)
    if found:
        raise InputError([Problem(shown, pointer(p), m) for p, m in found])
    problems = [Problem(shown, pointer(["entries", i]), f"entry {e['seq']} does not hash to its recorded hash: it was "
                        "changed after it was exported") for i, e in enumerate(data["entries"]) if entry_hash(e) != e["hash"]]
    seqs = [e["seq"] for e in data["entries"]]
    if seqs != sorted(set(seqs)):
        problems.append(Problem(shown, "/entries", "entries are not in the order of the trail"))
    if problems:
        raise InputError(problems)
    return Trail(shown, raw, data["dossier"], data["entries"])


def check_for(trail: Trail, dossier_sha256: str) -> None:
    """A trail embedded in a report must be about the reported dossier."""
    known = [v["sha256"] for v in (trail.dossier or {}).get("versions", [])]
    if dossier_sha256 not in known:
        raise InputError([Problem(trail.file, "/dossier", "the audit trail is not about this dossier (no version with "
                                  f"sha256 {dossier_sha256[:12]}… in it)")])


ACTIONS = {
    "dossier.create": {"en": "dossier created", "zh": "创建申报材料"},
    "version.upload": {"en": "version uploaded", "zh": "上传版本"},
    "review.open": {"en": "review opened", "zh": "开始评审"},
    "review.edit": {"en": "review edited", "zh": "修改评审"},
    "review.import": {"en": "review imported", "zh": "导入评审"},
    "review.approve": {"en": "review approved by the chair", "zh": "组长批准评审"},
    "review.reopen": {"en": "review reopened", "zh": "重新打开评审"},
    "user.add": {"en": "account added", "zh": "添加账户"},
    "user.disable": {"en": "account disabled", "zh": "停用账户"},
    "user.enable": {"en": "account enabled", "zh": "启用账户"},
    "user.password": {"en": "password changed", "zh": "修改密码"},
    "user.login": {"en": "signed in", "zh": "登录"},
    "user.logout": {"en": "signed out", "zh": "退出"},
}


def action_text(action: str, lang: str) -> str:
    return ACTIONS.get(action, {}).get(lang, action)


def _details(e: dict, limit: int = 180) -> str:
    after = json.loads(e["after"]) if e["after"] else None
    if isinstance(after, dict) and "decisions" in after and isinstance(after["decisions"], dict):
        parts = [f"{rid}: {d.get('decision')}{'→' + d['override_to'] if d.get('override_to') else ''}"
                 for rid, d in after["decisions"].items() if isinstance(d, dict)]
        text = "; ".join(parts)
    elif isinstance(after, dict):
        text = ", ".join(f"{k}: {v}" for k, v in after.items() if k not in ("decisions",))
    else:
        text = ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def rows(trail: Trail, lang: str) -> list[dict]:
    """The trail as the report's table shows it (every value is text, autoescaped by the template)."""
    return [{"seq": e["seq"], "at": e["at"][:19].replace("T", " "), "actor": e["actor"], "role": e["role"],
             "action": action_text(e["action"], lang), "object": e["object"],
             "details": _details(e), "hash": e["hash"][:12]} for e in trail.entries]
