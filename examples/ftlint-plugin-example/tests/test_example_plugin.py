"""The example plugin seen through ftlint's entry point, as a user who pip-installed it would."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ftlint.cli import create_cli

LINES = [
    {"messages": [{"role": "user", "content": "Who are you?"},
                  {"role": "assistant", "content": "As an AI language model, I cannot have opinions."}]},
    {"messages": [{"role": "user", "content": "Contact?"},
                  {"role": "assistant", "content": "Write to jane.doe@gmail.com or help@example.com."}]},
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
]


def run(tmp_path, monkeypatch, *args, config=""):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(x) + "\n" for x in LINES))
    # three lines are too few for a real training file; the size rules are not what we test here
    (tmp_path / "ftlint.toml").write_text('ignore = ["too-few-examples", "few-examples"]\n' + config)
    return CliRunner().invoke(create_cli(), ["train.jsonl", "--format", "json", *args])


def test_rules_arrive_through_the_entry_point(tmp_path, monkeypatch):
    result = run(tmp_path, monkeypatch)
    found = [(d["line"], d["code"], d["severity"]) for d in json.loads(result.output)["diagnostics"]]
    assert found == [(1, "ACME001", "warning"), (2, "ACME002", "error")]
    assert result.exit_code == 1


def test_options_come_from_config(tmp_path, monkeypatch):
    config = '[rules.email-in-assistant]\nallow-domains = ["example.com", "gmail.com"]\n' \
             '[rules.ACME001]\nphrases = ["hello"]\n'
    result = run(tmp_path, monkeypatch, config=config)
    found = [(d["line"], d["code"]) for d in json.loads(result.output)["diagnostics"]]
    assert found == [(3, "ACME001")]


def test_selectable_and_documented(tmp_path, monkeypatch):
    assert run(tmp_path, monkeypatch, "--select", "ACME").exit_code == 1
    assert run(tmp_path, monkeypatch, "--ignore", "ACME").exit_code == 0
    doc = CliRunner().invoke(create_cli(), ["rule", "banned-phrase"]).output
    assert doc.startswith("# ACME001 banned-phrase") and "`phrases`" in doc
    plugins = json.loads(CliRunner().invoke(create_cli(), ["plugins", "--format", "json"]).output)
    acme = next(p for p in plugins if p["name"] == "acme")
    assert acme["source"] == "entry point" and acme["distribution"] == "ftlint-plugin-example"
    assert acme["rules"] == ["ACME001", "ACME002"]
