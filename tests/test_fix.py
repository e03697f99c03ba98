"""`ftlint fix` and `check --fix`: what the fixes repair, what they leave byte for byte, how a file
is replaced (whole, or not at all), standard input, --diff, unsafe fixes and plugin fixes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from conftest import ROOT, codes, good_lines, interruptible, line
from ftlint import DROP, Finding, Fix, Rule
from ftlint.config import Config
from ftlint.fixing import Fixer, context_for, fix_file
from ftlint.session import Session

BROKEN = (ROOT / "examples" / "data" / "broken.jsonl").read_bytes()
U, A = {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}


def lines_of(path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_check_marks_what_fix_repairs_and_fix_repairs_it(run, tmp_path):
    (tmp_path / "data.jsonl").write_bytes(BROKEN)
    before = lines_of(tmp_path / "data.jsonl")
    checked = run("check", "data.jsonl")
    assert "FT302 [*] error" in checked.output and "FT004 error" in checked.output  # unsafe: not marked
    assert "[*] 4 problems fixable with `ftlint fix`. 2 more problems with `--unsafe-fixes`." in checked.output
    os.chmod(tmp_path / "data.jsonl", 0o640)

    fixed = run("fix", "data.jsonl")
    assert "Fixed 4 problems in 1 file (1 line removed)." in fixed.output
    assert fixed.exit_code == 1  # errors remain (the broken JSON, the empty answer...)
    after = lines_of(tmp_path / "data.jsonl")
    assert stat.S_IMODE(os.stat(tmp_path / "data.jsonl").st_mode) == 0o640
    # the blank line went; every line no fix touched is byte for byte as it was, in its order
    assert len(after) == len(before) - 1
    untouched = [b for b in before if b.strip() and b"human" not in b and b'"weight": true' not in b
                 and b'"arguments": {' not in b]
    assert [a for a in after if a in untouched] == untouched
    assert b'"role": "user", "content": "Hi"' in after[1] and b'"weight": 1}' in after[3]
    assert b'"arguments": "{\\"city\\": \\"Rome\\"}"' in after[5]
    again = run("check", "data.jsonl")
    assert "[*]" not in again.output and "FT302" not in again.output and "FT404" not in again.output


def test_check_fix_is_fix(run, tmp_path):
    (tmp_path / "a.jsonl").write_bytes(BROKEN)
    (tmp_path / "b.jsonl").write_bytes(BROKEN)
    run("fix", "a.jsonl")
    result = run("check", "--fix", "b.jsonl")
    assert "Fixed 4 problems" in result.output
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_diff_shows_the_changes_and_writes_nothing(run, tmp_path):
    (tmp_path / "data.jsonl").write_bytes(BROKEN)
    result = run("fix", "--diff", "data.jsonl")
    assert result.exit_code == 1
    assert (tmp_path / "data.jsonl").read_bytes() == BROKEN
    assert result.output.startswith("--- data.jsonl\n+++ data.jsonl\n@@ -2 +2 @@\n-")
    assert '@@ -3,1 +2,0 @@\n-\n' in result.output  # the blank line, removed
    assert '+{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", ' \
           '"weight": 1}]}' in result.output
    # `patch` applies it: the same file as a fix writes
    (tmp_path / "copy.jsonl").write_bytes(BROKEN)
    patch = subprocess.run(["patch", "-s", "copy.jsonl"], input=result.stdout_bytes.split(b"ftlint: ")[0],
                           cwd=tmp_path, capture_output=True)
    if patch.returncode == 0:
        run("fix", "data.jsonl")
        assert (tmp_path / "copy.jsonl").read_bytes() == (tmp_path / "data.jsonl").read_bytes()
    clean = tmp_path / "clean.jsonl"
    clean.write_text(good_lines(20))
    nothing = run("fix", "--diff", "clean.jsonl")
    assert nothing.exit_code == 0 and nothing.output == ""


def test_unsafe_fixes_remove_lines_keys_and_copies_and_list_every_removed_line(tmp_path):
    first = tmp_path / "a.jsonl"
    second = tmp_path / "b.jsonl"
    one = line({"messages": [U, A]})
    first.write_text(f'{one}\n{{"messages": [}}\n{line({"id": 3, "messages": [U, dict(A, content="Hey")]})}\n{one}\n'
                     f'{line({"messages": [U, dict(A, content="")]})}\n')  # an error no fix repairs
    second.write_text(f'{line({"messages": [dict(U, content="Other"), A]})}\n{one}\n')
    proc = subprocess.run([sys.executable, "-m", "ftlint", "fix", "--unsafe-fixes", "a.jsonl", "b.jsonl",
                           "--isolated"], capture_output=True, text=True, cwd=tmp_path)
    assert first.read_text() == f'{one}\n{line({"messages": [U, dict(A, content="Hey")]})}\n'
    assert second.read_text() == f'{line({"messages": [dict(U, content="Other"), A]})}\n'  # a copy of a.jsonl:1
    removed = [x for x in proc.stderr.splitlines() if x.startswith("ftlint: removed")]
    assert removed == ["ftlint: removed a.jsonl:2 (FT004 invalid-json)",
                       "ftlint: removed a.jsonl:4 (FT703 exact-duplicate)",
                       "ftlint: removed a.jsonl:5 (FT106 empty-content)",
                       "ftlint: removed b.jsonl:2 (FT703 exact-duplicate)"]
    safe_only = tmp_path / "c.jsonl"
    safe_only.write_text(f'{one}\n{{"messages": [}}\n{one}\n')
    subprocess.run([sys.executable, "-m", "ftlint", "fix", "c.jsonl", "--isolated"], capture_output=True, cwd=tmp_path)
    assert safe_only.read_text() == f'{one}\n{{"messages": [}}\n{one}\n'


def test_standard_input_to_standard_output(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ftlint", "fix", "-", "--isolated"], input=BROKEN,
                          capture_output=True, cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert len(lines) == len(BROKEN.splitlines()) - 1 and b'"weight": 1}' in lines[3]
    assert b"Fixed 4 problems" in proc.stderr and b"<stdin>:" in proc.stderr  # the report went aside
    assert proc.returncode == 1


def test_a_repaired_line_keeps_the_style_of_the_line_it_replaces(tmp_path):
    path = tmp_path / "data.jsonl"
    compact = json.dumps({"messages": [U, dict(A, weight=True)]}, separators=(",", ":"))
    escaped = json.dumps({"messages": [dict(U, content="Café"), dict(A, weight=False)]})
    raw = json.dumps({"messages": [dict(U, content="Café"), dict(A, weight=True)]}, ensure_ascii=False)
    path.write_text(f"{compact}\n{escaped}\n{raw}\n", encoding="utf-8")
    Session.create(config=Config()).fix([str(path)])
    got = path.read_text(encoding="utf-8").splitlines()
    assert got == [compact.replace("true", "1"), escaped.replace("false", "0"), raw.replace("true", "1")]
    assert "\\u00e9" in got[1] and "é" in got[2]


ONE = line({"messages": [U, A]}).encode()


@pytest.mark.parametrize("data, rule, expected", [
    (b"\xef\xbb\xbf" + ONE + b"\n", "FT002", ONE + b"\n"),
    (line({"messages": [U, A]}).encode() + b"\r\n" + line({"messages": [U, A]}).encode() + b"\r\n", "FT020",
     (line({"messages": [U, A]}) + "\n" + line({"messages": [U, A]}) + "\n").encode()),
    (line({"messages": [U, A]}).encode() + b"\r" + line({"messages": [U, A]}).encode() + b"\r", "FT018",
     (line({"messages": [U, A]}) + "\n" + line({"messages": [U, A]}) + "\n").encode()),
    (("\ufeff" + line({"messages": [U, A]}) + "\n").encode("utf-16-le"), "FT015",
     (line({"messages": [U, A]}) + "\n").encode()),
])
def test_whole_file_rewrites(tmp_path, data, rule, expected):
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    session = Session.create(config=Config())
    assert rule in codes(session.lint([str(path)]))
    run = session.fix([str(path)])
    assert path.read_bytes() == expected
    assert run.files[0].repaired == 1 and rule not in codes(session.lint([str(path)]))


def test_what_the_fixes_do_not_rewrite_stays_as_it_was(tmp_path):
    """CR LF ends and a byte order mark stay when their rules are off; a UTF-16 file whose
    encoding rule is off is written back in UTF-16."""
    path = tmp_path / "data.jsonl"
    bad = line({"messages": [U, dict(A, weight=True)]})
    path.write_bytes(b"\xef\xbb\xbf" + bad.encode() + b"\r\n" + bad.encode() + b"\r\n")
    Session.create(config=Config(), ignore=["FT002", "FT020"]).fix([str(path)])
    good = line({"messages": [U, dict(A, weight=1)]}).encode()
    assert path.read_bytes() == b"\xef\xbb\xbf" + good + b"\r\n" + good + b"\r\n"
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes(("\ufeff" + bad + "\n").encode("utf-16-le"))
    Session.create(config=Config(), ignore=["FT015"]).fix([str(wide)])
    assert wide.read_bytes() == ("\ufeff" + good.decode() + "\n").encode("utf-16-le")


def test_the_azure_target_keeps_its_byte_order_mark(tmp_path):
    path = tmp_path / "data.jsonl"
    data = b"\xef\xbb\xbf" + line({"messages": [U, A]}).encode() + b"\n"
    path.write_bytes(data)
    Session.create(config=Config(), target="azure-openai").fix([str(path)])
    assert path.read_bytes() == data


def test_per_file_ignores_hold_for_fixes(tmp_path):
    (tmp_path / "ftlint.toml").write_text('[per-file-ignores]\n"keep/*.jsonl" = ["FT302"]\n')
    (tmp_path / "keep").mkdir()
    bad = line({"messages": [U, dict(A, weight=True)]}) + "\n"
    (tmp_path / "keep" / "a.jsonl").write_text(bad)
    (tmp_path / "b.jsonl").write_text(bad)
    subprocess.run([sys.executable, "-m", "ftlint", "fix", "."], capture_output=True, cwd=tmp_path)
    assert (tmp_path / "keep" / "a.jsonl").read_text() == bad
    assert '"weight": 1}' in (tmp_path / "b.jsonl").read_text()


class _Writes(Rule):
    """A fix that changes the file behind ftlint's back the first time it runs (another program
    writing the file while ftlint fixes it)."""

    code, name, summary = "TST001", "writes-behind", "test"
    autofix = Fix("nothing")
    target_path = ""

    def check(self, ex):
        return None

    done = False

    def repair(self, ex, state):
        if ex.line == 1 and not _Writes.done:
            _Writes.done = True
            with open(self.target_path, "ab") as fh:
                fh.write(line({"messages": [U, A]}).encode() + b"\n")
        return None

    def repair_state(self):
        return {}


def test_a_file_changed_while_fixed_is_left_as_it_is(tmp_path):
    path = tmp_path / "data.jsonl"
    bad = line({"messages": [U, dict(A, weight=True)]}) + "\n"
    path.write_text(bad * 3)
    session = Session.create(config=Config())
    rule = _Writes()
    rule.target_path = str(path)
    fixer = Fixer([*session.ruleset.rules, rule], unsafe=False)
    result = fix_file(fixer, str(path), context_for(str(path), session.config))
    assert result.refused and "changed while ftlint read it" in result.refused
    assert path.read_text() == bad * 3 + line({"messages": [U, A]}) + "\n"  # the other writer's bytes, not ours
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".ftlint-fix-")]


def test_a_read_only_file_is_refused(run, tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(BROKEN)
    path.chmod(0o444)
    result = run("fix", "data.jsonl")
    assert result.exit_code == 2 and "did not fix data.jsonl: the file is read-only" in result.output
    assert path.read_bytes() == BROKEN


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_fix_interrupted_while_it_writes_leaves_the_original_intact(tmp_path, sig):
    path = tmp_path / "big.jsonl"
    row = line({"messages": [U, dict(A, weight=True)]}) + "\n"
    path.write_text(row * 150_000)  # about 16 MB: writing it takes long enough to be caught at it
    original = path.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "ftlint", "fix", "big.jsonl", "--isolated"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=interruptible)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in os.listdir(tmp_path) if p.startswith(".ftlint-fix-")]
        if temps and os.path.getsize(tmp_path / temps[0]) > 0:
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the fix ended before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(30)
    assert path.read_bytes() == original
    leftovers = [p for p in os.listdir(tmp_path) if p.startswith(".ftlint-fix-")]
    assert leftovers == ([] if sig == signal.SIGINT else leftovers)  # Ctrl-C cleans up; a kill cannot
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL)


PLUGIN = '''
from ftlint import DROP, Finding, Fix, Rule, hookimpl

class NoDraft(Rule):
    """# ORG002 draft-answer

    Examples marked as drafts."""
    code = "ORG002"
    name = "draft-answer"
    summary = "An example whose answer starts with DRAFT"
    autofix = Fix("remove the example", safe=False)

    def check(self, ex):
        if str(ex.messages[-1].get("content", "")).startswith("DRAFT"):
            return [Finding("/messages", "a draft")]

    def repair(self, ex, state):
        content = str(ex.messages[-1].get("content", ""))
        if content.startswith("DRAFT!"):
            raise RuntimeError("boom")
        return DROP if content.startswith("DRAFT") else None

@hookimpl
def register_rules(register):
    register(NoDraft)
'''


def test_a_plugin_rule_fixes_through_the_same_road_and_its_failure_is_isolated(run, tmp_path):
    (tmp_path / "org_rules.py").write_text(PLUGIN)
    (tmp_path / "ftlint.toml").write_text('plugins = ["org_rules.py"]\n')
    rows = [{"messages": [U, dict(A, content=c, weight=True)]} for c in ("ok", "DRAFT x", "DRAFT! y", "fine")]
    (tmp_path / "train.jsonl").write_text("".join(line(r) + "\n" for r in rows))
    listed = run("rules").output
    assert "ORG002" in listed and "unsafe" in listed.split("ORG002")[1].splitlines()[0]
    assert "Unsafe: remove the example." in run("rule", "ORG002").output
    result = run("fix", "--unsafe-fixes", "train.jsonl")
    assert result.exit_code == 2
    assert "rule ORG002 (plugin org_rules): its fix raised RuntimeError: boom" in result.output
    kept = (tmp_path / "train.jsonl").read_text().splitlines()
    # the draft went; after the crash the plugin's fix ran no more, and the built-in fixes went on
    assert [json.loads(x)["messages"][1]["content"] for x in kept] == ["ok", "DRAFT! y", "fine"]
    assert all('"weight": 1' in x for x in kept)


def test_json_output_says_what_was_fixed(run, tmp_path):
    (tmp_path / "data.jsonl").write_bytes(BROKEN)
    doc = json.loads(run("fix", "data.jsonl", "--format", "json").stdout)
    assert doc["fixed"] == [{"path": "data.jsonl", "repaired": {"FT003": 1, "FT103": 1, "FT302": 1, "FT404": 1},
                             "rewrites": [], "lines_changed": 3, "refused": None,
                             "dropped": [{"line": 3, "code": "FT003", "name": "blank-line"}]}]
    assert {d["code"]: d["fixable"] for d in doc["diagnostics"]}["FT112"] == "unsafe"


def test_a_finding_the_fix_cannot_repair_is_not_marked(run, tmp_path):
    rows = [{"messages": [U, dict(A, weight=2)]}, {"messages": [dict(U, role="bot"), A]}]
    (tmp_path / "data.jsonl").write_text("".join(line(r) + "\n" for r in rows))
    result = run("check", "data.jsonl")
    assert "FT302 error" in result.output and "FT103 error" in result.output and "[*]" not in result.output
    assert run("fix", "--diff", "data.jsonl").exit_code == 0


def test_a_repair_returning_drop_is_counted_under_its_rule():
    assert repr(DROP) == "DROP"
    assert Finding("", "x").fixable is True
