"""A CSV opened for Arrow's streaming reader: what ``zonemap incidents FILE.csv`` reads.

The encoding, delimiter and header come from the file's first bytes; Arrow then parses the file in
blocks of :data:`BLOCK_BYTES`, every column as text. Only the standard library and pyarrow are needed.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

#: Bytes read to tell the encoding, the delimiter and the header (and text from binary).
SNIFF_BYTES = 65_536

#: Bytes of CSV Arrow parses at a time (a chunk is several): as fast as larger blocks, and Arrow
#: reads fewer bytes ahead (8 MiB blocks held ~300 MB more).
BLOCK_BYTES = 1 << 20

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}


class IrregularCSV(Exception):
    """A CSV the fast reader cannot take as it is (rows with too many or too few fields, bytes that
    are not the encoding): it is read whole by the careful reader, which says what is wrong where."""


@dataclass
class OpenedCSV:
    """A CSV open for Arrow's streaming reader (``reader``; ``handle`` is the file it reads)."""

    path: Path
    handle: object
    reader: object
    sep: str
    header: list

    def close(self) -> None:
        self.handle.close()


def encoding_of(raw: bytes, encoding: str | None) -> str:
    """The encoding to decode with: ``encoding`` if given; else a BOM decides; else UTF-16 by its
    zero bytes; else UTF-8.

    Examples
    --------
    >>> encoding_of(codecs.BOM_UTF8 + b"a,b", None), encoding_of(b"a,b", None), encoding_of(b"a", "latin-1")
    ('utf-8-sig', 'utf-8', 'iso8859-1')
    """
    if encoding:
        return codecs.lookup(encoding).name
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(raw) >= 4 and raw[1:2] == b"\x00" and raw[3:4] == b"\x00":
        return "utf-16-le"
    if len(raw) >= 4 and raw[0:1] == b"\x00" and raw[2:3] == b"\x00":
        return "utf-16-be"
    return "utf-8"


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of ``,`` ``;`` tab and ``|`` (``,`` if none).

    Examples
    --------
    >>> sniff_delimiter("lon;lat;date\\n"), sniff_delimiter("one column\\n")
    (';', ',')
    """
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def open_csv(path: Path, encoding: str | None) -> OpenedCSV:
    """``path`` open for Arrow's streaming reader. Raises :class:`IrregularCSV` for a header Arrow
    cannot take as it is, :class:`~zonemap.errors.InputError` for an empty file."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise InputError("file is empty", source=path)
    chosen = encoding_of(head, encoding)
    head_text = head.decode(chosen, errors="ignore").lstrip("\ufeff")
    sep = sniff_delimiter(head_text)
    try:
        header = next(csv.reader(io.StringIO(head_text), delimiter=sep, skipinitialspace=True))
    except (StopIteration, csv.Error):
        raise IrregularCSV() from None
    if len(set(header)) != len(header) or not header or any("\n" in h or "\r" in h for h in header):
        raise IrregularCSV()  # a line break in a header name: Arrow would skip one line only
    return OpenedCSV(path, *_arrow_reader(path, chosen, sep, header), sep, header)


def _arrow_reader(path: Path, chosen: str, sep: str, header: list):
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    handle = open(path, "rb")  # noqa: SIM115 (closed by OpenedCSV.close)
    try:
        reader = arrow_csv.open_csv(
            handle,
            # the header as read with spaces after delimiters skipped (Arrow would keep them in the names)
            read_options=arrow_csv.ReadOptions(
                block_size=BLOCK_BYTES,
                encoding="utf8" if chosen in ("utf-8", "utf-8-sig") else chosen,
                column_names=header,
                skip_rows=1,
            ),
            parse_options=arrow_csv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=arrow_csv.ConvertOptions(
                # large_string: pandas' text columns are Arrow large_string, so no copy is made (plain
                # string arrays were converted value by value: a third of the reading time)
                column_types={name: pa.large_string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        handle.close()
        raise IrregularCSV() from None
    except BaseException:
        handle.close()
        raise
    return handle, reader
