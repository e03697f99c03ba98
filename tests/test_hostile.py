"""ftlint under hostile use: the user's data is never lost, and nothing a file, a name, a config or
a plugin holds crashes ftlint, forges its output or turns a failure into a pass."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import good_lines

DATA = good_lines(60)


# -- the output file never replaces an input --------------------------------------------------

@pytest.mark.parametrize("spelling", ["d.jsonl", "./d.jsonl", "sub/../d.jsonl", "link.jsonl", "hard.jsonl"])
def test_output_file_that_is_an_input_is_refused_before_reading(run, tmp_path, spelling):
    (tmp_path / "d.jsonl").write_text(DATA)
    (tmp_path / "sub").mkdir()
    os.symlink("d.jsonl", tmp_path / "link.jsonl")
    os.link(tmp_path / "d.jsonl", tmp_path / "hard.jsonl")
    result = run("check", "d.jsonl", "-o", spelling)
    assert result.exit_code == 2
    assert "one of the files to lint" in result.stderr
    assert (tmp_path / "d.jsonl").read_text() == DATA


def test_output_file_from_the_environment_inside_a_linted_folder_is_refused(run, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "d.jsonl").write_text(DATA)
    monkeypatch.setenv("FTLINT_OUTPUT_FILE", "data/d.jsonl")
    result = run("check", "data")
    assert result.exit_code == 2
    assert (tmp_path / "data" / "d.jsonl").read_text() == DATA


def test_validation_file_as_output_is_refused(run, tmp_path):
    (tmp_path / "t.jsonl").write_text(DATA)
    (tmp_path / "v.jsonl").write_text(DATA)
    result = run("check", "t.jsonl", "--validation", "v.jsonl", "-o", "v.jsonl")
    assert result.exit_code == 2
    assert (tmp_path / "v.jsonl").read_text() == DATA


def test_output_file_respects_the_umask_and_an_existing_mode(run, tmp_path):
    (tmp_path / "d.jsonl").write_text(DATA)
    old = os.umask(0o027)
    try:
        assert run("check", "d.jsonl", "-o", "new.txt").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640
    (tmp_path / "kept.txt").write_text("old")
    os.chmod(tmp_path / "kept.txt", 0o664)
    assert run("check", "d.jsonl", "-o", "kept.txt").exit_code == 0
    assert stat.S_IMODE(os.stat(tmp_path / "kept.txt").st_mode) == 0o664
    assert "All checks passed" in (tmp_path / "kept.txt").read_text()


def test_output_file_symlink_is_written_through_and_read_only_is_refused(run, tmp_path):
    (tmp_path / "d.jsonl").write_text(DATA)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "r.txt").write_text("old")
    os.symlink("reports/r.txt", tmp_path / "latest.txt")
    assert run("check", "d.jsonl", "-o", "latest.txt").exit_code == 0
    assert os.path.islink(tmp_path / "latest.txt")
    assert "All checks passed" in (tmp_path / "reports" / "r.txt").read_text()
    (tmp_path / "ro.txt").write_text("keep me")
    os.chmod(tmp_path / "ro.txt", 0o444)
    result = run("check", "d.jsonl", "-o", "ro.txt")
    assert result.exit_code == 2 and "read-only" in result.stderr
    assert (tmp_path / "ro.txt").read_text() == "keep me"


# -- every rule is safe on any JSON value a line can hold -------------------------------------

HOSTILE = ["null", "true", "false", "0", "-1", "2", "1.5", "1e400", "NaN", "-Infinity", "18446744073709551616",
           "-9223372036854775809", "1" * 30, "1" * 4301, '""', '"\\u001b]0;t\\u0007"', '"a\\nb"', '"\\ud800"',
           '"\\udfffx"', "[]", "{}", '["user"]', '{"role": "user"}', '[{"type": {"a": 1}}]', '[[]]', '[null, 1]',
           '{"\\u001b[2J": 1, "a/b~": [], "": {}}', '"' + "x" * 5_000 + '"']
HOSTILE += ["[" * d + "]" * d for d in (254, 255, 256, 990, 1000, 1023, 1024, 3000)]
HOSTILE += ['{"a":' * d + "1" + "}" * d for d in (255, 1000, 1023)]


def hostile_lines() -> list[str]:
    """Every place of every seed example of every format, holding every hostile value in turn."""
    import json

    from fuzzing import _SLOT, _paths, _replace, seeds

    out = []
    for seed in seeds():
        for path in _paths(seed):
            template = json.dumps(_replace(seed, path, _SLOT))
            out += [template.replace(json.dumps(_SLOT), value, 1) for value in HOSTILE]
    return out


LINES = None


@pytest.mark.parametrize("method,model", [("auto", "gpt-4o-2024-08-06"), ("dpo", "gpt-3.5-turbo"), ("rft", None)])
def test_every_rule_judges_hostile_values_anywhere_without_crashing(method, model):
    from conftest import lint

    global LINES
    LINES = LINES or hostile_lines()
    data = ("\n".join(LINES) + "\n").encode()
    report = lint(data, method=method, model=model)
    assert report.errors == [], [e.describe() for e in report.errors]
    assert report.examples == len(LINES)
    # the values reached the rules of every family (and were judged, not skipped)
    families = {d.code[:3] for d in report.diagnostics}
    assert families >= {"FT0", "FT1", "FT4"} | ({"FT2", "FT3", "FT5", "FT7"} if method != "rft" else set())
