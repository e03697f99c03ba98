"""Verdicts on real-shaped data (issue 12): each test holds the shape a real published file had,
and fails on the code before the fix: one verdict per file for foreign formats and per-file
facts, no near-duplicate noise, the rare class named, small splits left alone, the misses caught."""

from __future__ import annotations

from conftest import codes, line, lint


def rows(objs) -> str:
    return "".join(line(o) + "\n" for o in objs)


def test_alpaca_and_sharegpt_files_get_one_verdict_each_not_errors_on_every_line():
    alpaca = rows({"instruction": f"Summarise note {i}.", "input": f"note {i} text" if i % 2 else "",
                   "output": f"Summary {i}."} for i in range(200))
    report = lint(alpaca)
    assert codes(report) == ["FT019"]
    (d,) = report.diagnostics
    assert d.line == 1 and "200 line(s) are Alpaca instruction/input/output rows" in d.message
    assert '"role": "user"' in d.fix
    sharegpt = rows({"conversations": [{"from": "human", "value": f"hi {i}"}, {"from": "gpt", "value": "hey"}]}
                    for i in range(60))
    assert codes(lint(sharegpt)) == ["FT019"]
    # a real DPO row that happens to carry an "instruction" key stays DPO
    dpo = {"input": {"messages": [{"role": "user", "content": "Q"}]}, "instruction": "x",
           "preferred_output": [{"role": "assistant", "content": "A"}],
           "non_preferred_output": [{"role": "assistant", "content": "B"}], "output": "y"}
    assert "FT019" not in codes(lint(rows([dpo] * 3)))


def test_a_per_file_fact_is_said_once_with_the_count_and_the_first_lines(tmp_path, monkeypatch):
    from ftlint import lint_files

    multi = {"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                    {"role": "user", "content": "Capital of France?"}]},
             "preferred_output": [{"role": "assistant", "content": "Paris."}],
             "non_preferred_output": [{"role": "assistant", "content": "Lyon."}]}
    data = rows(dict(multi, input={"messages": multi["input"]["messages"][:2] + [
        {"role": "user", "content": f"Capital number {i}?"}]}) for i in range(200))
    report = lint(data)
    found = [d for d in report.diagnostics if d.code == "FT506"]
    assert len(found) == 1 and found[0].line == 1
    assert found[0].message.endswith("(200 lines like this one: 1, 2, 3, 4, 5, …)")
    # the same in parallel parts of one file
    (tmp_path / "dpo.jsonl").write_text(data * 40)
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", "4096")
    parallel = lint_files([str(tmp_path / "dpo.jsonl")], jobs=2, isolated=True)
    assert [d.message for d in parallel.diagnostics if d.code == "FT506"] == [
        found[0].message.replace("200 lines", "8,000 lines")]
