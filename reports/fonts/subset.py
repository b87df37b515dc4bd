"""Build the bundled report fonts: Noto Sans CJK SC (SIL OFL 1.1), subset and renamed "ParkCert Sans SC".

Run once by a maintainer when the character set must grow (a new pack, a new label); the report never
downloads or builds fonts at run time. Source: Debian's fonts-noto-cjk (NotoSansCJK-{Regular,Bold}.ttc,
face "Noto Sans CJK SC"). Coverage: ASCII, Latin-1, Latin Extended-A/B (pinyin), Greek, punctuation,
arrows, maths, CJK symbols, full-width forms, every character of GB 2312 (6,763 hanzi), and every
character used by rules/, examples/, schemas/ and reports/ (labels, templates).

    python reports/fonts/subset.py /usr/share/fonts/opentype/noto

The renamed family is required by the OFL (Reserved Font Name "Noto" may not name a modified version)
and lets tests tell the bundled font from a system one in the PDF.
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x2B0, 0x2FF), (0x370, 0x3FF), (0x2000, 0x206F), (0x2070, 0x209F),
          (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2150, 0x218F), (0x2190, 0x21FF), (0x2200, 0x22FF),
          (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2700, 0x27BF), (0x3000, 0x303F), (0x3200, 0x33FF),
          (0xFE30, 0xFE4F), (0xFF00, 0xFFEF)]


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def project_chars() -> set[str]:
    chars = set()
    for folder in ("rules", "examples", "schemas", "reports", "engine"):
        for p in (ROOT / folder).rglob("*"):
            if p.is_file() and p.suffix in {".yaml", ".json", ".j2", ".html", ".css", ".py"}:
                chars |= set(p.read_text(encoding="utf-8"))
    return chars


def build(src: Path) -> None:
    chars = gb2312() | project_chars()
    for lo, hi in RANGES:
        chars |= {chr(c) for c in range(lo, hi + 1)}
    for weight in ("Regular", "Bold"):
        coll = TTCollection(str(src / f"NotoSansCJK-{weight}.ttc"))
        font = next(f for f in coll.fonts if f["name"].getDebugName(6) == f"NotoSansCJKsc-{weight}")
        options = subset.Options()
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.layout_features = ["*"]
        options.notdef_outline = True
        options.hinting = False
        sub = subset.Subsetter(options)
        cmap = font.getBestCmap()
        sub.populate(unicodes=[ord(c) for c in chars if ord(c) in cmap])
        sub.subset(font)
        family, ps = "ParkCert Sans SC", f"ParkCertSansSC-{weight}"
        names = font["name"]
        for rec in list(names.names):
            if rec.nameID in (1, 16):
                names.setName(family, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
            elif rec.nameID == 4:
                names.setName(f"{family} {weight}" if weight != "Regular" else family,
                              rec.nameID, rec.platformID, rec.platEncID, rec.langID)
            elif rec.nameID in (3, 6):
                names.setName(ps, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        if "CFF " in font:
            cff = font["CFF "].cff
            cff.fontNames = [ps]
            top = cff.topDictIndex[0]
            top.FullName = f"{family} {weight}"
            top.FamilyName = family
        out = HERE / f"{ps}.otf"
        font.recalcTimestamp = False   # same source, same characters → same file
        font.save(str(out))
        print(f"{out.name}: {out.stat().st_size / 1e6:.2f} MB, {len(font.getBestCmap())} characters")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto"))
