"""The bad-input corpus (tests/data/bad/, see make_corpus.py) through the API and the CLI.

File-level problems: one line naming the file and the problem, exit code 2, no traceback.
Row-level problems: each bad row rejected with its kind, every other row accepted, nothing lost.
"""

import json
from pathlib import Path

import pytest

from zonemap import InputError, cli, read_incidents

BAD = Path(__file__).resolve().parent / "data" / "bad"
EXPECTED = json.loads((BAD / "EXPECTED.json").read_text(encoding="utf-8"))
FILE_ERRORS = {name: answer["error"] for name, answer in EXPECTED.items() if "error" in answer}
ROW_PROBLEMS = {name: answer for name, answer in EXPECTED.items() if "error" not in answer}


def test_corpus_is_complete():
    on_disk = {p.name for p in BAD.iterdir() if p.name not in ("EXPECTED.json", "make_corpus.py")}
    assert on_disk == set(EXPECTED) and len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_unreadable_file_api(name):
    with pytest.raises(InputError) as info:
        read_incidents(BAD / name)
    message = str(info.value)
    assert message.startswith(str(BAD / name)) and FILE_ERRORS[name] in message and "\n" not in message


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_unreadable_file_cli(name, tmp_path, capsys):
    assert cli.main(["incidents", str(BAD / name), "-o", str(tmp_path / "out.csv")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("zonemap: error: ") and FILE_ERRORS[name] in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("name", sorted(ROW_PROBLEMS))
def test_bad_rows_are_rejected_with_reasons_api(name):
    events = read_incidents(BAD / name)
    answer = ROW_PROBLEMS[name]
    assert len(events.accepted) == answer["accepted"]
    assert events.reasons().to_dict() == answer["rejected"]
    assert events.rows_read == len(events.accepted) + len(events.rejected)
    assert events.rejected["reason"].str.len().min() > 3 if len(events.rejected) else True


@pytest.mark.parametrize("name", sorted(ROW_PROBLEMS))
def test_bad_rows_are_rejected_with_reasons_cli(name, tmp_path, capsys):
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    assert cli.main(["incidents", str(BAD / name), "-o", str(out), "--rejects", str(rejects)]) == 0
    answer = ROW_PROBLEMS[name]
    n_rejected = sum(answer["rejected"].values())
    printed = capsys.readouterr().out
    assert (
        f"{answer['accepted'] + n_rejected:,} rows read, {answer['accepted']:,} accepted, {n_rejected:,} rejected"
        in printed
    )
    assert rejects.exists() and out.exists()
