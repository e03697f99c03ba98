"""`ftlint submit` end to end: the real CLI and the real openai client against the fake service
on 127.0.0.1, asserting on what the server stored and on exit codes, JSON and secrecy."""

from __future__ import annotations

import json
import re

import pytest

from conftest import API_KEY, BAD_WEIGHT, good_lines

pytest.importorskip("openai")

from fake_openai import Fault  # noqa: E402

KEY = API_KEY


def posts(fake, path: str) -> int:
    return sum(1 for r in fake.service.requests if r["method"] == "POST" and r["path"] == path)


def test_a_submission_uploads_once_creates_once_and_follows_to_the_end(submit, fake, tmp_path):
    result = submit("--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["job"]["status"] == "succeeded" and doc["job"]["fine_tuned_model"].startswith("ft:gpt-4o-mini")
    assert doc["estimate"]["billed_tokens"] > 0 and doc["lint"]["errors"] == 0 and not doc["resumed"]
    assert len(fake.service.files) == 1 and len(fake.service.jobs) == 1
    job = next(iter(fake.service.jobs.values()))
    assert job["metadata"]["ftlint_key"] == doc["key"] and job["method"] == {"type": "supervised"}
    # a rerun, and a rerun on a fresh machine (no state), adopt the same job
    again = json.loads(submit("--yes", "--format", "json").stdout)
    (tmp_path / "state").rename(tmp_path / "old-state")
    fresh = json.loads(submit("--yes", "--format", "json").stdout)
    assert again["job"]["id"] == fresh["job"]["id"] == doc["job"]["id"] and again["resumed"] and fresh["resumed"]
    assert len(fake.service.files) == 1 and len(fake.service.jobs) == 1
    # the key is nowhere but in the Authorization header
    state = "".join(p.read_text() for p in (tmp_path / "old-state").glob("*.json"))
    assert KEY not in result.output + again["key"] + state


def test_text_output_follows_events_and_names_the_model(submit, fake):
    result = submit("--yes")
    assert result.exit_code == 0
    assert "Job is running" in result.stderr and "step 1/2 (50%), loss 0.5000" in result.stderr
    assert "Estimated training cost on gpt-4o-mini" in result.stderr
    assert result.stdout.startswith("ftjob-") and "succeeded ft:gpt-4o-mini" in result.stdout
    # the trained tokens priced next to the estimate, and the checkpoints
    assert "trained tokens: 12,345 ≈ $0.04 at $3/1M (estimated $0.01 for 3,420 tokens)" in result.stderr
    assert "checkpoint step 1: ft:gpt-4o-mini-2024-07-18:org::" in result.stderr
    assert "az cognitiveservices" not in result.stderr  # a deploy hint is Azure's alone


@pytest.mark.parametrize("args, code, said", [
    (["--yes", "--max-cost", "0.0000001"], 4, "over --max-cost"),
    ([], 4, "not confirmed"),
    (["--dry-run"], 0, "would upload train.jsonl"),
])
def test_nothing_reaches_the_service_before_the_budget_and_the_user_agree(submit, fake, args, code, said):
    result = submit(*args)
    assert result.exit_code == code, result.output
    assert said in result.stderr
    assert fake.service.requests == []


def test_lint_errors_refuse_with_no_request_and_force_records_it(submit, fake, tmp_path):
    (tmp_path / "bad.jsonl").write_text(BAD_WEIGHT)
    result = submit("--yes", data="bad.jsonl")
    assert result.exit_code == 1 and "FT302" in result.stderr and "--force" in result.stderr
    assert fake.service.requests == []
    forced = submit("--yes", "--force", "--detach", data="bad.jsonl")
    assert forced.exit_code == 0
    assert next(iter(fake.service.jobs.values()))["metadata"]["ftlint_forced"] == "lint errors"


def test_a_model_whose_training_ended_is_refused_before_any_request(run, fake, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    (tmp_path / "train.jsonl").write_text(good_lines(60))
    result = run("submit", "train.jsonl", "--model", "gpt-4.1-nano", "--base-url", fake.base_url, "--yes")
    assert result.exit_code == 2 and "takes no new training jobs" in result.stderr
    assert "gpt-4o-mini-2024-07-18" in result.stderr  # the alternatives
    assert fake.service.requests == []


def test_a_failed_job_exits_3_with_its_error_and_needs_new_to_start_again(submit, fake):
    fake.service.job_error = {"code": "invalid_training_file", "message": "line 3 is bad", "param": "training_file"}
    result = submit("--yes")
    assert result.exit_code == 3 and "invalid_training_file: line 3 is bad (param training_file)" in result.stderr
    assert "run `ftlint check train.jsonl` with the same --model" in result.stderr
    again = submit("--yes")
    assert again.exit_code == 3 and "--new" in again.stderr and len(fake.service.jobs) == 1
    fake.service.job_error = None
    fresh = submit("--yes", "--new")
    assert fresh.exit_code == 0 and len(fake.service.jobs) == 2 and len(fake.service.files) == 1


@pytest.mark.parametrize("route", ["POST /files", "POST /fine_tuning/jobs"])
def test_a_connection_dropped_after_the_server_stored_creates_nothing_twice(submit, fake, route):
    fake.service.faults[route] = [Fault(drop="after"), Fault(status=500)]
    result = submit("--yes", "--detach")
    assert result.exit_code == 0, result.output
    assert len(fake.service.files) == 1 and len(fake.service.jobs) == 1


def test_a_service_that_stays_down_is_exit_5_without_the_key(submit, fake):
    fake.service.faults["POST /files"] = [Fault(status=503)] * 10
    result = submit("--yes")
    assert result.exit_code == 5 and "uploading" in result.stderr
    assert KEY not in result.output


def test_no_key_is_a_clear_error(submit, fake, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    result = submit("--yes")
    assert result.exit_code == 2 and "OPENAI_API_KEY" in result.stderr and fake.service.requests == []


def test_two_concurrent_submits_of_one_submission_create_one_job(fake, tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "train.jsonl").write_text(good_lines(60))
    env = dict(os.environ, OPENAI_API_KEY=KEY, FTLINT_STATE_DIR=str(tmp_path / "state"), FTLINT_POLL_INTERVAL="0.01")
    fake.service.faults["POST /fine_tuning/jobs"] = [Fault(delay=0.3)]  # the first create is slow to answer
    args = [sys.executable, "-m", "ftlint", "submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url",
            fake.base_url, "--yes", "--detach", "--isolated", "--format", "json"]
    procs = [subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode()[-500:] for o in outs]
    ids = {json.loads(o[0])["job"]["id"] for o in outs}
    assert len(ids) == 1 and len(fake.service.jobs) == 1 and len(fake.service.files) == 1


def test_jobs_commands_list_show_follow_and_manage(submit, run, fake, tmp_path):
    done = json.loads(submit("--yes", "--format", "json").stdout)["job"]["id"]
    fake.service.job_steps = ["queued", "running"]  # the next job stays running
    (tmp_path / "other.jsonl").write_text(good_lines(70))
    running = json.loads(submit("--yes", "--detach", "--format", "json", data="other.jsonl").stdout)["job"]["id"]
    where = ("--base-url", fake.base_url)
    listed = json.loads(run("jobs", "list", "--format", "json", *where).stdout)
    assert [j["id"] for j in listed] == [running, done]
    mine = json.loads(run("jobs", "list", "--dataset", "train.jsonl", "--format", "json", *where).stdout)
    assert [j["id"] for j in mine] == [done]
    assert [j["id"] for j in json.loads(run("jobs", "list", "--status", "succeeded", "--format", "json",
                                            *where).stdout)] == [done]
    shown = run("jobs", "show", done, *where)
    assert shown.exit_code == 0 and "succeeded" in shown.stdout and "trained tokens 12,345" in shown.stdout
    events = run("jobs", "events", done, *where).stdout.splitlines()
    assert events[0].endswith("Job is queued") and events[-1].endswith("Job is succeeded")
    assert "ckpt-step-2" in run("jobs", "checkpoints", done, *where).stdout
    assert run("jobs", "follow", done, *where).exit_code == 0
    assert run("jobs", "pause", running, *where).stdout.strip() == f"{running} paused: paused"
    assert run("jobs", "resume", running, *where).stdout.strip() == f"{running} resumed: running"
    refused = run("jobs", "cancel", running, *where)
    assert refused.exit_code == 4 and fake.service.jobs[running]["status"] == "running"
    assert run("jobs", "cancel", running, "--yes", *where).exit_code == 0
    assert fake.service.jobs[running]["status"] == "cancelled"
    assert run("jobs", "follow", running, *where).exit_code == 3
    missing = run("jobs", "show", "ftjob-999999", *where)
    assert missing.exit_code == 2 and "no such job" in missing.stderr
    fake.service.faults["GET /fine_tuning/jobs"] = [Fault(status=503)] * 5
    down = run("jobs", "list", *where)
    assert down.exit_code == 5 and KEY not in down.output


@pytest.mark.parametrize("route", ["POST /files", "GET /files/{id}", "GET /fine_tuning/jobs", "POST /fine_tuning/jobs"])
def test_a_submit_killed_mid_request_is_resumed_by_the_next_run_without_duplicates(fake, tmp_path, route):
    # each phase boundary: uploading, waiting for processing, looking for the job, creating it
    import os
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "train.jsonl").write_text(good_lines(60))
    env = dict(os.environ, OPENAI_API_KEY=KEY, FTLINT_STATE_DIR=str(tmp_path / "state"), FTLINT_POLL_INTERVAL="0.01")
    args = [sys.executable, "-m", "ftlint", "submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url",
            fake.base_url, "--yes", "--detach", "--isolated", "--format", "json"]
    fake.service.faults[route] = [Fault(delay=1.0)]  # the server stores it a second after the request came
    method, path = route.split()
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(r["method"] == method and re.sub(r"/(file|ftjob)-[0-9]+", "/{id}", r["path"]) == path
                  for r in fake.service.requests):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)  # a crash, with the request in flight
    proc.wait(timeout=30)
    time.sleep(1.2)  # the server finishes storing what it was sent
    rerun = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode()[-500:]
    assert len(fake.service.files) == 1 and len(fake.service.jobs) == 1
    assert json.loads(rerun.stdout)["resumed"] == (route == "POST /fine_tuning/jobs")


def test_settings_come_from_the_submit_table_and_the_command_line_wins(submit, fake, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nmodel = "gpt-4o-mini"\n[tool.ftlint.submit]\n'
                                             'suffix = "from-config"\nseed = 7\nmetadata = {team = "search"}\n'
                                             'detach = true\n')
    result = submit("--yes", "--seed", "11")
    assert result.exit_code == 0, result.output
    job = next(iter(fake.service.jobs.values()))
    assert job["suffix"] == "from-config" and job["seed"] == 11 and job["metadata"]["team"] == "search"
    assert job["status"] == "validating_files"  # detached: never polled


@pytest.mark.parametrize("table, said", [
    ('api-key = "sk-live-abcdef123456"', "looks like a credential"),
    ('base-url = "sk-proj-abcdef123456"', "looks like a credential"),
    ('metadata = {owner = "sk-proj-abcdef123456"}', "looks like a credential"),
    ("max-cots = 5", "did you mean 'max-cost'"),
    ("batch-size = 0", "must be from 1 to 256"),
    ('training-type = "Premium"', "must be one of GlobalStandard"),
])
def test_a_bad_submit_table_is_a_config_error_that_never_echoes_a_key(submit, fake, tmp_path, table, said):
    (tmp_path / "pyproject.toml").write_text(f"[tool.ftlint.submit]\n{table}\n")
    result = submit("--yes")
    assert result.exit_code == 2 and said in result.stderr and "pyproject.toml" in result.stderr
    assert "abcdef123456" not in result.output and fake.service.requests == []


def test_an_endpoint_that_ignores_job_metadata_still_gets_one_job(submit, fake, tmp_path):
    # some OpenAI-compatible servers drop metadata and its filter: the job is found by its
    # training file and model instead, even when the answer to its creation was lost
    fake.service.metadata_support = False
    fake.service.faults["POST /fine_tuning/jobs"] = [Fault(drop="after")]
    first = submit("--yes", "--detach", "--format", "json")
    assert first.exit_code == 0, first.output
    (tmp_path / "state").rename(tmp_path / "old-state")
    again = json.loads(submit("--yes", "--detach", "--format", "json").stdout)
    assert again["resumed"] and again["job"]["id"] == json.loads(first.stdout)["job"]["id"]
    assert len(fake.service.jobs) == 1 and next(iter(fake.service.jobs.values()))["metadata"] is None


def test_a_daily_rate_limit_is_not_retried(submit, fake):
    fake.service.faults["POST /fine_tuning/jobs"] = [Fault(status=429, code="daily_rate_limit_exceeded")] * 5
    result = submit("--yes")
    assert result.exit_code == 5 and "429" in result.stderr
    assert posts(fake, "/fine_tuning/jobs") == 1 and fake.service.jobs == {}


def test_a_file_the_service_cannot_process_stops_with_its_reason_and_no_job(submit, fake):
    fake.service.fail_files = {"train.jsonl"}
    result = submit("--yes")
    assert result.exit_code == 3 and "could not process file" in result.stderr
    assert "Invalid file format: line 3 is not JSON" in result.stderr
    assert len(fake.service.files) == 1 and fake.service.jobs == {}
