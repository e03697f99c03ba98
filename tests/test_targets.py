"""Target profiles are policy as data: which rules apply, at what severity, with what options,
how messages name the provider, and which API it speaks."""

from __future__ import annotations

import json

import pytest

from conftest import good_lines, lint

BOM = b"\xef\xbb\xbf"
DATA = good_lines(60).encode()


def codes_and_severities(report) -> set:
    return {(d.code, d.severity.label) for d in report.diagnostics}


def test_a_bom_is_a_warning_for_openai_and_fine_for_azure_openai():
    assert ("FT002", "warning") in codes_and_severities(lint(BOM + DATA, target="openai"))
    assert "FT002" not in {d.code for d in lint(BOM + DATA, target="azure-openai").diagnostics}
    # a user who wants it anyway names it
    wanted = lint(BOM + DATA, target="azure-openai", extend_select=["byte-order-mark"])
    assert "FT002" in {d.code for d in wanted.diagnostics}


def test_messages_name_the_provider_in_force():
    few = good_lines(3)
    assert "OpenAI rejects training files" in lint(few, target="openai").diagnostics[0].message
    azure = [d.message for d in lint(few, target="azure-openai").diagnostics if d.code == "FT701"]
    assert azure and azure[0].startswith("the file has 3 example(s); Azure OpenAI rejects")


TARGET_PLUGIN = '''
from ftlint import hookimpl
from ftlint.targets import Api, Target

@hookimpl
def register_targets(register):
    register(Target("acme", "ACME's trainer", "ACME docs", provider="ACME",
                    api=Api({kind!r}, "https://ft.acme.invalid/v1", "bearer", "ACME_KEY"),
                    ignore=("consecutive-same-role", "FT2"), severity={{"unknown-role": "warning"}}))
'''


def test_a_plugin_target_turns_rules_off_and_speaks_an_api(run, tmp_path):
    (tmp_path / "acme.py").write_text(TARGET_PLUGIN.format(kind="openai-compatible"))
    (tmp_path / "ftlint.toml").write_text('plugins = ["acme.py"]\ntarget = "acme"\n')
    (tmp_path / "d.jsonl").write_text(good_lines(60) + '{"messages": [{"role": "human", "content": "Hi"}]}\n')
    doc = json.loads(run("check", "d.jsonl", "--format", "json").stdout)
    found = {(d["code"], d["severity"]) for d in doc["diagnostics"]}
    assert ("FT103", "warning") in found  # severity from the profile
    assert not any(code.startswith("FT2") for code, _ in found)  # FT201 (no assistant) is off there
    listed = {t["name"]: t for t in json.loads(run("targets", "--format", "json").stdout)}
    assert listed["acme"]["api"] == {"kind": "openai-compatible", "base_url": "https://ft.acme.invalid/v1",
                                     "auth": "bearer", "key_env": "ACME_KEY", "uploads_above": 500_000_000}
    assert listed["azure-openai"]["ignore"] == ["byte-order-mark"]


def test_a_target_with_an_unknown_api_kind_is_a_plugin_error(run, tmp_path):
    (tmp_path / "acme.py").write_text(TARGET_PLUGIN.format(kind="soap"))
    (tmp_path / "ftlint.toml").write_text('plugins = ["acme.py"]\n')
    result = run("targets")
    assert result.exit_code == 2
    assert "acme.py: register_targets raised ValueError: api kind must be one of" in result.stderr


@pytest.mark.parametrize("bad, said", [('ignore=("no-such-rule",)', "no-such-rule")])
def test_a_target_that_ignores_an_unknown_rule_is_named(run, tmp_path, bad, said):
    (tmp_path / "acme.py").write_text(
        "from ftlint import hookimpl\nfrom ftlint.targets import Target\n\n@hookimpl\n"
        f"def register_targets(register):\n    register(Target('acme', 'ACME', 'docs', {bad}))\n")
    (tmp_path / "ftlint.toml").write_text('plugins = ["acme.py"]\ntarget = "acme"\n')
    (tmp_path / "d.jsonl").write_text(good_lines(60))
    result = run("check", "d.jsonl")
    assert result.exit_code == 2 and "target acme" in result.stderr and said in result.stderr


PROVIDER_RULE = '''
from ftlint import Finding, Rule, hookimpl
from ftlint.targets import Target

class NoSystemPrompt(Rule):
    code = "ACM001"
    name = "acme-no-system-prompt"
    summary = "ACME's trainer takes no system messages"
    targets = frozenset({"acme"})

    def check(self, ex):
        if "system" in ex.roles:
            return [Finding("/messages/0", "ACME takes no system message")]

@hookimpl
def register_rules(register):
    register(NoSystemPrompt)

@hookimpl
def register_targets(register):
    register(Target("acme", "ACME's trainer", "ACME docs", provider="ACME"))
'''


def test_a_provider_brings_rules_that_run_under_its_target_only(run, tmp_path):
    (tmp_path / "acmeft.py").write_text(PROVIDER_RULE)
    (tmp_path / "ftlint.toml").write_text('plugins = ["acmeft.py"]\n')
    row = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi %d"}, ' \
          '{"role": "assistant", "content": "Hello."}]}\n'
    (tmp_path / "d.jsonl").write_text("".join(row % i for i in range(60)))
    under_acme = json.loads(run("check", "d.jsonl", "--target", "acme", "--format", "json").stdout)
    under_openai = json.loads(run("check", "d.jsonl", "--format", "json").stdout)
    assert "ACM001" in {d["code"] for d in under_acme["diagnostics"]}
    assert "ACM001" not in {d["code"] for d in under_openai["diagnostics"]}
    listed = {r["code"]: r for r in json.loads(run("rules", "--format", "json").stdout)}
    assert listed["ACM001"]["targets"] == ["acme"]
