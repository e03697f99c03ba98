"""A bounded run of the fuzz harness (tests/fuzzing.py): a few thousand hostile datasets in
process and a hundred through the CLI, every format and -j setting. Before a release, run it
long (see the harness's docstring)."""

from __future__ import annotations

import os

from fuzzing import fuzz


def test_hostile_datasets_are_judged_in_process_and_through_the_cli():
    inputs = int(os.environ.get("FTLINT_FUZZ_INPUTS", "3000"))
    failures = fuzz(inputs, inputs // 15, seed=int(os.environ.get("FTLINT_FUZZ_SEED", "20261129")), out=None)
    assert not failures, dict(failures)
