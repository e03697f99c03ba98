"""The command line as a user meets it: exit codes, output formats, stdin, colour, files, folders."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, good_lines, line, written_peak
from ftlint.cli import create_cli

BAD = good_lines(49) + line({"messages": [{"role": "user", "content": "Hi"},
                                         {"role": "assistant", "content": "Hello", "weight": 1.0}]}) + "\n"
WARN_ONLY = good_lines(49) + line({"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "?"},
                                               {"role": "assistant", "content": "Hello"}]}) + "\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_clean_file_exits_zero(run, tmp_path):
    write(tmp_path, "train.jsonl", good_lines())
    result = run("check", "train.jsonl")
    assert result.exit_code == 0, result.output
    assert "All checks passed: 50 examples in 1 file." in result.output


def test_errors_exit_one_with_location_pointer_and_fix(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD)
    result = run("train.jsonl")  # check is the default command
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("train.jsonl:50:102: FT302 [*] error [invalid-weight] /messages/1/weight ")
    assert "got 1.0" in first and 'fix: write "weight": 1' in first
    assert "FT302  invalid-weight" in result.output
    assert "Found 1 error in 50 examples across 1 file." in result.output


def test_warnings_pass_unless_strict(run, tmp_path):
    write(tmp_path, "train.jsonl", WARN_ONLY)
    assert run("train.jsonl").exit_code == 0
    assert run("train.jsonl", "--strict").exit_code == 1


def test_exit_zero_hides_violations_but_not_usage_errors(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD)
    assert run("train.jsonl", "--exit-zero").exit_code == 0
    result = run("train.jsonl", "--exit-zero", "--select", "FT999")
    assert result.exit_code == 2
    assert "names no known rule: 'FT999'" in result.output


def test_select_ignore_and_names(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD)
    assert run("train.jsonl", "--ignore", "invalid-weight").exit_code == 0
    assert run("train.jsonl", "--select", "FT1,FT2").exit_code == 0
    assert run("train.jsonl", "--select", "FT3").exit_code == 1
    # the most specific selector wins: FT3 off, but FT302 back on
    assert run("train.jsonl", "--ignore", "FT3", "--extend-select", "FT302").exit_code == 1


def test_missing_path_is_exit_two(run):
    result = run("nope.jsonl")
    assert result.exit_code == 2
    assert "no such file or directory: nope.jsonl" in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unreadable_input_is_reported_and_the_others_are_still_linted(run, tmp_path, monkeypatch, jobs):
    import errno

    import ftlint.inputs

    opened = ftlint.inputs.open_dataset

    def failing(path):  # a disk error on one file; worker processes inherit it (fork)
        if path.endswith("broken.jsonl"):
            raise OSError(errno.EIO, "Input/output error")
        return opened(path)

    monkeypatch.setattr(ftlint.inputs, "open_dataset", failing)
    (tmp_path / "train.jsonl").write_text(BAD)
    (tmp_path / "broken.jsonl").write_text(good_lines(3))
    result = run("broken.jsonl", "train.jsonl", "--jobs", jobs)
    assert result.exit_code == 2
    assert "train.jsonl:50:102: FT302" in result.output
    assert "ftlint: error: cannot read broken.jsonl: Input/output error\n" in result.output
    assert "the check is incomplete: 1 error stopped ftlint" in result.output
    alone = run("broken.jsonl")
    assert alone.exit_code == 2 and "All checks passed" not in alone.output


def test_a_report_file_that_cannot_be_written_is_a_clear_error(run, tmp_path):
    (tmp_path / "train.jsonl").write_text(BAD)
    result = run("train.jsonl", "-o", str(tmp_path / "no" / "such" / "report.json"), "--format", "json")
    assert result.exit_code == 2
    assert "ftlint: error: cannot write the report to" in result.output and "No such file or directory" in result.output


def test_folder_is_walked_for_jsonl_and_ndjson(run, tmp_path):
    write(tmp_path, "data/a.jsonl", good_lines())
    write(tmp_path, "data/sub/b.ndjson", BAD)
    write(tmp_path, "data/notes.txt", "not data")
    write(tmp_path, "data/.hidden/c.jsonl", BAD)
    result = run("data", "--format", "json")
    doc = json.loads(result.output)
    assert [f["path"] for f in doc["files"]] == [os.path.join("data", "a.jsonl"),
                                                 os.path.join("data", "sub", "b.ndjson")]
    assert result.exit_code == 1


def test_stdin(run):
    result = run("check", "-", "--stdin-filename", "piped.jsonl", input=BAD)
    assert result.exit_code == 1
    assert result.output.startswith("piped.jsonl:50:102: FT302")


def test_json_format_is_only_json(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD)
    result = run("train.jsonl", "--format", "json")
    doc = json.loads(result.output)
    assert doc["schema_version"] == 1
    assert doc["summary"]["errors"] == 1 and doc["summary"]["examples"] == 50
    d = doc["diagnostics"][0]
    assert (d["path"], d["line"], d["pointer"], d["code"], d["name"], d["severity"]) == (
        "train.jsonl", 50, "/messages/1/weight", "FT302", "invalid-weight", "error")
    assert d["fix"]


def test_sarif_locations_are_uri_references(run, tmp_path):
    write(tmp_path, "data #2/train 100%.jsonl", BAD)
    doc = json.loads(run("data #2", "--format", "sarif").output)
    assert doc["version"] == "2.1.0"
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "data%20%232/train%20100%25.jsonl"
    assert location["region"]["startLine"] == 50
    absolute = json.loads(run(str(tmp_path / "data #2"), "--format", "sarif").output)
    uri = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/data%20%232/train%20100%25.jsonl")


def test_output_file(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD)
    result = run("train.jsonl", "--format", "json", "--output-file", "report.json")
    assert result.output == ""
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["errors"] == 1


def test_a_report_of_many_findings_is_written_as_it_is_made_not_held_whole(tmp_path):
    import dataclasses

    from ftlint.session import Session

    write(tmp_path, "train.jsonl", BAD)
    session = Session.create()
    report = session.lint([str(tmp_path / "train.jsonl")])
    one = report.diagnostics[0]
    report.diagnostics = [dataclasses.replace(one, line=n, message=f"{one.message} ({n:08})") for n in range(20_000)]

    for fmt in ("text", "github", "json-lines", "json", "gitlab", "sarif"):
        chars, peak = written_peak(session, report, fmt)
        # rendered into a string first, the peak was four bytes a character of the report and
        # more; the JSON formats held every finding as a dict too (SARIF: 160 MB here)
        assert chars > 2_000_000 and peak < 2_000_000, (fmt, chars, peak)
    assert session.render(report, "text").count("\n") > 20_000
    written = io.StringIO()
    session.write(report, "json", written)
    assert [d["line"] for d in json.loads(written.getvalue())["diagnostics"]] == list(range(20_000))
    assert len(json.loads(session.render(report, "sarif"))["runs"][0]["results"]) == 20_000


def test_a_report_file_left_half_written_keeps_the_old_file(tmp_path):
    from ftlint.fsutil import atomic_text

    target = tmp_path / "report.txt"
    target.write_text("the last report\n")
    with pytest.raises(RuntimeError), atomic_text(str(target)) as fh:
        fh.write("half of a new one\n")
        raise RuntimeError("the reporter failed")
    assert target.read_text() == "the last report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]  # no temporary file left
    with atomic_text(str(target)) as fh:
        fh.write("line one\nline two\n")
    assert target.read_bytes() == f"line one{os.linesep}line two{os.linesep}".encode()


def test_statistics_and_quiet(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD)
    stats = run("train.jsonl", "--statistics").output
    assert stats.strip().split() == ["1", "FT302", "invalid-weight", "error"]
    quiet = run("train.jsonl", "-q").output
    assert quiet.count("\n") == 1 and "Found" not in quiet


def test_color(run, tmp_path, monkeypatch):
    write(tmp_path, "train.jsonl", BAD)
    assert "\x1b[" not in run("train.jsonl").output
    assert "\x1b[" in run("train.jsonl", "--color", "always").output
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run("train.jsonl").output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("train.jsonl").output
    assert "\x1b[" not in run("train.jsonl", "--format", "json", "--color", "always").output


def test_github_format_and_step_summary(run, tmp_path, monkeypatch):
    write(tmp_path, "a,b.jsonl", BAD)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run("a,b.jsonl", "--format", "github")
    lines = result.output.splitlines()
    assert lines[0] == "::group::a,b.jsonl"
    assert lines[1].startswith("::error title=ftlint (FT302 invalid-weight),file=a%2Cb.jsonl,line=50,col=102::")
    assert "%0Afix: " in lines[1]
    assert lines[2] == "::endgroup::"
    text = summary.read_text()
    assert "| 1 | FT302 | invalid-weight | error |" in text


def test_rules_and_plugins_listing(run):
    rules = run("rules")
    assert rules.exit_code == 0
    assert "FT302   invalid-weight" in rules.output
    data = json.loads(run("rules", "--format", "json").output)
    assert {"code": "FT204", "severity": "warning"}.items() <= next(r for r in data if r["code"] == "FT204").items()
    plugins = json.loads(run("plugins", "--format", "json").output)
    builtin = {p["name"]: p for p in plugins if p["source"] == "built-in"}
    assert "FT302" in builtin["weight-rules"]["rules"]
    assert builtin["text-reporter"]["reporters"] == ["text"]
    assert builtin["weight-rules"]["version"]


def test_version(run):
    from ftlint import __version__

    assert run("--version").output.strip() == f"ftlint, version {__version__}"


def test_python_dash_m_and_console_script(tmp_path):
    path = write(tmp_path, "train.jsonl", BAD)
    proc = subprocess.run([sys.executable, "-m", "ftlint", str(path), "--format", "json"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 1 and json.loads(proc.stdout)["summary"]["errors"] == 1


def test_example_dataset_in_repo_passes(run):
    for name in ("train.jsonl", "preferences.jsonl"):
        result = run(str(ROOT / "examples" / "data" / name))
        assert result.exit_code == 0, result.output
    broken = run(str(ROOT / "examples" / "data" / "broken.jsonl"))
    assert broken.exit_code == 1


def test_output_file_never_replaces_a_device(run, tmp_path):
    import os
    import stat

    write(tmp_path, "train.jsonl", BAD)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    result = run("train.jsonl", "--format", "json", "--output-file", str(fifo))
    reader.join(10)
    assert result.exit_code == 1
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe, not a regular file
    assert json.loads(got[0])["summary"]["errors"] == 1


def test_library_api(tmp_path):
    from ftlint import lint_files

    write(tmp_path, "train.jsonl", BAD)
    one = lint_files([str(tmp_path)], isolated=True, select=["FT3", "FT7"])
    two = lint_files([str(tmp_path)], isolated=True, select=["FT3", "FT7"], jobs=2)
    assert [d.code for d in one.diagnostics] == ["FT302"] and one.exit_code() == 1
    assert one.diagnostics == two.diagnostics


def test_json_only_python_reads_is_reported_and_every_format_can_write_it(run, tmp_path):
    # Lone surrogates and NaN pass Python's json (the server's parser) but not a strict one;
    # findings that quote them, in a key or a value, must still print in every format.
    data = tmp_path / "train.jsonl"
    data.write_text(good_lines(20)
                    + '{"messages": [{"role": "user", "content": "Rate this hotel \\ud83d"}, '
                      '{"role": "assistant", "content": "Four stars.", "weight": NaN}]}\n'
                    + '{"messages": [{"\\ud800": "x", "role": "user", "content": "Hi \\ud83d\\ude00"}, '
                      '{"role": "assistant", "content": "Hello"}]}\n')
    result = run(str(data), "--format", "json", "--model", "gpt-4o-mini")
    report = json.loads(result.output)
    assert report["errors"] == []
    found = {(d["line"], d["pointer"]) for d in report["diagnostics"] if d["code"] == "FT014"}
    assert found == {(21, "/messages/0/content"), (21, "/messages/1/weight"), (22, "/messages/0/\\ud800")}
    surrogate = next(d for d in report["diagnostics"] if d["code"] == "FT014" and d["line"] == 21
                     and d["pointer"].endswith("content"))
    assert "lone surrogate \\ud83d at character 17" in surrogate["message"]
    assert "FT302" in {d["code"] for d in report["diagnostics"] if d["line"] == 21}  # NaN is no weight
    for fmt in ("text", "github", "sarif"):
        result = run(str(data), "--format", fmt, "--model", "gpt-4o-mini")
        assert result.exit_code == 1 and "\\ud800" in result.output


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_file_is_reported_once_and_its_examples_are_still_checked(run, tmp_path, monkeypatch, codec):
    # Windows PowerShell's '>' writes UTF-16 with a byte order mark ("utf-16" here: little-endian).
    data = BAD * 40  # about 200 KB, so that small parts would cut it if ftlint cut UTF-16 files
    bom = b"\xfe\xff" if codec == "utf-16-be" else b""
    (tmp_path / "wide.jsonl").write_bytes(bom + data.encode(codec))
    (tmp_path / "plain.jsonl").write_text(data)
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", "20000")
    wide = json.loads(run("wide.jsonl", "--format", "json", "--jobs", "2").output)
    plain = json.loads(run("plain.jsonl", "--format", "json", "--jobs", "2").output)
    assert [(d["line"], d["code"]) for d in wide["diagnostics"] if d["code"] != "FT015"] == \
        [(d["line"], d["code"]) for d in plain["diagnostics"]]
    assert [(d["line"], d["severity"]) for d in wide["diagnostics"] if d["code"] == "FT015"] == [(1, "error")]
    assert "FT302" in {d["code"] for d in wide["diagnostics"]}
    piped = run("-", "--format", "json", input=bom + data.encode(codec))
    assert {d["code"] for d in json.loads(piped.output)["diagnostics"]} == {d["code"] for d in wide["diagnostics"]}
    stats = [json.loads(run("stats", name, "--model", "gpt-4o-mini", "--format", "json").output)["tokens_per_epoch"]
             for name in ("wide.jsonl", "plain.jsonl")]
    assert stats[0] == stats[1] > 0


def test_pointers_escape_keys_that_hold_slash_or_tilde(run, tmp_path):
    write(tmp_path, "train.jsonl", '{"messages": [{"role": "user", "content": "hi", "a/b~c": 1}, '
                                   '{"role": "assistant", "content": "x"}], "x/y": 2, "k/": 1, "k/": 2}\n')
    doc = json.loads(run("train.jsonl", "--format", "json", "--select", "FT006,FT112,FT113").output)
    assert {(d["code"], d["pointer"]) for d in doc["diagnostics"]} == {
        ("FT006", "/k~1"), ("FT112", "/x~1y"), ("FT112", "/k~1"), ("FT113", "/messages/0/a~1b~0c")}


@pytest.mark.parametrize("args, hint", [(["sats", "x.jsonl"], "Did you mean 'stats'?"), (["init"], ""),
                                        (["submti", "--help"], "Did you mean 'submit'?")])
def test_a_mistyped_command_is_a_usage_error_not_a_lint(run, tmp_path, args, hint):
    result = run(*args)
    assert result.exit_code == 2
    assert f"'{args[0]}' is neither a command nor a file or folder" in result.output
    assert hint in result.output and "Commands: check," in result.output
    assert "cost" not in result.output and "examples" not in result.output


def test_help_lists_every_command_though_a_run_builds_only_its_own(run):
    listed = run("--help").output
    names = ("check", "fix", "stats", "models", "targets", "rules", "rule", "plugins", "submit", "jobs", "clean",
             "split", "convert")
    for name in names:
        assert re.search(rf"^  {name}\s", listed, re.M), name
        assert re.match(rf"Usage: \S+ {name} ", run(name, "--help").output)
    cli = create_cli()
    with cli.make_context("ftlint", ["clean", "--help"], resilient_parsing=True) as ctx:
        cli.get_command(ctx, "clean")
    assert set(cli.commands) == {"clean"}  # the other twelve were never built


def test_a_path_or_an_option_first_still_means_check(run, tmp_path):
    (tmp_path / "stats").mkdir()  # a folder named like a command is the command; a file is linted
    (tmp_path / "d.jsonl").write_text(good_lines(60))
    assert run("d.jsonl").exit_code == 0
    assert run("--isolated", "d.jsonl").exit_code == 0
    assert run("-", input=good_lines(60)).exit_code == 0


def test_a_validation_file_inside_the_linted_folder_is_validation_data_only(run, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(good_lines(60))
    valid = "".join(line({"messages": [{"role": "user", "content": f"Held out {i}?"},
                                       {"role": "assistant", "content": f"Reply {i}."}]}) + "\n" for i in range(30))
    (tmp_path / "data" / "valid.jsonl").write_text(valid)
    (tmp_path / "ftlint.toml").write_text('validation = ["data/valid.jsonl"]\n')
    doc = json.loads(run("check", "data/", "--format", "json", "--model", "gpt-4o-mini").stdout)
    assert [f["path"] for f in doc["files"]] == ["data/train.jsonl", "data/valid.jsonl"]
    assert "FT708" not in {d["code"] for d in doc["diagnostics"]}
    assert doc["estimate"]["examples"] == 60  # the validation file is not billed


def test_the_estimate_does_not_depend_on_the_rules_selected():
    from ftlint import lint_files

    report = lint_files([str(ROOT / "examples" / "data" / "train.jsonl")], select=["FT1", "FT2"],
                        model="gpt-4o-mini", jobs=1)
    assert report.estimate is not None and report.estimate.examples == report.examples > 0
    full = lint_files([str(ROOT / "examples" / "data" / "train.jsonl")], model="gpt-4o-mini", jobs=1)
    assert report.estimate.billed_tokens == full.estimate.billed_tokens


def test_help_lists_the_registered_targets_and_formats(run):
    from ftlint.plugins import build_registry

    registry = build_registry()
    text = " ".join(run("check", "--help").output.split())
    assert f"One of: {', '.join(sorted(registry.targets))}." in text
    assert f"One of: {', '.join(sorted(registry.reporters))}." in text


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_facts_about_the_model_are_reported_once_per_run(run, tmp_path, jobs):
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        (tmp_path / name).write_text(good_lines(60))
    (tmp_path / "ftlint.toml").write_text('[rules.training-ending-soon]\ntoday = "2026-12-01"\n')
    doc = json.loads(run("check", ".", "--format", "json", "--model", "gpt-4o-mini", "-j", jobs).stdout)
    assert [(d["path"], d["line"]) for d in doc["diagnostics"] if d["code"] == "FT805"] == [("./a.jsonl", 1)]
    doc = json.loads(run("check", ".", "--format", "json", "--model", "no-such-model", "-j", jobs).stdout)
    assert [d["path"] for d in doc["diagnostics"] if d["code"] == "FT801"] == ["./a.jsonl"]


def test_stats_leaves_models_whose_training_ended_out_of_the_comparison(run):
    data = str(ROOT / "examples" / "data" / "train.jsonl")
    shown = json.loads(run("stats", data, "--model", "gpt-4o-mini", "--format", "json").stdout)["comparison"]
    every = json.loads(run("stats", data, "--model", "gpt-4o-mini", "--format", "json", "--all-models").stdout)
    every = every["comparison"]
    import datetime as dt

    today = dt.date.today().isoformat()
    assert all(not row["ended"] for row in shown)
    assert [r["model"] for r in every if not r["ended"]] == [r["model"] for r in shown]
    assert all(row["ended"] == (row["training_until"] is not None and row["training_until"] <= today)
               for row in every)
    assert any(row["ended"] for row in every)  # gpt-3.5 and gpt-4.1-nano ended on 2026-10-23


def test_stats_run_on_the_parallel_pass_and_agree_with_one_process(run, tmp_path, monkeypatch):
    rows = [line({"messages": [{"role": "user", "content": "word " * (i % 97)},
                               {"role": "assistant", "content": f"Answer {i}", "weight": i % 2}]})
            for i in range(3000)]
    (tmp_path / "train.jsonl").write_text("\n".join(rows) + "\n")
    (tmp_path / "valid.jsonl").write_text("\n".join(rows[:40]) + "\n")
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", "20000")  # many parts
    one, two = (json.loads(run("stats", "train.jsonl", "--model", "gpt-4o-mini", "--validation", "valid.jsonl",
                               "--format", "json", "-j", jobs).stdout) for jobs in ("1", "2"))
    assert one == two
    assert one["examples"] == 3000 and one["validation"]["examples"] == 40
    assert one["distributions"]["total_tokens"]["max"] > one["distributions"]["total_tokens"]["min"]
