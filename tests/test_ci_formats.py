"""The formats a CI gate reads: SARIF at GitHub's scale, annotations with workspace paths, JUnit,
GitLab Code Quality and JSON Lines (snapshots of examples/data/broken.jsonl), and several reports
from one run."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, good_lines, line

SNAPSHOTS = Path(__file__).parent / "snapshots"
BROKEN = (ROOT / "examples" / "data" / "broken.jsonl").read_bytes()
U, A = {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}


def sarif(run, *args) -> dict:
    result = run("check", *args, "--format", "sarif")
    return json.loads(result.stdout)["runs"][0]


def test_a_sarif_run_keeps_the_25000_most_severe_results_and_says_so(run, tmp_path):
    rows = "".join(line({"messages": [dict(U, content=f"Q{i}"), dict(A, content=f"A{i}", weight=1.0)]}) + "\n"
                   for i in range(25_200))  # an error on every row
    (tmp_path / "big.jsonl").write_text("\n" + rows)  # a blank line first: a warning, less severe than the rest
    doc = sarif(run, "big.jsonl")
    assert len(doc["results"]) == 25_000
    assert {r["level"] for r in doc["results"]} == {"error"}  # the warning gave way
    props = doc["properties"]["ftlint"]
    assert props["results"] == 25_201 and props["kept"] == 25_000 and props["by_rule"]["FT003"] == 1
    notes = doc["invocations"][0]["toolExecutionNotifications"]
    assert any("at most 25,000 results a run" in n["message"]["text"] for n in notes)


def test_sarif_rules_carry_their_pages_and_results_their_fingerprints_and_related_places(run, tmp_path):
    one = line({"messages": [U, A]}) + "\n"
    (tmp_path / "train.jsonl").write_text(good_lines(60) + one + one)
    doc = sarif(run, "train.jsonl")
    rule = next(r for r in doc["tool"]["driver"]["rules"] if r["id"] == "FT703")
    assert rule["name"] == "exact-duplicate" and rule["defaultConfiguration"] == {"level": "warning"}
    assert rule["help"]["markdown"].startswith("# FT703 exact-duplicate") and rule["fullDescription"]["text"]
    copy = next(r for r in doc["results"] if r["ruleId"] == "FT703")
    related = copy["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "train.jsonl" and related["region"]["startLine"] == 61
    # a finding keeps its fingerprint when lines are added above its example
    weight = line({"messages": [U, dict(A, weight=True)]}) + "\n"
    (tmp_path / "train.jsonl").write_text(good_lines(60) + weight)
    before = next(r for r in sarif(run, "train.jsonl")["results"] if r["ruleId"] == "FT302")
    (tmp_path / "train.jsonl").write_text(line({"messages": [dict(U, content="New"), A]}) + "\n" + good_lines(60)
                                          + weight)
    after = next(r for r in sarif(run, "train.jsonl")["results"] if r["ruleId"] == "FT302")
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 62
    assert after["partialFingerprints"] == before["partialFingerprints"]


def test_sarif_tells_the_errors_that_stopped_ftlint(run, tmp_path):
    (tmp_path / "train.jsonl").write_text(good_lines(60))
    doc = sarif(run, "train.jsonl", "missing.jsonl")
    assert doc["invocations"][0]["executionSuccessful"] is False
    assert "no such file or directory: missing.jsonl" in doc["invocations"][0]["toolExecutionNotifications"][0][
        "message"]["text"]


def test_paths_are_relative_to_the_workspace(run, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(good_lines(59) + line({"messages": [U, dict(A, weight=True)]})
                                                   + "\n")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    for path in ("./data", str(tmp_path / "data")):
        github = run("check", path, "--format", "github").stdout
        assert "::group::data/train.jsonl" in github and ",file=data/train.jsonl,line=60" in github
        doc = sarif(run, path)
        assert doc["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "data/train.jsonl"


def test_the_step_summary_puts_errors_first_and_shows_the_cost(run, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    rows = [line({"messages": [dict(U, content=f"Q{i}"), dict(A, content="Same.")]}) for i in range(40)]
    rows[5] = line({"messages": [dict(U, content="Q5"), dict(A, weight=True)]})
    (tmp_path / "train.jsonl").write_text("\n".join(rows * 2) + "\n")  # 40 copies (warnings), 2 errors
    run("check", "train.jsonl", "--format", "github", "--model", "gpt-4o-mini")
    text = summary.read_text()
    assert text.index("| FT302 |") < text.index("| FT703 |")
    assert "Estimated training cost on gpt-4o-mini" in text


def test_junit(run, tmp_path):
    (tmp_path / "broken.jsonl").write_bytes(BROKEN)
    (tmp_path / "clean.jsonl").write_text(good_lines(60))
    tree = ET.fromstring(run("check", ".", "--format", "junit").stdout)
    found = len(json.loads(run("check", ".", "--format", "json").stdout)["diagnostics"])
    assert tree.tag == "testsuites" and tree.get("failures") == str(found) and tree.get("tests") == str(found + 1)
    suites = {s.get("name"): s for s in tree}
    assert [c.get("name") for c in suites["clean.jsonl"]] == ["ftlint"]  # a passing case
    cases = suites["broken.jsonl"].findall("testcase")
    assert len(cases) == found and all(c.find("failure") is not None for c in cases)
    weight = next(c for c in cases if c.get("name").startswith("FT302"))
    assert weight.get("line") == "5" and "fix: write \"weight\": 1" in weight.find("failure").text


def test_gitlab_code_quality(run, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "broken.jsonl").write_bytes(BROKEN)
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    issues = json.loads(run("check", str(tmp_path / "data"), "--format", "gitlab").stdout)
    assert len(issues) == 11
    for issue in issues:  # the fields GitLab requires, with the values it takes
        assert issue["location"]["path"] == "data/broken.jsonl" and issue["location"]["lines"]["begin"] >= 1
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["description"] and issue["check_name"]
    assert len({i["fingerprint"] for i in issues}) == 11


def test_json_lines(run, tmp_path):
    (tmp_path / "broken.jsonl").write_bytes(BROKEN)
    lines = run("check", "broken.jsonl", "--format", "json-lines").stdout.splitlines()
    full = json.loads(run("check", "broken.jsonl", "--format", "json").stdout)
    assert [json.loads(x) for x in lines] == full["diagnostics"]


@pytest.mark.parametrize("fmt, name", [("junit", "broken.junit.xml"), ("gitlab", "broken.gitlab.json"),
                                       ("json-lines", "broken.findings.jsonl"), ("github", "broken.github.txt")])
def test_snapshot(run, tmp_path, fmt, name):
    (tmp_path / "broken.jsonl").write_bytes(BROKEN)
    got = run("check", "broken.jsonl", "--format", fmt).stdout
    snapshot = SNAPSHOTS / name
    if os.environ.get("FTLINT_UPDATE_SNAPSHOTS"):
        snapshot.write_text(got)
    assert got == snapshot.read_text(), f"{fmt} output changed; FTLINT_UPDATE_SNAPSHOTS=1 rewrites the snapshot"


def test_one_run_writes_every_report_asked_for(run, tmp_path):
    (tmp_path / "broken.jsonl").write_bytes(BROKEN)
    old = os.umask(0o027)
    try:
        result = run("check", "broken.jsonl", "--format", "github", "--report", "sarif=f.sarif", "--report",
                     "junit=f.xml")
    finally:
        os.umask(old)
    assert result.stdout.startswith("::group::broken.jsonl")
    assert json.loads((tmp_path / "f.sarif").read_text())["runs"][0]["results"]
    assert ET.parse(tmp_path / "f.xml").getroot().get("failures") == "11"
    assert oct(os.stat(tmp_path / "f.sarif").st_mode & 0o777) == oct(0o640)  # the umask's, not 0600
    bad = run("check", "broken.jsonl", "--report", "sarif")
    assert bad.exit_code == 2 and "--report takes FORMAT=FILE" in bad.output
    clash = run("check", "broken.jsonl", "--report", "junit=broken.jsonl")
    assert clash.exit_code == 2 and (tmp_path / "broken.jsonl").read_bytes() == BROKEN


def test_outside_ci_paths_are_relative_to_the_repository_top(run, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub" / "data").mkdir(parents=True)
    (tmp_path / "sub" / "data" / "t.jsonl").write_text(good_lines(59) + line({"messages": [U, dict(A, weight=True)]})
                                                       + "\n")
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path / "sub")
    doc = json.loads(run("check", "data", "--format", "sarif").stdout)["runs"][0]
    assert doc["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/data/t.jsonl"


def _require(obj: dict, where: str, **fields) -> None:
    for name, kind in fields.items():
        assert name in obj, f"{where} lacks '{name}'"
        assert isinstance(obj[name], kind), f"{where}.{name} is {type(obj[name]).__name__}"


def test_sarif_holds_what_the_2_1_0_schema_requires(run, tmp_path):
    """The properties SARIF 2.1.0 makes required, with their types, on every kind of object this
    reporter writes (run, driver, rule, result, location, region, notification)."""
    one = line({"messages": [U, A]}) + "\n"
    (tmp_path / "train.jsonl").write_text(good_lines(60) + one + one + line({"messages": [U, dict(A, weight=2)]}))
    doc = json.loads(run("check", "train.jsonl", "missing.jsonl", "--format", "sarif").stdout)
    _require(doc, "log", version=str, runs=list)
    assert doc["version"] == "2.1.0"
    levels = {"none", "note", "warning", "error"}
    for r in doc["runs"]:
        _require(r, "run", tool=dict, results=list, invocations=list)
        _require(r["tool"]["driver"], "driver", name=str, rules=list)
        ids = [rule["id"] for rule in r["tool"]["driver"]["rules"]]
        for rule in r["tool"]["driver"]["rules"]:
            _require(rule, "rule", id=str, shortDescription=dict, fullDescription=dict, defaultConfiguration=dict)
            _require(rule["shortDescription"], "message", text=str)
            assert rule["defaultConfiguration"]["level"] in levels
        for res in r["results"]:
            _require(res, "result", message=dict, ruleId=str, ruleIndex=int, locations=list,
                     partialFingerprints=dict)
            assert ids[res["ruleIndex"]] == res["ruleId"] and res["level"] in levels
            for loc in res["locations"] + res.get("relatedLocations", []):
                phys = loc["physicalLocation"]
                _require(phys["artifactLocation"], "artifactLocation", uri=str)
                assert phys["region"]["startLine"] >= 1
            for rel in res.get("relatedLocations", []):
                assert isinstance(rel["id"], int) and rel["id"] >= 0
        for inv in r["invocations"]:
            _require(inv, "invocation", executionSuccessful=bool)
            for note in inv["toolExecutionNotifications"]:
                _require(note, "notification", message=dict)
                assert note["level"] in levels
