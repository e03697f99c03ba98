"""What the parent holds of the parts it takes back: the worker pool hands out parts a few at a
time, so it never holds more finished results than the workers were allowed to run ahead, however
long the file; and the findings it keeps hold the texts they repeat once (diagnostics.TextPool)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import ftlint.pool as pool
from ftlint.inputs import STDIN


@dataclass
class Part:
    index: int
    path: str = "data.jsonl"

    @property
    def display(self) -> str:
        return self.path


def linted_in_a_worker(part: Part) -> tuple:
    return ("worker", part.index)


class FakeLinter:
    errors: list = []


@pytest.mark.skipif(not pool.can_fork(), reason="workers are forked")
def test_parts_are_handed_out_a_window_at_a_time_and_come_back_in_order(monkeypatch):
    monkeypatch.setattr(pool, "_run_in_worker", linted_in_a_worker)  # the forked workers see it too
    planned = []

    def parts():
        for i in range(60):
            planned.append(i)
            yield Part(i, STDIN if i == 30 else "data.jsonl")

    results = pool.run_parallel(FakeLinter(), parts(), 2, lambda part: ("here", part.index))
    first = next(results)
    # Executor.map would have planned and submitted all 60 before the first result came back
    assert len(planned) <= pool.AHEAD * 2 + 1
    rest = list(results)
    assert [first, *rest] == [((("here" if i == 30 else "worker"), i), i != 30) for i in range(60)]


def _weight_two(i: int) -> str:
    import json

    return json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                    {"role": "assistant", "content": f"answer {i}", "weight": 2}]}) + "\n"


@pytest.mark.parametrize("jobs, cached", [(1, False), (2, False), (1, True)])
def test_a_problem_on_every_line_keeps_one_copy_of_its_texts_however_many_parts(tmp_path, monkeypatch, jobs,
                                                                                cached):
    from ftlint.session import Session

    path = tmp_path / "train.jsonl"
    path.write_text("".join(_weight_two(i) for i in range(400)))
    monkeypatch.delenv("FTLINT_NO_CACHE", raising=False)
    monkeypatch.setenv("FTLINT_CACHE_DIR", str(tmp_path / "cache"))
    session = Session.create(isolated=True)
    lint = lambda: session.lint([str(path)], jobs=jobs, chunk_bytes=4096,  # noqa: E731
                                cache=session.open_cache() if cached else None)
    report = lint()
    if cached:  # the second run takes every part from the cache, unpickled
        report = lint()
        assert report.reused[0] > 1 and report.reused[1] == 0
    found = [d for d in report.diagnostics if d.code == "FT302"]
    assert [d.line for d in found] == list(range(1, 401))
    # the parts came back separately (pickled from workers at -j 2), yet each text is held once
    for name in ("message", "pointer", "column"):
        values = [getattr(d, name) for d in found]
        assert len({id(v) for v in values}) == len(set(values)), name
    assert len({d.message for d in found}) == 1 and len({d.column for d in found}) == 3  # 1-9, 10-99, 100-400


def test_the_shared_texts_stay_within_their_bound_when_every_message_differs(monkeypatch):
    from ftlint.diagnostics import Diagnostic, TextPool

    monkeypatch.setattr(TextPool, "LIMIT", 50)
    texts = TextPool()
    diagnostics = [Diagnostic("train.jsonl", i, "FT704", message=f"near duplicate of line {i}") for i in range(1, 1000)]
    sizes = []
    for start in range(0, len(diagnostics), 10):
        texts.share(diagnostics[start:start + 10])
        sizes.append(len(texts.texts))
    assert max(sizes) <= 50 + 10 * len(TextPool.FIELDS)
    assert [d.message for d in diagnostics] == [f"near duplicate of line {i}" for i in range(1, 1000)]


def test_a_file_rule_reporting_many_lines_holds_its_message_once(tmp_path):
    from conftest import good_lines, line
    from ftlint.session import Session

    dpo = line({"input": {"messages": [{"role": "user", "content": "Pick one"}]},
                "preferred_output": [{"role": "assistant", "content": "A"}],
                "non_preferred_output": [{"role": "assistant", "content": "B"}]})
    rows = good_lines(300).splitlines()
    rows[100:200] = [dpo] * 100
    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(rows) + "\n")
    found = [d for d in Session.create(isolated=True).lint([str(data)], jobs=2, chunk_bytes=4096).diagnostics
             if d.code == "FT008"]
    assert [d.line for d in found] == list(range(101, 201))
    assert len({id(d.message) for d in found}) == 1  # made in the parent when the file ends
