"""Baselines (`--write-baseline`, `baseline = ...`, `--baseline`) and `ignore-examples`: a dataset
that already exists can adopt ftlint and still hear of every new problem."""

from __future__ import annotations

import json

from conftest import good_lines, line

U, A = {"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4."}


def row(i: int, **extra) -> str:
    return line({**extra, "messages": [dict(U, content=f"Question {i}?"), dict(A, content=f"Answer {i}.")]}) + "\n"


def found(result) -> list[tuple[int, str]]:
    return [(d["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]


def test_a_dataset_with_ids_on_every_row_adopts_a_baseline_and_new_rows_still_count(run, tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("".join(row(i, id=i, source="web") for i in range(3000)))
    first = run("check", "train.jsonl")
    assert first.exit_code == 1 and "FT112" in first.output
    written = run("check", "train.jsonl", "--write-baseline", "ftlint-baseline.json")
    assert written.exit_code == 0 and "wrote 6,000 finding(s) to the baseline" in written.output
    (tmp_path / "ftlint.toml").write_text('baseline = "ftlint-baseline.json"\n')
    quiet = run("check", "train.jsonl")
    assert quiet.exit_code == 0
    assert "6,000 known problems left out by the baseline" in quiet.output
    # a new row with the same kind of problem is new; the known rows stay known where they moved
    data.write_text(row(9999, id="new") + data.read_text())
    again = run("check", "train.jsonl", "--format", "json")
    assert found(again) == [(1, "FT112")] and again.exit_code == 1
    assert json.loads(again.stdout)["summary"]["baseline"]["suppressed"] == 6000


def test_a_new_copy_of_a_known_problem_is_new_and_fixed_ones_are_counted(run, tmp_path):
    bad = line({"messages": [U, dict(A, weight=True)]}) + "\n"
    data = tmp_path / "train.jsonl"
    rest = "".join(row(i) for i in range(100, 105))
    data.write_text(good_lines(20) + bad + rest)
    run("check", "train.jsonl", "--write-baseline", "base.json")
    data.write_text(bad + good_lines(20) + bad + rest)  # the same bad example twice now
    result = run("check", "train.jsonl", "--baseline", "base.json", "--format", "json")
    # one of the two copies is known (the first in the file), the other new; and FT703 counts
    # a copy the baseline did not have
    assert found(result) == [(22, "FT302"), (22, "FT703")]
    data.write_text(good_lines(20) + rest)
    fixed = run("check", "train.jsonl", "--baseline", "base.json")
    assert fixed.exit_code == 0 and "1 of the problems it records are fixed" in fixed.output


def test_file_and_dataset_findings_are_counted_per_file_and_rule(run, tmp_path):
    one = line({"messages": [U, A]}) + "\n"
    data = tmp_path / "train.jsonl"
    data.write_text(good_lines(30) + one + one)
    run("check", "train.jsonl", "--write-baseline", "base.json")
    doc = json.loads((tmp_path / "base.json").read_text())
    assert doc["files"]["train.jsonl"]["FT703"] == 1
    data.write_text(one + good_lines(30) + one + one)
    assert found(run("check", "train.jsonl", "--baseline", "base.json", "--format", "json")) == [(33, "FT703")]


def test_the_baseline_names_files_from_its_own_folder(run, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "ci").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(good_lines(20) + row(1, id=1))
    run("check", "data/train.jsonl", "--write-baseline", "ci/base.json")
    assert list(json.loads((tmp_path / "ci" / "base.json").read_text())["files"]) == ["../data/train.jsonl"]
    monkeypatch.chdir(tmp_path / "data")
    assert run("check", "train.jsonl", "--baseline", "../ci/base.json").exit_code == 0


def test_a_missing_or_broken_baseline_fails_the_gate(run, tmp_path):
    (tmp_path / "train.jsonl").write_text(good_lines(20))
    missing = run("check", "train.jsonl", "--baseline", "nope.json")
    assert missing.exit_code == 2 and "baseline nope.json does not exist" in missing.output
    (tmp_path / "bad.json").write_text('{"files": []}')
    broken = run("check", "train.jsonl", "--baseline", "bad.json")
    assert broken.exit_code == 2 and "is not an ftlint baseline" in broken.output
    (tmp_path / "worse.json").write_text('{"ftlint-baseline": 1, "files": {"a": {"FT112": "x"}}}')
    assert "is malformed" in run("check", "train.jsonl", "--baseline", "worse.json").output
    assert "Traceback" not in missing.output + broken.output


def test_write_baseline_refuses_to_replace_a_dataset(run, tmp_path):
    (tmp_path / "train.jsonl").write_text(good_lines(20))
    result = run("check", "train.jsonl", "--write-baseline", "train.jsonl")
    assert result.exit_code == 2 and (tmp_path / "train.jsonl").read_text() == good_lines(20)


def test_ignore_examples_by_key_and_by_key_and_rule(run, tmp_path):
    odd = line({"id": 7, "messages": [U, dict(A, weight=True)]}) + "\n"
    (tmp_path / "train.jsonl").write_text(good_lines(60) + odd)
    keys = {d["code"]: d["example"] for d in json.loads(run("check", "train.jsonl", "--format", "json").stdout)
            ["diagnostics"] if d["example"]}
    assert keys["FT112"] == keys["FT302"] and len(keys["FT112"]) == 16
    (tmp_path / "ftlint.toml").write_text(f'ignore-examples = ["{keys["FT112"]}:FT112"]\n')
    assert found(run("check", "train.jsonl", "--format", "json")) == [(61, "FT302")]
    (tmp_path / "ftlint.toml").write_text(f'ignore-examples = ["{keys["FT112"]}"]\n')
    result = run("check", "train.jsonl")
    assert result.exit_code == 0 and "2 problems of examples in ignore-examples left out" in result.output
    (tmp_path / "ftlint.toml").write_text('ignore-examples = ["line 21"]\n')
    typo = run("check", "train.jsonl")
    assert typo.exit_code == 2 and "an entry is an example's key, 16 hex digits" in typo.output
