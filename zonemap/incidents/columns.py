"""Which columns of an incidents table hold the coordinates and the date (by name, or as the user
names them), and the input columns renamed where zonemap adds its own of the same name.
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import InputError

#: Column names tried, in order and ignoring case, when none is given.
COLUMN_CANDIDATES = {
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "latitude": ("latitude", "lat", "y"),
    "date": ("event_date", "date", "datetime", "timestamp", "time"),
}

#: Columns of zonemap's classified output (a few of its signature,
#: :func:`~zonemap.incidents.classification.own_output_columns`): read from a geometry, such a file's
#: ``longitude``/``latitude`` are the point zonemap wrote (unless it also wrote ``point_longitude``),
#: so no ``point_longitude`` is added again. Names only: every chunk of a file decides alike.
OWN_OUTPUT_MARKS = ("side_2018", "dist_2018_km", "p_in_dmz", "dmz_status", "accuracy_basis")

#: Columns zonemap adds to its tables; an input column of the same name is kept as ``<name>_in_file``.
RESERVED_COLUMNS = ("row", "kind", "reason", "file", "date_precision", "geometry")


def _find_column(columns, wanted, role: str, source, required: bool) -> str | None:
    lookup: dict[str, list] = {}
    for c in columns:
        lookup.setdefault(str(c).strip().lstrip("\ufeff").lower(), []).append(c)
    if wanted is not None:
        found = lookup.get(str(wanted).strip().lower(), [])
        exact = [c for c in found if str(c) == str(wanted)]
        if len(exact) == 1 or len(found) == 1:
            return (exact or found)[0]
        if found:
            raise InputError(f"{_same_names(found)} could each be the {role} column {wanted!r}", source=source)
        raise InputError(f"no column {str(wanted)[:80]!r} for the {role}; columns are {_list(columns)}", source=source)
    for candidate in COLUMN_CANDIDATES[role]:
        if candidate in lookup:
            found = lookup[candidate] + [
                c for c in columns if re.fullmatch(rf"{re.escape(candidate)}\.\d+", str(c).lower())
            ]
            if len(found) > 1:  # Latitude and latitude, or latitude and latitude.1 (a second "latitude")
                option = {"longitude": "--lon-column", "latitude": "--lat-column", "date": "--date-column"}[role]
                raise InputError(
                    f"{_same_names(found)} could each be the {role}: name the one to use with {option} "
                    f"(a repeated name is read as <name>.1)",
                    source=source,
                )
            return found[0]
    if required:
        tried = ", ".join(COLUMN_CANDIDATES[role])
        raise InputError(
            f"no {role} column (looked for {tried}); columns are {_list(columns)}; name it with --{role[:3]}-column",
            source=source,
        )
    return None


def _same_names(found: list) -> str:
    names = [repr(str(c)[:40]) for c in found]
    return f"{len(names)} columns ({', '.join(names[:4])})"


def _list(columns) -> str:
    names = [str(c) for c in columns if not str(c).startswith("__")]
    return ", ".join(names[:12]) + (", …" if len(names) > 12 else "") if names else "(none)"


def _free_name(name: str, taken) -> str:
    """``<name>_in_file``, or ``<name>_in_file_2``, … whichever is not a column yet."""
    candidate, number = f"{name}_in_file", 2
    while candidate in taken:
        candidate, number = f"{name}_in_file_{number}", number + 1
    return candidate


def _rename_reserved(table: pd.DataFrame, reserved=RESERVED_COLUMNS) -> pd.DataFrame:
    """Input columns named like columns zonemap adds are kept under a free ``<name>_in_file`` name."""
    renames, taken = {}, set(map(str, table.columns))
    for column in table.columns:
        if str(column) in reserved:
            renames[column] = _free_name(str(column), taken)
            taken.add(renames[column])
    return table.rename(columns=renames) if renames else table
