"""The GitHub Action gate, run the way a workflow runs its step."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml
from conftest import BAD_WEIGHT, ROOT, good_lines

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the action's step is a bash script")


def test_action_metadata_passes_inputs_through_env():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = action["runs"]["steps"][0]
    assert set(step["env"]) == {"FTLINT_PATHS", "FTLINT_ARGS", "FTLINT_VERSION", "FTLINT_SARIF"}
    assert "${{" not in step["run"]  # no input is interpolated into the script
    assert set(action["inputs"]) == {"paths", "args", "version", "sarif"}


def test_action_step_annotates_summarises_and_fails_on_errors(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    (work / "data").mkdir()
    (work / "data" / "train.jsonl").write_text(BAD_WEIGHT)
    (work / "data" / "valid.jsonl").write_text(good_lines(20))
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = dict(os.environ, GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(tmp_path), GITHUB_STEP_SUMMARY=str(summary),
               GITHUB_OUTPUT=str(output), FTLINT_PATHS="data/train.jsonl", FTLINT_ARGS="--isolated",
               FTLINT_SARIF="true", FTLINT_VERSION="")
    proc = subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=work, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::error title=ftlint (FT302 invalid-weight),file=data/train.jsonl,line=50::" in proc.stdout
    assert "| 1 | FT302 | invalid-weight | error |" in summary.read_text()
    assert output.read_text().strip() == "exit-code=1"
    sarif = json.loads((work / "ftlint.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "FT302"
