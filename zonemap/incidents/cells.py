"""CSV cells a spreadsheet would run as formulas, escaped (OWASP's CSV-injection rule).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel and LibreOffice when the CSV is opened. Every CSV zonemap writes (classified
incidents, rejected rows, summaries, rows outside Syria) prefixes such text cells with a single
quote, which spreadsheets show as text; numbers (``-5``, ``-36.6``, ``+1e3``) stay numbers.
``raw=True`` (the CLI's ``--raw-csv-cells``) writes every cell as it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Text that is a plain number (kept as it is: a spreadsheet reads it as that number).
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def escape_formulas(frame: pd.DataFrame, *, raw: bool = False) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) that a spreadsheet would run as a formula
    prefixed with ``'``; numbers and other text as they are. ``raw=True``: ``frame`` unchanged.

    Examples
    --------
    >>> frame = pd.DataFrame({"notes": ["=SUM(A1:A9)", "-5", "@a", "ok"], "n": [-1, 2, 3, 4]})
    >>> escape_formulas(frame)["notes"].tolist()
    ["'=SUM(A1:A9)", '-5', "'@a", 'ok']
    >>> escape_formulas(frame)["n"].tolist()
    [-1, 2, 3, 4]
    """
    if raw:
        return frame
    changed = {}
    for position in range(len(frame.columns)):
        values = frame.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            escaped = _escaped(values)
            if escaped is not None:
                changed[position] = escaped
    names = [_escaped_name(c) for c in frame.columns]
    if not changed and names == list(frame.columns):
        return frame
    out = frame.copy()
    for position, values in changed.items():
        out.isetitem(position, values)
    out.columns = names
    return out


def _escaped(values: pd.Series) -> pd.Series | None:
    """The column with its formula-like text prefixed; None when it has none (most columns)."""
    text = values.astype("string")
    starts = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
    if not starts.any():
        return None
    number = text[starts].str.fullmatch(_PLAIN_NUMBER).fillna(False).to_numpy(dtype=bool)
    rows = np.flatnonzero(starts)[~number]
    if not len(rows):
        return None
    out = values.astype(object).copy()
    out.iloc[rows] = ["'" + str(v) for v in out.iloc[rows]]
    return out


def _escaped_name(name):
    text = str(name)
    if text.startswith(FORMULA_STARTS) and not pd.Series([text]).str.fullmatch(_PLAIN_NUMBER).iloc[0]:
        return "'" + text
    return name
