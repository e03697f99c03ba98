"""`ftlint split`: deterministic by content, prompts kept on one side, stable as the data grows,
exact by count or by label when asked, and the results linted."""

from __future__ import annotations

import json

from conftest import line


def rows(start: int, n: int, *, answers=("yes",), labels=None) -> str:
    out = []
    for i in range(start, start + n):
        for a in answers:
            content = labels[i % len(labels)] if labels else f"{a} {i}"
            out.append(line({"messages": [{"role": "user", "content": f"Question {i}?"},
                                          {"role": "assistant", "content": content}]}) + "\n")
    return "".join(out)


def sides(folder, stem="data") -> dict[str, list[str]]:
    return {side: (folder / f"{stem}.{side}.jsonl").read_text().splitlines()
            for side in ("train", "validation", "test") if (folder / f"{stem}.{side}.jsonl").exists()}


def prompts(lines: list[str]) -> set[str]:
    return {json.loads(x)["messages"][0]["content"] for x in lines}


def test_split_by_fraction_keeps_prompts_together_and_lints_the_result(run, tmp_path):
    (tmp_path / "data.jsonl").write_text(rows(0, 1000, answers=("yes", "no")))  # two answers per prompt
    result = run("split", "data.jsonl", "--validation-fraction", "0.1", "--test-fraction", "0.05", "-d", "out")
    got = sides(tmp_path / "out")
    assert sum(map(len, got.values())) == 2000
    assert 140 <= len(got["validation"]) <= 260 and 50 <= len(got["test"]) <= 150
    assert not prompts(got["train"]) & prompts(got["validation"])
    assert not prompts(got["train"]) & prompts(got["test"]) and not prompts(got["validation"]) & prompts(got["test"])
    assert "FT708" not in result.output  # no leakage between the sides
    assert "FT705" in result.output  # the lint ran: each prompt has two answers
    assert "wrote out/data.validation.jsonl" in result.output
    # the same seed, the same split; another seed, another one
    run("split", "data.jsonl", "--validation-fraction", "0.1", "--test-fraction", "0.05", "-d", "again")
    assert sides(tmp_path / "again") == got
    run("split", "data.jsonl", "--validation-fraction", "0.1", "--test-fraction", "0.05", "-d", "other",
        "--seed", "7")
    assert sides(tmp_path / "other")["validation"] != got["validation"]


def test_a_grown_dataset_keeps_the_earlier_assignments(run, tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(rows(0, 500))
    run("split", "data.jsonl", "--validation-fraction", "0.2", "-d", "v1")
    data.write_text(rows(0, 500) + rows(500, 300))
    run("split", "data.jsonl", "--validation-fraction", "0.2", "-d", "v2")
    first, second = sides(tmp_path / "v1"), sides(tmp_path / "v2")
    assert set(first["validation"]) <= set(second["validation"])
    assert set(first["train"]) <= set(second["train"])


def test_split_by_count_is_exact(run, tmp_path):
    (tmp_path / "data.jsonl").write_text(rows(0, 300))
    result = run("split", "data.jsonl", "--validation-count", "37", "--test-count", "11", "-d", "out", "--no-lint")
    got = sides(tmp_path / "out")
    assert result.exit_code == 0
    assert (len(got["train"]), len(got["validation"]), len(got["test"])) == (252, 37, 11)


def test_stratified_split_keeps_each_labels_share(run, tmp_path):
    labels = ["sports"] * 6 + ["politics"] * 3 + ["tech"]
    (tmp_path / "data.jsonl").write_text(rows(0, 1000, labels=labels))
    result = run("split", "data.jsonl", "--validation-fraction", "0.1", "--stratify", "-d", "out", "--no-lint")
    got = sides(tmp_path / "out")
    count = {lab: sum(1 for x in got["validation"] if json.loads(x)["messages"][1]["content"] == lab)
             for lab in set(labels)}
    assert count == {"sports": 60, "politics": 30, "tech": 10}
    assert "label sports: train 540, validation 60" in result.output


def test_blank_lines_are_left_out_and_said(run, tmp_path):
    (tmp_path / "data.jsonl").write_text(rows(0, 50) + "\n\n" + rows(50, 50))
    result = run("split", "data.jsonl", "--validation-fraction", "0.2", "-d", "out", "--no-lint")
    assert "left out 2 blank lines" in result.output
    assert sum(map(len, sides(tmp_path / "out").values())) == 100


def test_impossible_splits_are_refused(run, tmp_path):
    (tmp_path / "data.jsonl").write_text(rows(0, 20))
    for args, said in [(["--validation-fraction", "0.6", "--test-fraction", "0.4"], "leave nothing to train on"),
                       ([], "say how much goes to validation"),
                       (["--validation-count", "30"], "the file holds 20"),
                       (["--validation-fraction", "1.5"], "below 1")]:
        result = run("split", "data.jsonl", *args, "-d", "out")
        assert result.exit_code == 2 and said in result.output, args
        assert "Traceback" not in result.output
    assert not list(tmp_path.glob("out/*"))  # nothing half-written
