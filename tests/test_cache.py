"""The cache: a rerun reuses the parts of files it linted before, moved to where they sit now,
and reports exactly what a full lint reports; it is signed, bounded, shared safely by concurrent
runs, and can be turned off and removed."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, line
from ftlint.session import Session

CHUNK = "65536"  # parts of about 64 KiB: a 2 MB file is some thirty parts

SPECIAL = [  # lines that leave a file or dataset rule's state holding line numbers
    {"prompt": "Say hi", "completion": "hi"},  # FT010, and FT008 (mixed formats)
    {"input": {"messages": [{"role": "user", "content": "Pick one"}]},
     "preferred_output": [{"role": "assistant", "content": "A"}],
     "non_preferred_output": [{"role": "assistant", "content": "B"}]},  # FT008
    {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]},  # FT019
    {"messages": [{"role": "user", "content": "Cancel my order please"},
                  {"role": "assistant", "content": "I'm sorry, but I can't help with that."}]},  # FT707
    {"messages": [{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "Where is it?"},
                  {"role": "assistant", "content": "Arr, at sea."}]},  # FT709
    {"messages": [{"role": "user", "content": "Order 7?"}, {"role": "assistant", "content": "Looking.",
                   "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_order",
                                                                                "arguments": "{\"id\": 7}"}}]},
                  {"role": "tool", "tool_call_id": "c1", "content": "shipped"},
                  {"role": "assistant", "content": "It shipped."}],
     "tools": [{"type": "function", "function": {"name": "get_order", "description": "Another description.",
                                                 "parameters": {"type": "object", "properties": {}}}}]},  # FT710
    {"messages": [{"role": "user", "content": "Is the store open on Sunday?"},
                  {"role": "assistant", "content": "Yes, from ten to four."}]},  # FT705, with the next
    {"messages": [{"role": "user", "content": "Is the store open on Sunday?"},
                  {"role": "assistant", "content": "No, it is closed all day."}]},
    {"messages": [{"role": "user", "content": "Weather?"},
                  {"role": "assistant", "content": None, "function_call": {"name": "weather", "arguments": "{}"}},
                  {"role": "function", "name": "weather", "content": "sunny"},
                  {"role": "assistant", "content": "Sunny."}],
     "functions": [{"name": "weather", "parameters": {"type": "object", "properties": {}}}]},  # FT407
]


@pytest.fixture
def data(tmp_path):
    """A 2 MB generated file with planted faults and the special lines spread through it."""
    path = tmp_path / "train.jsonl"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--size-mb", "2", "--prompt-rules", "5",
                    "--broken-rate", "0.01", "--dup-rate", "0.03", "--seed", "3", "--out", str(path)],
                   check=True, capture_output=True)
    lines = path.read_bytes().splitlines(keepends=True)
    step = len(lines) // (len(SPECIAL) + 1)
    for i, obj in reversed(list(enumerate(SPECIAL, 1))):
        lines.insert(i * step, (line(obj) + "\n").encode())
    path.write_bytes(b"".join(lines))
    (tmp_path / "ftlint.toml").write_text("[rules.refusal-ratio]\nmax-ratio = 0.0\n")  # one refusal is reported
    return path


@pytest.fixture
def cached(monkeypatch, tmp_path):
    monkeypatch.delenv("FTLINT_NO_CACHE", raising=False)
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", CHUNK)
    monkeypatch.setenv("FTLINT_CACHE_SECRET", "test-secret-of-this-user")
    monkeypatch.chdir(tmp_path)
    return tmp_path / ".ftlint_cache"


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftlint", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def check(path, *args: str, env: dict | None = None) -> tuple[int, dict]:
    proc = cli("check", str(path), "--format", "json", "--model", "gpt-4o-mini", *args, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def edit(path: Path, how: str) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    n = len(lines)
    if how == "insert":
        lines.insert(n // 5, lines[n - 3])  # a duplicate of a late line, early in the file
    elif how == "delete":
        del lines[n // 7]
    elif how == "modify":
        lines[n // 2] = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": 7}]}\n'
    elif how == "append":
        lines.append(lines[10])
    elif how == "prepend":
        lines.insert(0, b"not json\n")
    path.write_bytes(b"".join(lines))


def reused(path, jobs: int = 1, **settings) -> tuple[int, int]:
    """(parts taken from the cache, parts linted) for a lint of ``path`` as the CLI runs it."""
    session = Session.create(model="gpt-4o-mini", **settings)
    report = session.lint([str(path)], cache=session.open_cache(), jobs=jobs)
    return report.reused


@pytest.mark.parametrize("how", ["insert", "delete", "modify", "append", "prepend"])
def test_a_rerun_after_an_edit_lints_only_the_changed_part_and_reports_what_a_full_lint_does(data, cached, how):
    first = check(data, "-j", "2")
    assert first == check(data, "--no-cache")
    assert {"FT008", "FT010", "FT019", "FT407", "FT703", "FT704", "FT705", "FT707", "FT709", "FT710"} <= \
        {d["code"] for d in first[1]["diagnostics"]}
    edit(data, how)
    hits, linted = reused(data, jobs=1)
    # the edited part, and at most the one holding line 5,000 (FT711/FT712 sample the lines before it)
    assert hits >= 20 and linted <= 2, (hits, linted)
    for jobs in ("1", "2"):
        assert check(data, "-j", jobs) == check(data, "--no-cache", "-j", jobs)


def test_the_same_bytes_in_another_file_or_place_are_moved_there(data, cached, tmp_path):
    check(data)
    copy = tmp_path / "more.jsonl"  # the same bytes, second in the run: every location moves to file 2
    copy.write_bytes(b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n'
                     + data.read_bytes())
    both = check("train.jsonl", "more.jsonl", "-j", "2")
    assert both == check("train.jsonl", "more.jsonl", "--no-cache")
    near = [d for d in both[1]["diagnostics"] if d["code"] == "FT703" and d["path"] == "more.jsonl"]
    assert near and all("train.jsonl:" in d["message"] for d in near[:3])


def test_what_decides_a_result_is_part_of_the_key(data, cached, tmp_path):
    check(data)
    changed = check(data, "--ignore", "FT704")
    assert "FT704" not in {d["code"] for d in changed[1]["diagnostics"]}
    other_model = check(data, "--model", "gpt-4.1-mini")
    assert other_model == check(data, "--model", "gpt-4.1-mini", "--no-cache")
    config = tmp_path / "ftlint.toml"
    config.write_text('[rules.near-duplicate]\nsegments = 8\n')
    assert check(data) == check(data, "--no-cache")


def test_an_entry_that_is_damaged_or_not_signed_by_this_user_is_never_trusted(data, cached, tmp_path):
    expected = check(data, "--no-cache")
    check(data)
    entries = sorted((cached / "parts").iterdir())
    planted = tmp_path / "planted"

    class Payload:  # unpickling it would create a file
        def __reduce__(self):
            return (open, (str(planted), "w"))

    foreign = b"ftlint-cache 1\n" + b"\0" * 32 + pickle.dumps(Payload())
    entries[0].write_bytes(foreign)
    entries[1].write_bytes(entries[1].read_bytes()[:100])  # truncated
    damaged = bytearray(entries[2].read_bytes())
    damaged[-5] ^= 0xFF
    entries[2].write_bytes(bytes(damaged))
    entries[3].write_bytes(b"")
    assert check(data) == expected
    assert not planted.exists()
    # another user's secret: every entry is foreign, none is read, all are written again
    other = check(data, env={"FTLINT_CACHE_SECRET": "someone else"})
    assert other == expected and not planted.exists()


def test_two_runs_at_once_share_the_cache_safely(data, cached):
    expected = check(data, "--no-cache")
    env = {**os.environ}
    procs = [subprocess.Popen([sys.executable, "-m", "ftlint", "check", str(data), "--format", "json", "--model",
                               "gpt-4o-mini", "-j", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == expected[0], err
        assert json.loads(out) == expected[1]
    assert reused(data)[1] == 0  # every part is there, whole
    assert not [p for p in (cached / "parts").iterdir() if p.name.startswith(".tmp")]


def test_the_cache_stays_within_its_size_and_keeps_the_recent_parts(data, cached):
    def size():
        return sum(p.stat().st_size for p in (cached / "parts").iterdir())

    check(data, "--select", "FT0")
    small = size()
    check(data)  # every rule: other entries, written after
    limit = small + (size() - small) // 3
    # reused, the FT0 entries are the most recent: the others go first (a run prunes when it writes)
    edit(data, "append")
    check(data, "--select", "FT0", env={"FTLINT_CACHE_MAX_BYTES": str(limit)})
    assert size() <= limit
    hits, linted = reused(data, select=["FT0"])
    assert hits > 0 and linted == 0
    hits, linted = reused(data)
    assert linted >= 2 * hits  # at most a third of the other run's entries are left
    bad = cli("check", str(data), env={"FTLINT_CACHE_MAX_BYTES": "lots"})
    assert bad.returncode == 2 and "FTLINT_CACHE_MAX_BYTES" in bad.stderr and "Traceback" not in bad.stderr


def test_no_cache_writes_nothing_and_clean_removes_only_a_cache(data, cached, tmp_path):
    check(data, "--no-cache")
    assert not cached.exists()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    check(data)
    assert (cached / ".gitignore").read_text().splitlines()[-1] == "*"  # never committed by accident
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout
    assert ".ftlint_cache" not in status and "train.jsonl" in status
    assert (cached / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    proc = cli("clean")
    assert proc.returncode == 0 and "removed the cache" in proc.stdout and not cached.exists()
    assert "no cache" in cli("clean").stdout
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    assert "no cache" in cli("clean", "--cache-dir", str(precious)).stdout and (precious / "keep.txt").exists()
    elsewhere = tmp_path / "elsewhere"
    check(data, env={"FTLINT_CACHE_DIR": str(elsewhere)})
    assert (elsewhere / "parts").is_dir() and not cached.exists()


def test_a_cache_folder_that_cannot_be_made_lints_without_a_cache(data, cached, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = cli("check", str(data), "--format", "json", "--model", "gpt-4o-mini", "--cache-dir", str(blocker / "c"))
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout) == check(data, "--no-cache")[1]
    assert blocker.read_text() == "not a folder"


def test_stats_are_the_same_from_the_cache(data, cached):
    def stats(*extra):
        proc = cli("stats", str(data), "--model", "gpt-4o-mini", "--format", "json", *extra)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    first = stats()
    edit(data, "insert")
    assert stats() == stats("--no-cache") != first


def test_a_plugin_rule_that_cannot_move_its_state_is_linted_again_where_it_moved(data, cached, tmp_path):
    plugin = tmp_path / "firsts.py"
    plugin.write_text('''
from ftlint.diagnostics import Finding, Severity
from ftlint.hookspecs import hookimpl
from ftlint.rule import DatasetRule


class FirstLong(DatasetRule):
    code = "FIRST001"
    name = "first-long"
    summary = "The first long example"
    severity = Severity.WARNING

    def new_state(self):
        return []

    def observe(self, state, ex):
        if not state and len(ex.raw) > 2000:
            state.append((ex.ctx.path, ex.line))

    def merge(self, first, second):
        return first or second

    def finish(self, state):
        return [Finding("", "first long example", path=p, line=n) for p, n in state]


@hookimpl
def register_rules(register):
    register(FirstLong)
''')
    (tmp_path / "ftlint.toml").write_text(f'plugins = ["{plugin}"]\nextend-select = ["FIRST001"]\n')
    check(data)
    edit(data, "modify")  # no line moves: the parts are used where they were linted
    assert reused(data, config_path=str(tmp_path / "ftlint.toml"))[1] == 1
    edit(data, "prepend")  # every line moves: the plugin's states cannot, so every part is linted
    assert reused(data, config_path=str(tmp_path / "ftlint.toml"))[0] == 0
    after = check(data)
    assert after == check(data, "--no-cache")
    assert [d["line"] for d in after[1]["diagnostics"] if d["code"] == "FIRST001"]


def test_a_state_that_samples_the_first_lines_refuses_to_move_across_them():
    from ftlint.rule import Move
    from ftlint.rules.recipe import SAMPLED_LINES, PromptSeparator

    rule = PromptSeparator()
    state = rule.new_state()
    state.first["###"] = (0 << 32) | 12
    moved = rule.relocate(state, Move(old_first=10, first=30, count=100, old_index=0, index=2))
    assert moved.first["###"] == (2 << 32) | 32  # file 2, twenty lines further down
    beyond = SAMPLED_LINES + 1
    assert rule.relocate(rule.new_state(), Move(beyond, beyond + 500, 100, 0, 0)) is not None
    with pytest.raises(NotImplementedError):  # lines it sampled would no longer be sampled, or the reverse
        rule.relocate(rule.new_state(), Move(SAMPLED_LINES - 150, SAMPLED_LINES - 50, 100, 0, 0))


def test_facts_about_the_day_are_judged_on_the_day_of_the_run_not_of_the_cache(data, cached, monkeypatch):
    import datetime as dt

    import ftlint.engine

    day = [dt.date(2026, 6, 1)]

    class Clock:  # the engine's view of the datetime module: only today() is asked
        class date:
            @staticmethod
            def today():
                return day[0]

    monkeypatch.setattr(ftlint.engine, "datetime", Clock)

    def codes(cache: bool) -> set[str]:
        session = Session.create(model="gpt-4o-mini")
        report = session.lint([str(data)], cache=session.open_cache() if cache else None)
        return {d.code for d in report.diagnostics}

    assert not {"FT804", "FT805"} & codes(True)  # months before the end: nothing to say, and stored
    day[0] = dt.date(2027, 2, 1)  # the same parts, after the model's training ended
    assert "FT804" in codes(True) == codes(False)


def test_a_rerun_reads_each_stored_part_when_its_turn_comes_not_all_at_once(data, cached, monkeypatch):
    from ftlint import reuse

    assert reused(data)[0] == 0  # fills the cache
    made: list = []
    holding: list[int] = []
    real = reuse.moved_result

    def moved_result(stored, chunk, linter):
        result = real(stored, chunk, linter)
        made.append(result)
        # results made before this one whose states the run has not merged yet
        holding.append(sum(1 for r in made[:-1] if r is not None and r.dataset_states))
        return result

    monkeypatch.setattr(reuse, "moved_result", moved_result)
    hits, linted = reused(data)
    assert hits >= 20 and linted == 0 and len(made) == hits
    # read up front, every stored part's states waited in memory until its turn (112 here)
    assert max(holding) <= 1, holding


def test_planning_a_rerun_reads_where_each_stored_part_was_without_unpickling_its_states(data, cached, monkeypatch):
    from ftlint import engine
    from ftlint.rules.columns import Columns

    assert reused(data)[0] == 0  # fills the cache
    unpickled = {"planning": 0, "merging": 0}
    phase = ["planning"]
    real_state, real_lines = Columns.__setstate__, engine.with_first_lines

    def setstate(self, state):  # a duplicate rule's keys, part of every stored part's states
        unpickled[phase[0]] += 1
        real_state(self, state)

    def planned(*args):  # the stored parts' places are known: planning is over
        phase[0] = "merging"
        return real_lines(*args)

    monkeypatch.setattr(Columns, "__setstate__", setstate)
    monkeypatch.setattr(engine, "with_first_lines", planned)
    hits, linted = reused(data)
    assert hits >= 20 and linted == 0
    # a stored part's states used to be unpickled to plan, then again at its turn
    assert unpickled["planning"] == 0 and unpickled["merging"] >= hits, unpickled


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stored_part_gone_or_refused_when_its_turn_comes_is_linted_then(data, cached, monkeypatch, jobs):
    from ftlint import reuse
    from ftlint.store import Store

    reused(data)  # fills the cache
    edit(data, "insert")  # every later part moves
    full = check(data, "--no-cache", "-j", str(jobs))
    real_get, real_moved = Store.get, reuse.moved_result
    asked: dict = {}

    def get(self, key):  # another run prunes the third part's entry once this run has planned
        asked[key] = asked.get(key, 0) + 1
        order = list(asked)
        return None if key == order[min(2, len(order) - 1)] and asked[key] > 1 else real_get(self, key)

    def moved_result(stored, chunk, linter):  # and a rule refuses to move the last part's state
        return None if chunk.end is None else real_moved(stored, chunk, linter)

    monkeypatch.setattr(Store, "get", get)
    monkeypatch.setattr(reuse, "moved_result", moved_result)
    session = Session.create(model="gpt-4o-mini")
    report = session.lint([str(data)], cache=session.open_cache(), jobs=jobs)
    hits, linted = report.reused
    assert linted == 1 + 2 and hits >= 20, report.reused  # the edited part, the pruned one, the refused one
    assert json.loads(session.render(report, "json")) == full[1]
