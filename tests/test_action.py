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
    cache, step = action["runs"]["steps"]
    assert cache["uses"].startswith("actions/cache@") and "ftlint-action-venv" in cache["with"]["path"]
    assert "inputs.version" in cache["with"]["key"]  # another ftlint, another virtualenv
    inputs = set(action["inputs"])
    assert inputs == {"paths", "args", "version", "sarif", "local-plugins", "submit", "submit-args", "max-cost",
                      "follow"}
    # every input reaches the script as FTLINT_<NAME>, and none is interpolated into it
    assert step["env"] == {f"FTLINT_{name.upper().replace('-', '_')}": f"${{{{ inputs.{name} }}}}" for name in inputs}
    assert "${{" not in step["run"]


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory):
    """One RUNNER_TEMP for the module: the steps of one job share it, and so the virtualenv."""
    return tmp_path_factory.mktemp("runner")


def step(work, runner_temp, **inputs):
    env = dict(os.environ, GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(runner_temp), FTLINT_VERSION="",
               FTLINT_SARIF="false", **inputs)
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.pop("GITHUB_OUTPUT", None)
    return subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=work, env=env, capture_output=True,
                          text=True, timeout=900)


def test_action_step_annotates_summarises_and_fails_on_errors(tmp_path, runner_temp):
    work = tmp_path / "repo"
    work.mkdir()
    (work / "data").mkdir()
    (work / "data" / "train.jsonl").write_text(BAD_WEIGHT)
    (work / "data" / "valid.jsonl").write_text(good_lines(20))
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = dict(os.environ, GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(runner_temp), GITHUB_STEP_SUMMARY=str(summary),
               GITHUB_OUTPUT=str(output), FTLINT_PATHS="data/train.jsonl", FTLINT_ARGS="--isolated",
               FTLINT_SARIF="true", FTLINT_VERSION="")
    proc = subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=work, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::error title=ftlint (FT302 invalid-weight),file=data/train.jsonl,line=50,col=102::" in proc.stdout
    assert "| 1 | FT302 | invalid-weight | error |" in summary.read_text()
    assert output.read_text().strip() == "exit-code=1"
    sarif = json.loads((work / "ftlint.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "FT302"
    assert proc.stdout.count("::group::") == 1  # one lint wrote both


def test_a_cached_virtualenv_that_no_longer_runs_is_made_again(tmp_path, runner_temp):
    (tmp_path / "a.jsonl").write_text(good_lines(60))
    assert step(tmp_path, runner_temp, FTLINT_PATHS="a.jsonl", FTLINT_ARGS="--isolated").returncode == 0
    python = runner_temp / "ftlint-action-venv" / "bin" / "python"
    python.unlink()
    python.write_text("#!/bin/sh\nexit 1\n")  # as a restored cache from another runner image would be
    python.chmod(0o755)
    proc = step(tmp_path, runner_temp, FTLINT_PATHS="a.jsonl", FTLINT_ARGS="--isolated")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_paths_as_a_yaml_block_list_are_all_linted(tmp_path, runner_temp):
    (tmp_path / "a.jsonl").write_text(good_lines(20))
    (tmp_path / "my data").mkdir()
    (tmp_path / "my data" / "b.jsonl").write_text(BAD_WEIGHT)
    # `paths: |` with one path a line; the second has a space and is quoted
    proc = step(tmp_path, runner_temp, FTLINT_PATHS='a.jsonl\n"my data/b.jsonl"\n', FTLINT_ARGS="--isolated")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "file=my data/b.jsonl,line=50" in proc.stdout


def test_a_path_input_cannot_pass_options_and_args_are_not_evaluated(tmp_path, runner_temp):
    (tmp_path / "c.jsonl").write_text(BAD_WEIGHT)
    proc = step(tmp_path, runner_temp, FTLINT_PATHS="--output-file=/tmp/x c.jsonl",
                FTLINT_ARGS='--isolated --stdin-filename "$(touch pwned)"')
    assert proc.returncode == 2  # '--output-file=/tmp/x' is a path that does not exist, not an option
    assert "no such file or directory: --output-file=/tmp/x" in proc.stderr
    assert not (tmp_path / "pwned").exists()
    proc = step(tmp_path, runner_temp, FTLINT_PATHS="c.jsonl", FTLINT_ARGS='--isolated --select "FT302, FT1"')
    assert proc.returncode == 1 and "FT302" in proc.stdout


def test_local_plugins_can_be_kept_from_running(tmp_path, runner_temp):
    (tmp_path / "evil.py").write_text("open('ran', 'w').close()\n")
    (tmp_path / "ftlint.toml").write_text('plugins = ["evil.py"]\n')
    (tmp_path / "d.jsonl").write_text(good_lines(60))
    proc = step(tmp_path, runner_temp, FTLINT_PATHS="d.jsonl", FTLINT_LOCAL_PLUGINS="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (tmp_path / "ran").exists()
    assert step(tmp_path, runner_temp, FTLINT_PATHS="d.jsonl").returncode == 0
    assert (tmp_path / "ran").exists()


def _submit_step(work, runner_temp, tmp_path, fake, **inputs):
    output, summary = tmp_path / "output.txt", tmp_path / "summary.md"
    env = dict(os.environ, GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(runner_temp), FTLINT_VERSION="",
               FTLINT_SARIF="false", FTLINT_PATHS="data", FTLINT_ARGS="--isolated", GITHUB_OUTPUT=str(output),
               GITHUB_STEP_SUMMARY=str(summary), OPENAI_API_KEY="sk-action-SECRET-424242",
               FTLINT_STATE_DIR=str(tmp_path / "state"), FTLINT_POLL_INTERVAL="0.001",
               FTLINT_SUBMIT="data/train.jsonl",
               FTLINT_SUBMIT_ARGS=f"--model gpt-4o-mini --isolated --base-url {fake.base_url}", **inputs)
    proc = subprocess.run(["bash", str(ROOT / "action" / "run.sh")], cwd=work, env=env, capture_output=True,
                          text=True, timeout=900)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
    return proc, outputs, summary.read_text() if summary.exists() else ""


def test_submit_mode_launches_one_job_once_the_lint_passes(tmp_path, runner_temp, fake):
    work = tmp_path / "repo"
    (work / "data").mkdir(parents=True)
    (work / "data" / "train.jsonl").write_text(good_lines(60))
    proc, outputs, summary = _submit_step(work, runner_temp, tmp_path, fake, FTLINT_MAX_COST="5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (job_id,) = fake.service.jobs
    assert outputs["job-id"] == job_id and outputs["exit-code"] == "0"
    assert f"Fine-tuning job `{job_id}`: validating_files" in summary
    assert "sk-action-SECRET" not in proc.stdout + proc.stderr + summary
    # the workflow rerun on a fresh runner (no state): the same job, no second one
    (tmp_path / "rerun").mkdir()
    again, outputs, _ = _submit_step(work, runner_temp, tmp_path / "rerun", fake, FTLINT_MAX_COST="5")
    assert again.returncode == 0 and outputs["job-id"] == job_id and len(fake.service.jobs) == 1


@pytest.mark.parametrize("data, inputs, code, said", [
    (BAD_WEIGHT, {"FTLINT_MAX_COST": "5"}, 1, "FT302"),
    (None, {}, 2, "submit needs max-cost"),
    (None, {"FTLINT_MAX_COST": "0.0000001"}, 4, "over --max-cost"),
])
def test_submit_mode_makes_no_request_without_a_clean_lint_and_a_budget(tmp_path, runner_temp, fake, data, inputs,
                                                                         code, said):
    work = tmp_path / "repo"
    (work / "data").mkdir(parents=True)
    (work / "data" / "train.jsonl").write_text(data or good_lines(60))
    proc, outputs, _ = _submit_step(work, runner_temp, tmp_path, fake, **inputs)
    assert proc.returncode == code and said in proc.stdout + proc.stderr
    assert outputs["exit-code"] == str(code) and fake.service.requests == []


def test_a_quoted_argument_arrives_without_its_quotes(tmp_path, runner_temp):
    (tmp_path / "a.jsonl").write_text(good_lines(60))
    proc = step(tmp_path, runner_temp, FTLINT_PATHS="a.jsonl", FTLINT_ARGS='--isolated --model "gpt-4o-mini"')
    assert proc.returncode == 0, proc.stdout + proc.stderr  # a model named '"gpt-4o-mini"' would be FT801
    assert "FT801" not in proc.stdout
