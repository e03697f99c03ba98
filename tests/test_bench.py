"""The benchmark tool keeps working: a fresh ftlint process measured, and another revision run
alternately with this checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, good_lines


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_run_measures_a_file(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(good_lines(200))
    proc = bench("--file", str(data), "--repeat", "2", "--args", "--select FT0,FT1")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["examples"] == 200 and result["bytes"] == data.stat().st_size
    assert result["examples_per_s"] > 0 and result["median_mb_per_s"] <= result["mb_per_s"]
    assert len(result["runs"]) == 2 and result["host_check_ms"] > 0 and result["peak_all_processes_mb"] > 0
    assert "median of 2" in proc.stdout


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_against_runs_another_revision_alternately(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(good_lines(100))
    proc = bench("--file", str(data), "--against", "HEAD", "--args", "--select FT0")
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(proc.stdout.splitlines()[-1])
    assert set(runs) == {"this", "HEAD"} and all(len(r) == 1 for r in runs.values())
    worktrees = subprocess.run(["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True).stdout
    assert "ftlint-bench-" not in worktrees  # the temporary checkout is gone


def test_floor_counts_the_lines_and_tokens_it_was_given(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(good_lines(200))
    runs = {}
    for extra in ([], ["--parse-only"], ["--jobs", "2"]):
        proc = subprocess.run([sys.executable, str(ROOT / "bench" / "floor.py"), "--file", str(data), *extra],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        runs[" ".join(extra)] = json.loads(proc.stdout)
    assert {r["lines"] for r in runs.values()} == {200}
    assert runs[""]["tokens"] == runs["--jobs 2"]["tokens"] > 200 and runs["--parse-only"]["tokens"] == 0
    assert runs[""]["cpu_s"] > 0  # loading and running the tokenizer is never free
