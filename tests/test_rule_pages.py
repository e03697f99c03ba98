"""The rule pages in rules/ are the rules' documentation; their examples are run here, so the docs
cannot drift from the code."""

from __future__ import annotations

import ast
import json
import re

import pytest

from conftest import ROOT, codes
from ftlint.config import Config
from ftlint.diagnostics import Severity
from ftlint.docs import examples, rule_doc, section
from ftlint.plugins import build_registry
from ftlint.session import Session

REGISTRY = build_registry()
BUILTIN = {code: cls for code, cls in REGISTRY.rules.items() if cls.plugin and
           next(p for p in REGISTRY.plugins if p.name == cls.plugin).source == "built-in"}
PAGES = sorted((ROOT / "rules").glob("*.md"))


SIZE_RULES = ["FT701", "FT702"]


def lint_block(lang: str, settings: dict[str, str], body: str, code: str = ""):
    data = ast.literal_eval(body.strip()) if lang == "bytes" else body.encode()
    cfg = Config()
    # page examples are a few lines long; only the size rules' own pages judge their size
    cfg.ignore = [c for c in SIZE_RULES if c != code]
    cfg.extend_select = [code] if code else []  # an opt-in rule runs when named
    split = int(settings.pop("validation-from", 0))
    for key, value in settings.items():
        if key.startswith(("rules.", "models.")):
            table, name, option = key.split(".", 1)[0], *key.split(".", 1)[1].rsplit(".", 1)
            getattr(cfg, table).setdefault(name, {})[option] = json.loads(value)
        else:
            setattr(cfg, key, value)
    session = Session.create(config=cfg)
    if not split:
        return session.lint_bytes(data, "example.jsonl")
    import tempfile
    from pathlib import Path

    lines = data.splitlines(keepends=True)
    with tempfile.TemporaryDirectory() as tmp:
        train, valid = Path(tmp, "train.jsonl"), Path(tmp, "valid.jsonl")
        train.write_bytes(b"".join(lines[:split - 1]))
        valid.write_bytes(b"".join(lines[split - 1:]))
        return session.lint([str(train)], validation=[str(valid)])



def test_every_rule_has_a_page_and_every_page_a_rule():
    page_codes = {p.stem for p in PAGES}
    assert set(BUILTIN) - page_codes == set(), "rules without a page in rules/"
    assert page_codes - set(BUILTIN) == set(), "pages in rules/ that name no rule"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_page_is_complete(page):
    cls = BUILTIN[page.stem]
    text = page.read_text()
    assert text.startswith(f"# {cls.code} {cls.name}\n"), "the title is '# CODE name'"
    assert f"**Default severity:** {Severity.parse(cls.severity).label}" in text
    for title in ("What it checks", "Why", "Options", "Bad", "Good"):
        assert section(text, title).strip(), f"section '{title}' is empty"
    for option in cls.options:
        assert f"`{option}`" in section(text, "Options"), f"option {option} is not documented"
    assert rule_doc(cls) == text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_bad_examples_trigger_the_rule(page):
    blocks = examples(page.read_text(), "Bad")
    assert blocks
    for lang, settings, body in blocks:
        report = lint_block(lang, dict(settings), body, page.stem)
        assert not report.errors
        assert page.stem in codes(report), f"bad example does not trigger {page.stem}: {body[:80]}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_good_examples_are_clean(page):
    blocks = examples(page.read_text(), "Good")
    assert blocks
    for lang, settings, body in blocks:
        report = lint_block(lang, dict(settings), body, page.stem)
        assert not report.errors
        assert page.stem not in codes(report)
        errors = [f"{d.code} {d.message}" for d in report.diagnostics if d.severity == Severity.ERROR]
        assert errors == [], f"good example of {page.stem} has errors"


def test_rule_command_shows_the_page(run):
    result = run("rule", "invalid-weight")
    assert result.exit_code == 0
    assert result.output.startswith("# FT302 invalid-weight")
    assert "## Bad" in result.output and "1.0" in result.output
    assert run("rule", "FT302").output == result.output
    missing = run("rule", "invalid-wieght")
    assert missing.exit_code == 2 and "did you mean 'invalid-weight'" in missing.output


def test_codes_follow_the_families():
    for code, cls in BUILTIN.items():
        assert re.fullmatch(r"FT[0-8]\d\d", code)
        assert cls.__module__.rsplit(".", 1)[-1] in {
            "0": {"file", "encoding"}, "1": {"messages"}, "2": {"order"}, "3": {"weights"}, "4": {"tools"},
            "5": {"preference"}, "6": {"tokens"},
            "7": {"dataset", "duplicates", "consistency", "recipe", "privacy"}, "8": {"target"}}[code[2]]


# What a page's "Formats" line may say, and the scope and formats of the rule it then describes
# (None: any formats). A plain list ("sft, dpo") must equal the rule's formats.
SCOPES = {"lines that do not parse": ("example", {"invalid"}),
          "every parsed line": ("example", {"sft", "dpo", "rft", "legacy", "foreign", "unknown"}),
          "lines of no known format": ("example", {"unknown"}),
          "file": ("file", None), "training files": ("dataset", None), "validation files": ("dataset", None),
          "the run": ("dataset", None)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_page_states_the_rules_formats_and_scope(page):
    cls = BUILTIN[page.stem]
    said = re.search(r"\*\*Formats:\*\* ([^\n(]+)", page.read_text()).group(1).strip()
    scope, formats = SCOPES.get(said) or ("example", {f.strip() for f in said.split(",")})
    assert cls.describe()["scope"] == scope, f"the page says {said!r}"
    if formats is not None:
        assert set(cls.formats) == formats, f"the page says {said!r}, the rule has {sorted(cls.formats)}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_rule_said_once_per_file_says_so_on_its_page(page):
    assert ("reported once per file" in page.read_text()) >= BUILTIN[page.stem].once_per_file


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_page_has_a_fix_section_exactly_when_its_rule_has_a_fix(page):
    cls = BUILTIN[page.stem]
    said = section(page.read_text(), "Fix").strip()
    if cls.autofix is None:
        assert not said, "the page describes a fix the rule does not have"
    else:
        assert said.startswith("Safe (`ftlint fix`)" if cls.autofix.safe else "Unsafe (`ftlint fix --unsafe-fixes`)")


FIXABLE = [p for p in PAGES if BUILTIN[p.stem].autofix is not None]


@pytest.mark.parametrize("page", FIXABLE, ids=lambda p: p.stem)
def test_the_fix_repairs_every_bad_example_of_its_page(page, tmp_path):
    cls = BUILTIN[page.stem]
    for lang, _, body in examples(page.read_text(), "Bad"):
        data = ast.literal_eval(body.strip()) if lang == "bytes" else body.encode()
        path = tmp_path / "example.jsonl"
        path.write_bytes(data)
        cfg = Config()
        cfg.ignore = [c for c in SIZE_RULES if c != page.stem]
        session = Session.create(config=cfg)
        found = [d for d in session.lint([str(path)]).diagnostics if d.code == page.stem]
        assert found and all(d.fixable == cls.autofix.safety for d in found)
        run = session.fix([str(path)], unsafe=not cls.autofix.safe)
        assert not run.errors and run.files[0].changed
        assert page.stem not in codes(session.lint([str(path)])), f"the fix left {page.stem} in {body[:80]}"
