"""The worker pool hands out parts a few at a time: the parent never holds more finished results
than the workers were allowed to run ahead, however long the file."""

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
