"""Plugins: built-ins and third parties travel the same road; a broken plugin is reported, not fatal."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import re
import subprocess
import sys

import pytest

from conftest import BAD_WEIGHT, ROOT, good_lines
from ftlint import hookspecs

RULE_FILE = '''
from ftlint import Finding, Rule, hookimpl

class NoTodo(Rule):
    """# ORG001 todo-in-answer

    Assistant answers that still say TODO."""
    code = "ORG001"
    name = "todo-in-answer"
    summary = "An assistant answer with TODO in it"

    def check(self, ex):
        for pointer, m, _ in ex.iter_messages():
            if m.get("role") == "assistant" and "TODO" in str(m.get("content")):
                yield Finding(pointer + "/content", "answer still says TODO", "write the answer")

@hookimpl
def register_rules(register):
    register(NoTodo)
'''
DATA = BAD_WEIGHT + '{"messages": [{"role": "user", "content": "Hey"}, {"role": "assistant", "content": "TODO"}]}\n'


def setup(tmp_path, plugin_source, extra_config=""):
    (tmp_path / "org_rules.py").write_text(plugin_source)
    (tmp_path / "ftlint.toml").write_text(f'plugins = ["org_rules.py"]\n{extra_config}')
    (tmp_path / "train.jsonl").write_text(DATA)


def diagnostics(result):
    return [(d["line"], d["code"]) for d in json.loads(result.output)["diagnostics"]]


def test_register_rules_from_a_local_file(run, tmp_path):
    setup(tmp_path, RULE_FILE)
    result = run("train.jsonl", "--format", "json")
    assert diagnostics(result) == [(50, "FT302"), (51, "ORG001")]
    assert result.exit_code == 1
    assert run("rule", "todo-in-answer").output.startswith("# ORG001 todo-in-answer")
    listed = json.loads(run("plugins", "--format", "json").output)
    assert {"name": "org_rules", "source": "local file", "rules": ["ORG001"]}.items() <= \
        next(p for p in listed if p["name"] == "org_rules").items()


def test_a_plugin_that_fails_to_import_is_exit_two_and_the_rest_still_runs(run, tmp_path):
    setup(tmp_path, "import no_such_module\n")
    result = run("train.jsonl")
    assert result.exit_code == 2
    assert "ftlint: error: plugin org_rules: failed to load" in result.output
    assert "ModuleNotFoundError: No module named 'no_such_module'" in result.output
    assert "FT302" in result.output and "Traceback" not in result.output


def test_a_rule_that_raises_names_plugin_and_rule(run, tmp_path):
    setup(tmp_path, RULE_FILE.replace('yield Finding(pointer + "/content", "answer still says TODO", '
                                      '"write the answer")',
                                      'raise ValueError("boom")'))
    result = run("train.jsonl")
    assert result.exit_code == 2
    assert "rule ORG001 todo-in-answer (plugin org_rules): raised ValueError: boom at train.jsonl:51" in result.output
    assert "FT302" in result.output


def test_a_clashing_code_is_blamed_on_the_newcomer(run, tmp_path):
    setup(tmp_path, RULE_FILE.replace('"ORG001"', '"FT302"'))
    result = run("train.jsonl")
    assert result.exit_code == 2
    assert "plugin org_rules: rule FT302 (todo-in-answer) clashes with FT302 (invalid-weight) from plugin " \
        "weight-rules" \
        in result.output


@pytest.mark.parametrize("change, message", [
    (('"ORG001"', '"org-1"'), "codes are 1-6 capital letters and 3 digits"),
    (('"todo-in-answer"', '"Todo In Answer"'), "names are kebab-case"),
    (("register(NoTodo)", "register(object)"), "is not a ftlint.Rule subclass"),
    (("def register_rules(register):", "def register_rulez(register):"), "unknown hook"),
])
def test_invalid_registrations(run, tmp_path, change, message):
    setup(tmp_path, RULE_FILE.replace(*change))
    result = run("train.jsonl")
    assert result.exit_code == 2 and message in result.output


def test_register_reporters(run, tmp_path):
    source = '''
from ftlint import hookimpl
from ftlint.reporters import Reporter

class Count(Reporter):
    name = "count"
    help = "Only the number of problems."
    def render(self, report, out):
        out.write(f"{len(report.diagnostics)}\\n")

@hookimpl
def register_reporters(register):
    register(Count)
'''
    setup(tmp_path, source)
    result = run("train.jsonl", "--format", "count")
    assert result.output == "1\n" and result.exit_code == 1
    unknown = run("train.jsonl", "--format", "xml")
    assert unknown.exit_code == 2 and "unknown output format 'xml'; available: count, github, gitlab, html, " \
        "json, json-lines, junit, sarif, text" in unknown.output


def test_a_format_that_raises_is_blamed_on_its_plugin(run, tmp_path):
    setup(tmp_path, '''
from ftlint import hookimpl
from ftlint.reporters import Reporter

class Broken(Reporter):
    name = "broken"
    def render(self, report, out):
        raise RuntimeError("no template")

@hookimpl
def register_reporters(register):
    register(Broken)
''')
    result = run("train.jsonl", "--format", "broken")
    assert result.exit_code == 2
    assert "ftlint: error: plugin " in result.output and "output format 'broken' raised RuntimeError: no template" \
        in result.output and "internal error" not in result.output


def test_builtins_come_through_ftlints_own_entry_points():
    eps = [ep for ep in importlib.metadata.entry_points(group="ftlint") if ep.dist and ep.dist.name == "ftlint"]
    assert {ep.value for ep in eps} >= {"ftlint.rules.file", "ftlint.rules.messages", "ftlint.reporters.text"}


def test_engine_and_reporters_know_no_rule_by_code():
    src = ROOT / "src" / "ftlint"
    names = ["engine.py", "inputs.py", "pool.py", "merge.py", "findings.py", "reader.py", "sniff.py", "example.py",
             "session.py", "selection.py", "report.py", "observer.py",
             *(f"cli/{p.name}" for p in (src / "cli").glob("*.py")),
             *(f"reporters/{p.name}" for p in (src / "reporters").glob("*.py"))]
    for name in names:
        assert not re.search(r"FT\d{3}", (src / name).read_text()), name


def test_disable_plugins_env(run, tmp_path, monkeypatch):
    monkeypatch.setenv("FTLINT_DISABLE_PLUGINS", "weight-rules")
    (tmp_path / "train.jsonl").write_text(BAD_WEIGHT)
    assert run("train.jsonl").exit_code == 0


def test_example_plugin_installs_and_registers_through_its_entry_point(tmp_path):
    # the root conftest.py installs the example plugin into the test environment
    assert importlib.metadata.distribution("ftlint-plugin-example").entry_points
    (tmp_path / "train.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "mail bob@corp.io"}]}\n')
    proc = subprocess.run([sys.executable, "-m", "ftlint", "train.jsonl", "--format", "json", "--isolated"],
                          capture_output=True, text=True, cwd=tmp_path)
    codes = [d["code"] for d in json.loads(proc.stdout)["diagnostics"]]
    assert "ACME002" in codes


HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "ftlint_spec")]


def test_hooks_are_known():
    assert HOOKS == ["register_models", "register_reporters", "register_rule_options", "register_rules",
                     "register_targets"]


def test_register_targets(run, tmp_path):
    source = """
from ftlint import hookimpl
from ftlint.catalog import Model
from ftlint.targets import Target

@hookimpl
def register_targets(register):
    register(Target("together", "Together AI fine-tuning", "Together's check_file",
                    severity={"FT2": "error"}, rules={"weight-on-non-assistant": {}}))

@hookimpl
def register_models(register):
    register(Model(name="llama-3-8b", target="together", encoding="cl100k_base", example_limit=8192,
                   methods=frozenset({"supervised"})))
"""
    setup(tmp_path, source, 'target = "together"\n')
    (tmp_path / "train.jsonl").write_text(DATA.replace(
        '{"role": "user", "content": "Hey"}, {"role": "assistant", "content": "TODO"}',
        '{"role": "user", "content": "Hi"}, {"role": "user", "content": "?"}, {"role": "assistant", "content": "x"}'))
    result = run("train.jsonl", "--format", "json")
    found = {(d["code"], d["severity"]) for d in json.loads(result.output)["diagnostics"]}
    assert ("FT204", "error") in found  # the target made the FT2 family errors
    assert "llama-3-8b" in run("models").output


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))  # noqa: E501
    assert f"def test_{hook}" in tests


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert f"### `{hook}(register)`" in docs
    assert inspect.getdoc(getattr(hookspecs, hook))


def test_a_crashing_rule_is_reported_once_with_its_count_in_parallel_runs(run, tmp_path, monkeypatch):
    setup(tmp_path, RULE_FILE.replace('yield Finding(pointer + "/content", "answer still says TODO", '
                                      '"write the answer")',
                                      'pass').replace('    def check(self, ex):\n',
                                                      '    def check(self, ex):\n        if ex.line % 100 == 0:\n'
                                                      '            raise ValueError("boom")\n'))
    (tmp_path / "train.jsonl").write_text(good_lines(1000))
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", "20000")
    one, two = run("train.jsonl", "-j", "1"), run("train.jsonl", "-j", "2")
    message = ("rule ORG001 todo-in-answer (plugin org_rules): raised ValueError: boom at train.jsonl:100 "
               "(and 9 more times)")
    assert one.exit_code == two.exit_code == 2
    assert one.output.count("raised ValueError") == two.output.count("raised ValueError") == 1
    assert message in one.output and message in two.output


@pytest.mark.parametrize("attrs, said", [
    ('formats = frozenset({"stf"})', "formats names 'stf', which no example has"),
    ('formats = "sft"', "formats must be a set of format names"),
    ('when = frozenset({"role:asistant"})', "when names 'role:asistant', which no example has"),
    ('when = "weight"', "when must be a set of feature names"),
])
def test_a_rule_whose_formats_or_when_has_a_typo_is_a_plugin_error(run, tmp_path, attrs, said):
    source = RULE_FILE.replace('    summary = "An assistant answer with TODO in it"\n',
                               f'    summary = "An assistant answer with TODO in it"\n    {attrs}\n')
    setup(tmp_path, source)
    result = run("train.jsonl")
    assert result.exit_code == 2
    assert "plugin org_rules: rule ORG001 (todo-in-answer): " + said in result.output


def test_a_gate_given_as_a_set_still_works(run, tmp_path):
    setup(tmp_path, RULE_FILE.replace('    summary = "An assistant answer with TODO in it"\n',
                                      '    summary = "An assistant answer with TODO in it"\n'
                                      '    when = {"role:assistant"}\n    formats = ["sft"]\n'))
    result = run("train.jsonl", "--format", "json")
    assert (51, "ORG001") in diagnostics(result)
