"""One cell's value, read the way a person meant it, or a message saying why it cannot be.

Excel's traps, each decided by one documented rule (README, "Workbooks"):

- a number formatted as a percentage is stored as a fraction (85 % is 0.85): it is read as the quantity it
  shows, 85 % — written in the row's unit (85 for `%`, 0.85 for `1`), refused for a unit that is not a ratio;
- a number stored as text is read only when unambiguous: digits with an optional `.` decimal point and commas
  as thousands separators in groups of three ("1,234.5"), full-width digits and punctuation folded to ASCII,
  an optional trailing `%`; "1,5" or "1.234,5" or "n/a" are refused, never guessed;
- a date is a date cell, an Excel serial number, or text as YYYY-MM-DD, YYYY/M/D or YYYY年M月D日;
- yes/no cells accept TRUE/FALSE, yes/no, y/n, 是/否.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

from openpyxl.utils.datetime import from_excel

from .. import units
from ..problems import did_you_mean


class CellError(ValueError):
    """The cell holds something its column cannot take; the message says what was expected and found."""


_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_DATE_TEXT = re.compile(r"^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日?)$")
_YES = {"yes", "y", "true", "是", "有"}
_NO = {"no", "n", "false", "否", "无"}
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")
# Excel's serial dates: 1 is 1900-01-01; beyond 2958465 is after 9999-12-31
_SERIAL_RANGE = (1, 2958465)


def found(value) -> str:
    """A value as a message quotes it: text in double quotes, numbers as written."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + '..."'


def fold(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII; every kind of space as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def is_percent_format(number_format: str | None) -> bool:
    fmt = re.sub(r'"[^"]*"|\\.', "", number_format or "")   # quoted literals are not the % operator
    return "%" in fmt


def number(value, number_format: str | None = None, unit: str | None = None) -> float | int:
    """A number in `unit` (the row's unit, or the catalogue's when the row gives none)."""
    percent = False
    if isinstance(value, bool) or value is None:
        raise CellError(f"expected a number, found {found(value)}")
    if isinstance(value, (int, float)):
        percent = is_percent_format(number_format)
        num = value
    elif isinstance(value, str):
        text = fold(value).replace(" ", "")
        if text.endswith("%"):
            percent, text = True, text[:-1]
        if _NUMBER.match(text):
            num = float(text.replace(",", ""))
        elif _SCIENTIFIC.match(text):
            num = float(text)
        else:
            hint = ""
            if re.fullmatch(r"[+-]?\d+(?:[.,]\d+)+", text):
                hint = " (write 1234.5 or 1,234.5: a comma is read only as a thousands separator in groups of three)"
            elif text.lower() in {"n/a", "na", "-", "--", "—", "无", "暂无", "不详", "null", "none"}:
                hint = " (leave the cell empty when the value is not known)"
            raise CellError(f"expected a number, found {found(value)}{hint}")
        if percent:
            num = num / 100          # "85%" typed as text: the quantity 0.85, as a percent-formatted cell stores it
    elif isinstance(value, (dt.date, dt.datetime)):
        raise CellError(f"expected a number, found the date {found(value)} (the cell is formatted as a date)")
    else:
        raise CellError(f"expected a number, found {found(value)}")
    if percent:
        num = _from_fraction(num, unit)
    if isinstance(num, float) and num.is_integer() and abs(num) < 2**53:
        return int(num)
    return num


def _from_fraction(fraction: float, unit: str | None) -> float:
    """A percentage cell's stored fraction, written in the row's unit."""
    target = unit if unit not in (None, "") else "%"
    try:
        if units.compatible(target, "1"):
            return round(units.convert(fraction, "1", target), 12)
    except units.UnitError:
        pass
    raise CellError(f"the cell shows a percentage ({fraction * 100:g} %), but the unit is {target!r}: "
                    f"write the number in {target!r} in a cell not formatted as a percentage")


def integer(value, number_format: str | None = None) -> int:
    if isinstance(value, bool):
        raise CellError(f"expected a whole number, found {found(value)}")
    if isinstance(value, str):
        text = fold(value).replace(" ", "")
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise CellError(f"expected a whole number, found {found(value)}")
    if isinstance(value, (int, float)) and not is_percent_format(number_format) and float(value).is_integer():
        return int(value)
    raise CellError(f"expected a whole number, found {found(value)}")


def date(value, epoch: dt.datetime | None = None) -> str:
    """An ISO date (YYYY-MM-DD), as the dossier keeps it."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"expected a date, found the date and time {value.isoformat(sep=' ')}")
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1] and float(value).is_integer():
            return from_excel(value, epoch=epoch or dt.datetime(1899, 12, 30)).date().isoformat()
        raise CellError(f"expected a date, found the number {found(value)}")
    if isinstance(value, str):
        text = fold(value).replace(" ", "")
        m = _DATE_TEXT.match(text)
        if m:
            y = int(m.group(1))
            mo, d = next((int(m.group(i)), int(m.group(i + 1))) for i in (2, 4, 6) if m.group(i))
            try:
                return dt.date(y, mo, d).isoformat()
            except ValueError:
                raise CellError(f"no such date: {found(value)}") from None
        raise CellError(f"expected a date (YYYY-MM-DD), found {found(value)}")
    raise CellError(f"expected a date (YYYY-MM-DD), found {found(value)}")


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = fold(value).lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    raise CellError(f"expected yes or no (是 or 否), found {found(value)}")


def text(value) -> str:
    if isinstance(value, bool):
        raise CellError(f"expected text, found {found(value)}")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def choice(value, choices: tuple[str, ...]) -> str:
    word = text(value)
    if not choices or word in choices:
        return word
    folded = {c.lower(): c for c in choices}
    if fold(word).lower() in folded:
        return folded[fold(word).lower()]
    raise CellError(f"expected one of {', '.join(choices)}, found {found(value)}" + did_you_mean(word, choices))


def items(value) -> list[str]:
    """A list typed in one cell: separated by commas (also ，、;), or one item per line."""
    return [part.strip() for part in _LIST_SPLIT.split(text(value)) if part.strip()]


def lines(value) -> list[str]:
    return [part.strip() for part in text(value).splitlines() if part.strip()]


def years(value) -> list[int]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [integer(value)]
    out = []
    for part in items(value):
        try:
            out.append(integer(part))
        except CellError:
            raise CellError(f"expected years separated by commas, found {found(value)}") from None
    return out
