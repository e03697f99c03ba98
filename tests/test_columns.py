"""The dataset rules' per-example keys spill to disk past a bound and are grouped a bucket at a
time past another: the findings are the same, in the same order, and memory stays bounded."""

from __future__ import annotations

import json
import os
import pickle
import random
from array import array

import pytest

import ftlint.rules.columns as columns
from conftest import good_lines, line
from ftlint.rules.columns import Columns, repeated_groups
from ftlint.session import Session


def test_spilled_columns_read_back_what_was_appended_in_order(monkeypatch):
    monkeypatch.setattr(columns, "SPILL_ROWS", 7)
    a, b = Columns("QI"), Columns("QI")
    rows = [(random.getrandbits(64), random.getrandbits(32)) for _ in range(50)]
    for row in rows[:23]:
        a.append(row)
    for row in rows[23:]:
        b.append(row)
    assert a.files is not None and len(a.live[0]) < 7  # most of it is on disk
    a.extend(b)
    assert [tuple(r) for r in zip(*a.columns())] == rows and len(a) == 50
    again = pickle.loads(pickle.dumps(a))  # crossing processes brings the rows back into memory
    assert [tuple(r) for r in zip(*again.columns())] == rows and again.files is None


def test_groups_found_a_bucket_at_a_time_are_the_same_groups_in_the_same_order(monkeypatch):
    rng = random.Random(5)
    keys = array("Q", (rng.getrandbits(64) for _ in range(5000)))
    for i in range(0, 5000, 7):
        keys[i] = keys[rng.randrange(5000)]
    locs = array("Q", rng.sample(range(1, 10**6), 5000))
    whole = list(repeated_groups(keys, locs))
    monkeypatch.setattr(columns, "BUCKET_ROWS", 300)
    assert list(repeated_groups(keys, locs)) == whole and len(whole) > 100
    narrow = array("I", (k & 0xFFFFFFFF for k in keys))  # 4-byte keys take their top bits too
    monkeypatch.setattr(columns, "BUCKET_ROWS", 10**9)
    expected = list(repeated_groups(narrow, locs))
    monkeypatch.setattr(columns, "BUCKET_ROWS", 300)
    assert list(repeated_groups(narrow, locs)) == expected


def keys_seen_twice(monkeypatch, n: int, every: int, apart: int, seed: int) -> array:
    """``n`` random keys, the one at every ``every``-th row seen again ``apart`` rows later;
    grouped in small buckets, so that many buckets are counted."""
    monkeypatch.setattr(columns, "BUCKET_ROWS", 4096)
    monkeypatch.setattr(columns, "SCAN_ROWS", 8192)
    rng = random.Random(seed)
    keys = array("Q", (rng.getrandbits(64) for _ in range(n)))
    for i in range(0, n, every):
        keys[i + apart] = keys[i]
    return keys


def test_grouping_many_rows_holds_one_bucket_in_memory(monkeypatch):
    import tracemalloc

    n = 500_000
    keys = keys_seen_twice(monkeypatch, n, 1000, 1, seed=9)  # 500 keys seen twice
    locs = array("Q", range(1, n + 1))
    tracemalloc.start()
    try:
        groups = list(repeated_groups(keys, locs))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert groups == [[i, i + 1] for i in range(0, n, 1000)]
    assert list(repeated_groups(keys, None)) == groups  # rows known to be in location order: no sort
    # with every row's index waiting in its bucket in memory, the peak was 2.5 MB here
    assert peak < 1_500_000, peak


def test_many_groups_wait_packed_while_the_buckets_are_counted(monkeypatch):
    import tracemalloc

    keys = keys_seen_twice(monkeypatch, 400_000, 8, 3, seed=3)  # 50,000 keys seen twice
    tracemalloc.start()
    try:
        seen = first = 0
        for members in repeated_groups(keys, None):
            assert members == [first, first + 3]
            seen += 1
            first += 8
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == 50_000
    # as a list of lists until all buckets were counted, the groups took 8.7 MB here
    assert peak < 2_000_000, peak


def test_groups_come_in_location_order_whatever_order_the_rows_were_added_in(monkeypatch):
    from ftlint.rules.duplicates import _Keyed

    monkeypatch.setattr(columns, "SPILL_ROWS", 64)
    state = _Keyed(1)
    for i in range(300):  # locations from last to first: row 0 is the last line
        state.table.append((i % 100, 300 - i))
    groups = list(state.groups(0))
    assert not state.in_order() and len(groups) == 100
    assert groups == [[k + 200, k + 100, k] for k in range(100)]  # each group from its first line on


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads resident memory from /proc")
def test_reading_spilled_keys_at_random_leaves_no_pages_resident():
    def resident_file_kb() -> int:
        with open("/proc/self/status") as fh:
            return next(int(row.split()[1]) for row in fh if row.startswith("RssFile:"))

    table = Columns("Q")
    table.live[0] = array("Q", range(4 << 20))  # 32 MB of keys
    table.spill()
    column = table.columns()[0]
    rng = random.Random(3)
    before = resident_file_kb()
    assert all(column[i] == i for i in (rng.randrange(4 << 20) for _ in range(512)))
    # memory-mapped, each read kept the pages around it: 64 KB, or a whole large folio (about
    # a megabyte) on newer kernels; 512 reads held 32 MB here
    assert resident_file_kb() - before < 2048


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_dataset_whose_keys_spill_gets_the_same_report(monkeypatch, tmp_path, jobs):
    data = tmp_path / "train.jsonl"
    text = good_lines(600)
    chat = line({"messages": [{"role": "user", "content": "Where is my order number 12345 today?"},
                              {"role": "assistant", "content": "It shipped yesterday and arrives soon."}]})
    near = chat.replace("today?", "today ?").replace("soon.", "soon!")
    data.write_text(text + chat + "\n" + text + near + "\n" + chat + "\n")  # copies, near copies, conflicts
    valid = tmp_path / "valid.jsonl"
    valid.write_text(good_lines(30))

    def report():
        session = Session.create(model="gpt-4o-mini")
        r = session.lint([str(data)], validation=[str(valid)], jobs=jobs, chunk_bytes=8192)
        return session.render(r, "json")

    expected = report()
    monkeypatch.setattr(columns, "SPILL_ROWS", 50)
    monkeypatch.setattr(columns, "BUCKET_ROWS", 100)
    assert report() == expected
    assert all(code in expected for code in ('"FT703"', '"FT704"', '"FT708"'))


@pytest.mark.parametrize("jobs", [1, 2])
def test_mixed_formats_reports_every_odd_line_and_keeps_runs_not_lines(tmp_path, jobs):
    from ftlint.rules.file import MixedFormats

    dpo = line({"input": {"messages": [{"role": "user", "content": "Pick one"}]},
                "preferred_output": [{"role": "assistant", "content": "A"}],
                "non_preferred_output": [{"role": "assistant", "content": "B"}]})
    rows = good_lines(900).splitlines()
    odd = {5, 6, 7, 300, 301, 899}  # runs of the second format, one at the end
    for n in odd:
        rows[n - 1] = dpo
    rows[100] = "{broken"  # a line of no format between two runs of the first
    rows[500] = ""
    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(rows) + "\n")
    session = Session.create()
    report = session.lint([str(data)], jobs=jobs, chunk_bytes=8192)  # many parts, merged
    assert sorted(d.line for d in report.diagnostics if d.code == "FT008") == sorted(odd)

    # What the state holds for 900 lines: runs, a few numbers a format, not a number a line.
    rule = MixedFormats.__new__(MixedFormats)
    state = rule.start(type("Ctx", (), {"method": "auto"})())
    for n in range(1, 901):
        if n in (101, 501):
            continue
        rule.observe(state, type("Ex", (), {"line": n, "kind": "dpo" if n in odd else "sft"})())
    assert list(state["dpo"]) == [5, 7, 300, 301, 899, 899]
    assert list(state["sft"]) == [1, 4, 8, 100, 102, 299, 302, 500, 502, 898, 900, 900]


@pytest.mark.parametrize("distinct", [12, 300])
def test_many_system_prompts_are_counted_the_same_whatever_the_parts(tmp_path, distinct):
    rows = [line({"messages": [{"role": "system", "content": f"You are assistant number {i % distinct}."},
                               {"role": "user", "content": f"Question {i}?"},
                               {"role": "assistant", "content": f"Answer {i}."}]}) for i in range(1200)]
    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(rows) + "\n")

    def message(**kw):
        report = Session.create().lint([str(data)], **kw)
        return [d.message for d in report.diagnostics if d.code == "FT709"]

    whole = message(jobs=1)
    assert whole == message(jobs=2, chunk_bytes=8192)  # some 15 parts, merged
    expected = "more than 40" if distinct > 40 else str(distinct)
    assert whole == [f"{expected} different system prompts; if inference uses one prompt, train with that one"]


def test_leakage_into_a_small_validation_set_holds_memory_for_the_leaks_not_the_training_rows():
    import tracemalloc

    from ftlint.rules.duplicates import ValidationLeakage, _Keyed

    rule = ValidationLeakage.__new__(ValidationLeakage)
    state = _Keyed(3)
    trained = 150_000

    def digest(n: int) -> int:  # spread like a real digest, whose top bits choose the bucket
        return (n * 0x9E3779B97F4A7C15) & (2**64 - 1)

    for i in range(trained):  # split, example digest, prompt digest, location
        state.table.append((0, digest(i), digest(trained + i), i + 1))
    for j in range(10):  # held out: the 1st copies a training example, the others a training prompt
        state.table.append((1, digest(7) if j == 0 else 12345, digest(trained + 99 + j), trained + j + 1))
    state.where = lambda where: ("train.jsonl" if where <= trained else "validation.jsonl", where)
    state.cite = lambda where, path: str(where)
    tracemalloc.start()
    try:
        found = list(rule.finish(state))  # a generator: the work happens as it is read
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(f.line, "prompt" in f.message) for f in found] == [(trained + 1, False)] + [
        (trained + j + 1, True) for j in range(1, 10)]
    # a table of the first place of every training example and prompt took about 30 MB here
    assert peak < 10_000_000, peak


def test_without_a_writable_temporary_folder_the_keys_and_groups_stay_in_memory_and_the_report_is_the_same(
        monkeypatch, tmp_path):
    import tempfile

    data = tmp_path / "train.jsonl"
    data.write_text(good_lines(400) + good_lines(400))  # every example twice: 400 groups
    monkeypatch.setattr(columns, "SPILL_ROWS", 50)
    monkeypatch.setattr(columns, "BUCKET_ROWS", 100)
    monkeypatch.setattr(columns, "SCAN_ROWS", 64)

    def report():
        session = Session.create()
        return session.render(session.lint([str(data)], jobs=1), "json")

    expected = report()
    assert [d["code"] for d in json.loads(expected)["diagnostics"]] == ["FT703"] * 400

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    assert report() == expected
