"""What a workbook may be before any of its XML is parsed: a zip of bounded size, rows and columns.

A dossier workbook is tens of kilobytes. These limits refuse a zip bomb, a million-row sheet or a file that
is not a workbook in milliseconds, from the zip directory and the first bytes of each sheet, with bounded
memory. XML bombs and external entities are refused by the parser itself: openpyxl parses through
defusedxml, which is installed with ParkCert (checked by `assert_defused`).
"""
from __future__ import annotations

import io
import re
import zipfile

MAX_TOTAL_BYTES = 25 * 2**20        # uncompressed, every member together
MAX_MEMBER_BYTES = 8 * 2**20        # one sheet's XML (a filled template: about 60 kB)
MAX_MEMBERS = 400
MAX_ROWS = 2000                     # rows read from one sheet
MAX_COLS = 200
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # .xls, and any password-protected workbook
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


class NotReadable(ValueError):
    """The file is not a workbook ParkCert reads, or is beyond the limits; the message says which."""


def looks_like_workbook(raw: bytes) -> bool:
    """Zip (xlsx, xlsm) or OLE (xls, encrypted xlsx) magic: the bytes are meant as a workbook, not JSON."""
    return raw.startswith(ZIP_MAGIC) or raw.startswith(OLE_MAGIC) or raw.startswith(b"PK\x05\x06")


def assert_defused() -> None:
    from openpyxl.xml import DEFUSEDXML
    if not DEFUSEDXML:   # pragma: no cover - a broken installation
        raise NotReadable("defusedxml is not installed: workbooks are not read without it (pip install defusedxml)")


def check(raw: bytes) -> None:
    """Raise NotReadable unless `raw` is an xlsx/xlsm zip within the limits."""
    if raw.startswith(OLE_MAGIC):
        raise NotReadable("an Excel 97-2003 (.xls) or password-protected workbook: save it as an Excel workbook "
                          "(.xlsx) without a password")
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise NotReadable(f"not a readable Excel workbook (.xlsx): a damaged zip file ({e})") from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.bin" in names:
            raise NotReadable("an Excel binary workbook (.xlsb): save it as an Excel workbook (.xlsx)")
        if "xl/workbook.xml" not in names:
            raise NotReadable("a zip file, not an Excel workbook (.xlsx): no xl/workbook.xml inside")
        if len(infos) > MAX_MEMBERS:
            raise NotReadable(f"the workbook holds {len(infos)} parts; at most {MAX_MEMBERS} are read")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise NotReadable(f"the workbook unpacks to {total / 2**20:.0f} MB; at most {MAX_TOTAL_BYTES // 2**20} MB "
                              "are read (a dossier workbook is well under 1 MB)")
        for i in infos:
            if i.flag_bits & 0x1:
                raise NotReadable("the workbook is encrypted: save it without a password")
            if i.file_size > MAX_MEMBER_BYTES:
                raise NotReadable(f"{i.filename} unpacks to {i.file_size / 2**20:.0f} MB; at most "
                                  f"{MAX_MEMBER_BYTES // 2**20} MB are read from one part")
            if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"):
                _check_dimension(zf, i)


def _check_dimension(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    # openpyxl only once a workbook is read: every dossier passes through `looks_like_workbook`, and importing
    # openpyxl cost every command (and a batch's parent) 0.13 s of its start-up
    from openpyxl.utils.cell import range_boundaries
    with zf.open(info) as fh:
        head = fh.read(4096)
    m = _DIMENSION.search(head)
    if not m:
        return
    try:
        _, _, max_col, max_row = range_boundaries(m.group(1).decode())
    except ValueError:
        return
    if (max_row or 0) > MAX_ROWS or (max_col or 0) > MAX_COLS:
        raise NotReadable(f"a sheet spans {max_row} rows and {max_col} columns; at most {MAX_ROWS} rows and "
                          f"{MAX_COLS} columns are read (delete the rows and columns below and right of the data)")
