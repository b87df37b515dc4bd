"""Dossier workbooks: the XLSX template generated from the catalogue and packs, and its reader.

layout (the sheets, derived) · template (write) · reader (read, every problem with its cell) · cells (Excel's
traps, one rule each) · cellmap (JSON Pointer <-> Sheet!A1) · limits (size, rows, columns before parsing).
"""
