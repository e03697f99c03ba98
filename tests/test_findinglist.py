"""A run's findings held past a bound in a temporary file: read back in the order a sorted list
gives, the same report either way, and memory that does not grow with their number."""

from __future__ import annotations

import dataclasses
import json
import random
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

import ftlint.findinglist as findinglist
from conftest import line, written_peak
from ftlint.diagnostics import Diagnostic, Severity
from ftlint.findinglist import FindingList
from ftlint.session import Session


def diagnostics(n: int, seed: int = 7) -> list[Diagnostic]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        # few paths, lines and codes: many equal keys, whose order must be the order of adding
        out.append(Diagnostic(rng.choice(["a.jsonl", "b.jsonl", ""]), rng.randint(1, 40),
                              rng.choice(["FT301", "FT104"]), rng.choice(["", "/messages/0"]),
                              rng.choice([None, 3]), "name",
                              rng.choice(list(Severity)), f"message {i}", rng.choice([None, "fix it"]),
                              rng.choice([None, "excerpt"]), rng.choice(["", "safe"]), f"{i:016x}",
                              ((f"c{i}.jsonl", i + 1),) if i % 5 == 0 else ()))
    return out


@pytest.mark.parametrize("held,fan_in", [(7, 2), (16, 3), (1000, 16)])
def test_findings_past_the_bound_are_read_back_as_a_sorted_list_holds_them(monkeypatch, held, fan_in):
    monkeypatch.setattr(findinglist, "HELD", held)
    monkeypatch.setattr(findinglist, "FAN_IN", fan_in)
    monkeypatch.setattr(findinglist, "BLOCK", 5)
    items = diagnostics(500)
    found = FindingList()
    for d in items[:300]:
        found.append(d)
    expected = sorted(items[:300])  # list.sort: stable, by (path, line, code, pointer)
    assert found.spilled == (held < 300)
    for _ in range(2):  # a second read gives the same
        got = list(found)
        assert got == expected
        assert [d.message for d in got] == [d.message for d in expected]  # equal keys keep their order
        assert [dataclasses.astuple(d) for d in got] == [dataclasses.astuple(d) for d in expected]
    found.extend(items[300:])  # added after a read
    expected = sorted(items)
    assert [d.message for d in found] == [d.message for d in expected]
    assert len(found) == 500 and found == expected and found != expected[:-1]
    assert found[0] == expected[0] and found[-1] == expected[-1] and found[10:20] == expected[10:20]
    assert [d.message for d in found[::-50]] == [d.message for d in expected[::-50]]
    with pytest.raises(IndexError):
        found[500]
    tally = found.tally()
    assert sum(tally.values()) == 500
    assert tally["FT301", Severity.ERROR, "safe"] == sum(
        1 for d in items if (d.code, d.severity, d.fixable) == ("FT301", Severity.ERROR, "safe"))


def test_without_a_writable_temporary_folder_findings_stay_in_memory(monkeypatch):
    import tempfile

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    monkeypatch.setattr(findinglist, "HELD", 10)
    items = diagnostics(100)
    found = FindingList(items)
    assert not found.spilled
    assert [d.message for d in found] == [d.message for d in sorted(items)]


def many_findings(lines: int, tag: str = "") -> str:
    # each line: a weight of 1.0 (an error with a safe fix), the developer role and an unknown
    # key (folded into one finding a file); every 997th example repeats an earlier one (FT703)
    out = []
    for i in range(lines):
        n = i - 500 if i % 997 == 996 else i
        out.append(line({"messages": [{"role": "developer", "content": "Be brief."},
                                      {"role": "user", "content": f"Question {tag}{n}?"},
                                      {"role": "assistant", "content": f"Answer {tag}{n}.", "weight": 1.0}],
                         "extra": n}))
    return "\n".join(out) + "\n"


def test_a_lint_whose_findings_spill_reports_exactly_what_one_held_in_memory_reports(tmp_path, monkeypatch):
    (tmp_path / "a.jsonl").write_text(many_findings(3000))
    (tmp_path / "b.jsonl").write_text(many_findings(1200, "b"))
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    session = Session.create()

    def rendered(fmt):
        report = session.lint(paths, jobs=1)
        return report, session.render(report, fmt), session.render(report, "text")

    held, held_json, held_text = rendered("json")
    assert not held.diagnostics.spilled
    monkeypatch.setattr(findinglist, "HELD", 100)
    monkeypatch.setattr(findinglist, "FAN_IN", 3)
    spilled, spilled_json, spilled_text = rendered("json")
    assert spilled.diagnostics.spilled
    assert spilled_json == held_json and spilled_text == held_text
    assert session.render(spilled, "sarif") == session.render(held, "sarif")
    document = json.loads(spilled_json)
    codes = [d["code"] for d in document["diagnostics"]]
    assert codes.count("FT703") == 3 + 1  # the repeats, each found once
    folded = [d for d in document["diagnostics"] if d["code"] == "FT112"]
    assert [d["path"] for d in folded] == paths
    assert "3,000 lines like this one: 1, 2, 3, 4, 5, …" in folded[0]["message"]
    assert spilled.count(Severity.ERROR) == held.count(Severity.ERROR) == 4200 + 2  # FT302s, an FT112 a file
    assert spilled.fixable() == held.fixable() and spilled.by_code() == held.by_code()
    assert spilled.exit_code() == 1


def test_the_memory_a_lint_holds_does_not_grow_with_its_findings(tmp_path, monkeypatch):
    monkeypatch.setattr(findinglist, "HELD", 1000)
    session = Session.create()
    held = {}
    for lines in (4000, 16000):
        path = tmp_path / f"{lines}.jsonl"
        path.write_text(many_findings(lines))
        tracemalloc.start()
        try:
            report = session.lint([str(path)], jobs=1, chunk_bytes=1 << 18)
            held[lines] = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert len(report.diagnostics) == lines + 2 + lines // 997
    # in a list, 12,000 more findings would hold some 3 MB more (250 bytes each)
    assert held[16000] - held[4000] < 500_000, held


def test_junit_and_html_write_spilled_findings_without_holding_them(tmp_path, monkeypatch):
    (tmp_path / "b.jsonl").write_text(many_findings(1500, "b"))
    (tmp_path / "a.jsonl").write_text(many_findings(600))
    (tmp_path / "clean.jsonl").write_text("".join(line({"messages": [
        {"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": f"Hello {i}"}]}) + "\n"
        for i in range(20)))
    paths = [str(tmp_path / name) for name in ("clean.jsonl", "b.jsonl", "a.jsonl")]
    session = Session.create()
    held = session.lint(paths, jobs=1)
    monkeypatch.setattr(findinglist, "HELD", 100)
    spilled = session.lint(paths, jobs=1)
    assert spilled.diagnostics.spilled and not held.diagnostics.spilled
    for fmt in ("junit", "html"):
        assert session.render(spilled, fmt) == session.render(held, fmt), fmt
    # the suites come in path order, the file without findings where its path sorts
    suites = ET.fromstring(session.render(spilled, "junit"))
    assert [s.get("name").rsplit("/", 1)[-1] for s in suites] == ["a.jsonl", "b.jsonl", "clean.jsonl"]
    assert [len(s) for s in suites][2] == 1 and suites.get("failures") == str(len(held.diagnostics))

    # Writing 20,000 spilled findings holds the few being merged back (about 1.3 MB). Grouped
    # first, as both formats did, every finding came back into memory at once (11 MB here).
    monkeypatch.setattr(findinglist, "HELD", 1000)
    many = FindingList()
    for d in diagnostics(20_000):
        many.append(dataclasses.replace(d, path=str(tmp_path / f"{d.path or 'c'}.jsonl"),
                                        message=f"{d.message} {'x' * 150}"))
    spilled.diagnostics = many
    for fmt in ("junit", "html"):
        chars, peak = written_peak(session, spilled, fmt)
        assert chars > 2_000_000 and peak < 2_000_000, (fmt, chars, peak)
