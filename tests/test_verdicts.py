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
