"""ftlint under hostile use: the user's data is never lost, and nothing a file, a name, a config or
a plugin holds crashes ftlint, forges its output or turns a failure into a pass."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import good_lines, interruptible

DATA = good_lines(60)


def plugin(tmp_path, check: str, *, code: str = "ORG009", at_import: str = "", in_hook: str = "") -> None:
    """Write org.py, a local plugin with one rule whose check() body is ``check``, and the config
    that loads it."""
    body = "\n".join("        " + line for line in check.splitlines())
    (tmp_path / "org.py").write_text(
        f"import sys\nfrom ftlint import Finding, Rule, hookimpl\n{at_import}\n\n"
        f"class OrgRule(Rule):\n    code = {code!r}\n    name = 'org-rule'\n    summary = 'A test rule'\n\n"
        f"    def check(self, ex):\n{body}\n\n\n"
        f"@hookimpl\ndef register_rules(register):\n    {in_hook or 'pass'}\n    register(OrgRule)\n")
    (tmp_path / "ftlint.toml").write_text('plugins = ["org.py"]\n')


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


# -- one line never costs the report of the others --------------------------------------------

def _chat(extra: str = "", weight: str = "1") -> str:
    return ('{"messages": [{"role": "user", "content": "Hi"%s}, {"role": "assistant", "content": "Hello", '
            '"weight": %s}]}' % (extra, weight))


@pytest.mark.parametrize("args", [[], ["-j", "2"], ["--validation", "v.jsonl"], ["--format", "json"]])
def test_an_integer_of_thousands_of_digits_is_a_finding_on_its_line(run, tmp_path, args):
    lines = [_chat(weight="1" * 5000)] + [_chat(f', "name": "u{i}"') for i in range(11)]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "v.jsonl").write_text(lines[0] + "\n")
    result = run("check", "d.jsonl", *args)
    assert result.exit_code == 1, result.output + result.stderr
    assert "internal error" not in result.stderr
    if "--format" not in args:
        assert "d.jsonl:1:" in result.output and "FT004" in result.output and "5,000 digits" in result.output


def test_stats_reads_past_an_integer_of_thousands_of_digits(run, tmp_path):
    (tmp_path / "d.jsonl").write_text(_chat(weight="1" * 5000) + "\n" + _chat() + "\n")
    result = run("stats", "d.jsonl", "--model", "gpt-4o-mini")
    assert result.exit_code == 0, result.stderr
    assert "1 examples" in result.output


def test_integers_beyond_64_bits_are_quoted_as_written(run, tmp_path):
    (tmp_path / "d.jsonl").write_text(_chat(weight="111111111111111111111111111111") + "\n")
    result = run("check", "d.jsonl")
    assert "got 111111111111111111111111111111." in result.output
    assert "e+29" not in result.output


# -- nothing in the data or a name drives the terminal or forges output -----------------------

FORGED = "a\nfake.jsonl:9:1: FT000 error [forged] forged"


def test_text_output_escapes_control_characters_in_keys_values_and_names(run, tmp_path):
    import json

    row = {"messages": [{"role": "user", "content": "Hi", FORGED: 1, "\x1b]0;title\x07": 2},
                        {"role": "\x1b[2J", "content": "x"}, {"role": "assistant", "content": "ok"}]}
    name = "evil\x1b[2J\x9b1m.jsonl"
    (tmp_path / name).write_text(json.dumps(row) + "\n")
    result = run("check", ".")
    assert result.exit_code == 1
    out = result.output
    assert not [c for c in out if (c < " " and c != "\n") or "\x7f" <= c <= "\x9f"], repr(out)
    assert "fake.jsonl:9:1" not in [line.split(" ")[0] for line in out.splitlines()]
    assert "\\u001b]0;title\\u0007" in out and "evil\\u001b[2J\\u009b1m.jsonl" in out


def test_job_summary_shows_html_and_markdown_in_the_data_as_text(run, tmp_path, monkeypatch):
    import json

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    row = {"messages": [{"role": "user", "content": "Hi", "</details><img src=x onerror=alert(1)>": 1,
                         "[click](https://example.invalid) | @team": 2},
                        {"role": "assistant", "content": "ok"}]}
    (tmp_path / "d.jsonl").write_text(json.dumps(row) + "\n")
    run("check", "d.jsonl", "--format", "github")
    text = summary.read_text()
    assert "<img" not in text and "</details><img" not in text
    assert "](https" not in text and "@team" not in text
    assert text.count("</details>") == 1
    for line in text.splitlines():
        if line.startswith("| d.jsonl"):
            assert line.count(" | ") == 3, line  # no cell was split by the data


# -- a failure never passes in silence ---------------------------------------------------------

@pytest.mark.parametrize("broken", ['[tool.ftlint]\nselect = ["FT1"\n', '[tool.ftlint]\nmodel = "a"\nmodel = "b"\n',
                                    b'[tool.ftlint]\nignore = ["FT2\xff"]\n', '[tool]\nftlint = {select = [}\n'])
def test_a_pyproject_with_ftlint_settings_that_does_not_parse_is_an_error(run, tmp_path, broken):
    (tmp_path / "ftlint.toml").write_text("")  # would be found above, were the broken file passed over
    (tmp_path / "sub").mkdir()
    pyproject = tmp_path / "sub" / "pyproject.toml"
    pyproject.write_bytes(broken if isinstance(broken, bytes) else broken.encode())
    (tmp_path / "sub" / "d.jsonl").write_text(DATA)
    os.chdir(tmp_path / "sub")
    result = run("check", "d.jsonl")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr


def test_a_broken_pyproject_without_ftlint_settings_is_passed_over(run, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.black]\nline-length = [\n')
    (tmp_path / "d.jsonl").write_text(DATA)
    assert run("check", "d.jsonl").exit_code == 0


@pytest.mark.parametrize("paths", [["emptydir"], ["emptydir", "notes"], ["notes/readme.txt"]])
def test_paths_that_hold_no_dataset_fail_unless_allowed(run, tmp_path, paths):
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("hi")
    if paths == ["notes/readme.txt"]:  # a file named explicitly is linted whatever its suffix
        assert run("check", *paths).exit_code == 1
        return
    result = run("check", *paths)
    assert result.exit_code == 2 and "no dataset files" in result.stderr
    assert run("check", *paths, "--allow-no-files").exit_code == 0
    assert run("stats", *paths, "--model", "gpt-4o-mini").exit_code == 2





@pytest.mark.parametrize("where", ["at_import", "in_hook", "in_rule"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_plugin_calling_sys_exit_is_a_plugin_error_not_a_pass(run, tmp_path, where, jobs):
    places = {"at_import": "", "in_hook": "", "check": "return None"}
    places["check" if where == "in_rule" else where] = "sys.exit(0)"
    plugin(tmp_path, **places)
    (tmp_path / "a.jsonl").write_text(DATA)
    (tmp_path / "b.jsonl").write_text(DATA)
    result = run("check", "a.jsonl", "b.jsonl", "-j", jobs)
    assert result.exit_code == 2, result.output
    assert "org" in result.stderr and "SystemExit" in result.stderr


def test_what_a_plugin_prints_does_not_corrupt_machine_output(run, tmp_path):
    import json

    plugin(tmp_path, 'print("checking", ex.line)', at_import='print("loaded!")', in_hook='print("registering")')
    (tmp_path / "d.jsonl").write_text(DATA)
    for fmt in ("json", "sarif"):
        result = run("check", "d.jsonl", "--format", fmt)
        assert result.exit_code == 0
        json.loads(result.stdout)
        assert "loaded!" in result.stderr and "checking 1" in result.stderr
    for command in (["rules", "--format", "json"], ["plugins", "--format", "json"],
                    ["models", "--format", "json"]):
        json.loads(run(*command).stdout)


# -- Ctrl-C ------------------------------------------------------------------------------------

@pytest.mark.parametrize("whole_group", [True, False])
def test_an_interrupt_stops_a_parallel_run_at_once_with_exit_130(tmp_path, whole_group):
    import signal
    import subprocess
    import sys
    import time

    data = tmp_path / "big.jsonl"
    with open(data, "w") as fh:
        for _ in range(40):
            fh.write(good_lines(5000))
    env = dict(os.environ, FTLINT_CHUNK_BYTES=str(1 << 20))
    proc = subprocess.Popen([sys.executable, "-m", "ftlint", "check", str(data), "--isolated", "-j", "2",
                             "--model", "gpt-4o-mini"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, start_new_session=True, preexec_fn=interruptible)
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and time.monotonic() < deadline:  # the workers have started
        time.sleep(0.05)
    workers = _children(proc.pid)
    assert workers, "the run never started its workers"
    (os.killpg if whole_group else os.kill)(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)  # the old code needed about 21 s with a signal to the parent alone
    assert proc.returncode == 130
    assert err.decode().strip() == "ftlint: interrupted"
    time.sleep(0.2)
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}") and _state(pid) != "Z"]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_a_fifo_in_a_walked_folder_is_skipped_and_named(run, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "d.jsonl").write_text(DATA)
    os.mkfifo(tmp_path / "data" / "pipe.jsonl")
    result = run("check", "data", "--format", "json")  # the old code blocked here for ever
    import json

    doc = json.loads(result.stdout)
    assert result.exit_code == 0 and doc["summary"]["files"] == 1
    assert doc["skipped"] == [{"path": "data/pipe.jsonl", "reason": "a named pipe (FIFO), not a regular file"}]
    assert "skipped data/pipe.jsonl" in result.stderr


# -- bad settings are named, not obeyed --------------------------------------------------------

@pytest.mark.parametrize("value", ["", "0", "abc", "-5", "1"])
def test_a_bad_chunk_size_is_a_clear_error(run, tmp_path, monkeypatch, value):
    (tmp_path / "d.jsonl").write_text(DATA)
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", value)
    result = run("check", "d.jsonl", "-j", "2")
    assert result.exit_code == 2
    assert "FTLINT_CHUNK_BYTES must be a whole number of bytes of at least 4,096" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("config, key", [
    ('[models.gpt-4o-mini]\nprice = -1e308\n', "models.gpt-4o-mini.price"),
    ('[models.acme]\nencoding = "o200k_base"\nexample-limit = -3\n', "models.acme.example-limit"),
    ('[rules.refusal-ratio]\nshow = -1\n', "rules.refusal-ratio.show"),
    ('[rules.too-many-images]\nmax-images = -5\n', "rules.too-many-images.max-images"),
    ('[rules.FT602]\nratio = 1.5\n', "rules.FT602"),
    ('[rules.label-imbalance]\nmax-share = nan\n', "rules.label-imbalance.max-share"),
])
def test_negative_or_absurd_values_are_rejected_with_the_key_named(run, tmp_path, config, key):
    (tmp_path / "ftlint.toml").write_text(config)
    (tmp_path / "d.jsonl").write_text(DATA)
    result = run("check", "d.jsonl", "--model", "gpt-4o-mini")
    assert result.exit_code == 2
    assert key in result.stderr, result.stderr





@pytest.mark.parametrize("line, path", [('"7"', "None"), ("-5", "None"), ("0", "None"), ("10**9", "None"),
                                        ("None", 'b"d.jsonl"'), ("True", "None")])
def test_a_plugin_finding_at_an_impossible_place_is_that_plugins_error(run, tmp_path, line, path):
    plugin(tmp_path, f'if ex.line == 3:\n    return [Finding("", "odd", line={line}, path={path})]', code="ORG011")
    (tmp_path / "d.jsonl").write_text(DATA)
    result = run("check", "d.jsonl", "--format", "json")
    import json

    doc = json.loads(result.stdout)
    assert result.exit_code == 2
    assert [e["plugin"] for e in doc["errors"]] == ["org"]
    assert "reported a finding" in doc["errors"][0]["message"]
    assert "ORG011" not in {d["code"] for d in doc["diagnostics"]}
    assert doc["summary"]["examples"] == 60  # the report of the data is whole


# -- resources ---------------------------------------------------------------------------------

def _peak_while(fn) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_one_huge_example_costs_near_duplicate_work_and_token_lists_a_bounded_amount():
    from conftest import lint

    words = " ".join(f"w{i % 5000}x" for i in range(400_000))  # 3 MB of text
    line = _chat().replace('"Hi"', '"' + words + '"') + "\n"
    data = (line + good_lines(20)).encode()
    lint(good_lines(20), model="gpt-4o-mini")  # the tokenizer loads once, outside the measure
    peak = _peak_while(lambda: lint(data, model="gpt-4o-mini"))
    # The line is held a few times over (raw bytes, parsed text, canonical form); the old code's
    # word lists (about 20 bytes a byte) and the token list (about 40 bytes a token) are gone.
    assert peak < 8 * len(line), f"{peak:,} bytes for a {len(line):,}-byte line"


def test_long_texts_are_counted_in_pieces_to_the_same_total():
    from ftlint.tokens import TokenCounter, get_encoding

    count, encoding = TokenCounter("o200k_base"), get_encoding("o200k_base")
    texts = [" ".join(f"word{i}" for i in range(60_000)), open(__file__).read() * 30,
             "Ünïcödé text, with punctuation! " * 5000]
    for text in texts:
        assert count(text) == len(encoding.encode_ordinary(text))





def test_a_file_that_changes_while_it_is_read_is_named(run, tmp_path):
    plugin(tmp_path, 'if ex.line == 2:\n    with open(ex.ctx.path, "a") as fh:\n        fh.write("{}\\n")')
    (tmp_path / "d.jsonl").write_text(DATA)
    result = run("check", "d.jsonl")
    assert result.exit_code == 2
    assert "d.jsonl changed while ftlint read it" in result.stderr


# -- files in another encoding, compressed, or with CR line ends: the real cause, once ---------

def _encoded(kind: str, text: str) -> bytes:
    import gzip

    return {"utf-32": lambda: text.encode("utf-32"), "utf-32-be": lambda: text.encode("utf-32-be"),
            "utf-16-le": lambda: text.encode("utf-16-le"), "utf-16-be": lambda: text.encode("utf-16-be"),
            "gzip": lambda: gzip.compress(text.encode()), "cr": lambda: text.replace("\n", "\r").encode()}[kind]()


@pytest.mark.parametrize("kind, code", [("utf-32", "FT016"), ("utf-32-be", "FT016"), ("utf-16-le", "FT015"),
                                        ("utf-16-be", "FT015"), ("gzip", "FT017"), ("cr", "FT018")])
@pytest.mark.parametrize("how", [["-j", "1"], ["-j", "2"], ["-"]])
def test_the_real_cause_is_named_once_and_readable_examples_are_still_checked(run, tmp_path, monkeypatch,
                                                                              kind, code, how):
    import json

    text = DATA.replace('"Answer 3."}', '"Answer 3.", "weight": true}') * 3  # about 12 KB, an FT302 on line 4
    (tmp_path / "plain.jsonl").write_text(text)
    data = _encoded(kind, text)
    (tmp_path / "odd.jsonl").write_bytes(data)
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", "4096")  # small parts, were the file cut
    args = ["-", "--stdin-filename", "odd.jsonl"] if how == ["-"] else ["odd.jsonl", *how]
    odd = json.loads(run("check", *args, "--format", "json", input=data if how == ["-"] else None).stdout)
    found = [(d["line"], d["code"]) for d in odd["diagnostics"]]
    assert found.count((1, code)) == 1 and [c for _, c in found].count(code) == 1, found
    others = {"FT015", "FT016", "FT017", "FT018"} - {code}
    assert not others & {c for _, c in found}
    plain = json.loads(run("check", "plain.jsonl", "--format", "json").stdout)
    assert [(d["line"], d["code"]) for d in odd["diagnostics"] if d["code"] != code] == \
        [(d["line"], d["code"]) for d in plain["diagnostics"]]
    assert (4, "FT302") in found


def test_a_utf32_file_with_its_mark_is_not_called_utf16(run, tmp_path):
    (tmp_path / "d.jsonl").write_bytes(DATA.encode("utf-32"))
    result = run("check", "d.jsonl")
    assert "UTF-32LE" in result.output and "UTF-16" not in result.output


# -- standard streams that are closed or full ------------------------------------------------

def _ftlint(args, **kw):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "ftlint", *args], capture_output=kw.pop("capture", True), **kw)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_an_output_error_in_one_line(tmp_path):
    (tmp_path / "d.jsonl").write_text(DATA)
    with open("/dev/full", "w") as full:
        proc = _ftlint(["check", str(tmp_path / "d.jsonl"), "--isolated"], stdout=full, stderr=-1, capture=False)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.strip() == "ftlint: error: cannot write to standard output: No space left on device", err


def test_closed_standard_streams_are_errors_not_silence(tmp_path):
    (tmp_path / "d.jsonl").write_text(BAD_WEIGHT_LINE * 12)
    closed_out = _ftlint(["check", str(tmp_path / "d.jsonl"), "--isolated"], stdout=None, stderr=-1, capture=False,
                         preexec_fn=lambda: os.close(1))
    assert closed_out.returncode == 2  # not the verdict (1), which nobody would see
    assert "standard output is closed" in closed_out.stderr.decode()
    closed_in = _ftlint(["check", "-", "--isolated"], stdin=None, preexec_fn=lambda: os.close(0))
    assert closed_in.returncode == 2
    assert closed_in.stderr.decode().strip() == "ftlint: error: standard input is closed, so '-' has nothing to read"


BAD_WEIGHT_LINE = _chat(weight="true") + "\n"


def test_a_plugin_state_that_cannot_cross_processes_loses_its_part_not_the_report(run, tmp_path):
    (tmp_path / "org.py").write_text(
        "from ftlint import hookimpl\nfrom ftlint.rule import DatasetRule\n\n"
        "class Keeps(DatasetRule):\n    code = 'ORG013'\n    name = 'keeps-a-lambda'\n    summary = 'x'\n"
        "    def new_state(self):\n        return [lambda: 1]\n"
        "    def observe(self, state, ex):\n        pass\n"
        "    def merge(self, first, second):\n        return first\n\n"
        "@hookimpl\ndef register_rules(register):\n    register(Keeps)\n")
    (tmp_path / "ftlint.toml").write_text('plugins = ["org.py"]\n')
    (tmp_path / "a.jsonl").write_text(DATA)
    (tmp_path / "b.jsonl").write_text(BAD_WEIGHT_LINE * 60)
    result = run("check", "a.jsonl", "b.jsonl", "-j", "2")
    assert result.exit_code == 2
    assert "could not come back from its worker" in result.stderr
    assert "internal error" not in result.stderr
