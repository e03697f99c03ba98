"""Following a job: every event once and in order across pages, a progress line with an estimated
finish, what an interrupt says, and the JSON document whatever the ending."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from conftest import API_KEY, BAD_WEIGHT, good_lines, interruptible

pytest.importorskip("openai")


KEY = API_KEY


def test_every_event_is_said_once_in_order_even_when_more_than_a_page_came_between_polls(submit, fake):
    svc = fake.service
    svc.job_steps = ["queued"] + ["running"] * 4 + ["succeeded"]
    svc.total_steps, svc.steps_per_poll, svc.log_lines = 10, 3, 150  # 150 > the page of 100 ftlint asks for
    result = submit("--yes")
    assert result.exit_code == 0, result.output
    logs = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("log ")]
    assert logs == [f"log {poll}.{i}" for poll in range(1, 5) for i in range(150)]
    progress = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("step ")]
    assert [p.split(",")[0] for p in progress] == ["step 3/10 (30%)", "step 6/10 (60%)", "step 9/10 (90%)",
                                                   "step 10/10 (100%)"]
    assert "loss 0.0833" in progress[1] and "finishes about" in progress[1] and "finishes" not in progress[-1]
    # events were read a page at a time, and only as far as needed
    pages = [r for r in svc.requests if r["path"].endswith("/events")]
    assert any("after=" in r["query"] for r in pages)


def test_the_finish_is_estimated_from_the_pace_of_the_steps_or_taken_from_the_service():
    from ftlint.jobs.follow import Progress

    def metrics(step, at):
        return SimpleNamespace(type="metrics", created_at=at, data={"step": step, "total_steps": 100,
                                                                    "train_loss": 1.0})

    progress = Progress()
    progress.add(metrics(0, 1_800_000_000))
    progress.add(metrics(10, 1_800_000_100))  # 10 s a step: 90 steps to go
    job = SimpleNamespace(estimated_finish=None)
    assert progress.eta(job) == 1_800_000_100 + 900
    assert progress.line(job) == "  step 10/100 (10%), loss 1.0000, finishes about 2027-01-15 08:16 UTC"
    assert progress.line(job) is None  # nothing new to say until the next 10 %
    assert progress.eta(SimpleNamespace(estimated_finish=1_800_003_600)) == 1_800_003_600


def test_json_is_one_document_whatever_the_ending(submit, fake, tmp_path):
    (tmp_path / "bad.jsonl").write_text(BAD_WEIGHT)
    refused = submit("--yes", "--format", "json", data="bad.jsonl")
    doc = json.loads(refused.stdout)
    assert refused.exit_code == 1 and doc["error"]["exit_code"] == 1 and doc["lint"]["errors"] >= 1
    assert doc["job"] is None and fake.service.requests == []
    over = json.loads(submit("--max-cost", "0.00000001", "--format", "json").stdout)
    assert over["error"]["exit_code"] == 4 and over["estimate"]["billed_tokens"] > 0
    done = json.loads(submit("--yes", "--format", "json").stdout)
    assert done["error"] is None and done["job"]["status"] == "succeeded"


def test_an_interrupt_while_following_names_the_job_and_a_rerun_follows_it_to_the_end(fake, tmp_path):
    (tmp_path / "train.jsonl").write_text(good_lines(60))
    fake.service.job_steps = ["queued"] + ["running"] * 5000 + ["succeeded"]  # runs until the test says
    env = dict(os.environ, OPENAI_API_KEY=KEY, FTLINT_STATE_DIR=str(tmp_path / "state"), FTLINT_POLL_INTERVAL="0.05")
    args = [sys.executable, "-m", "ftlint", "submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url",
            fake.base_url, "--yes", "--isolated"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=interruptible)
    deadline = time.monotonic() + 60
    while not any(r["path"].endswith("/events") for r in fake.service.requests):  # following now
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    job_id = next(iter(fake.service.jobs))
    assert proc.returncode == 130 and f"`ftlint jobs follow {job_id}`" in err.decode()
    assert "Traceback" not in err.decode() and fake.service.jobs[job_id]["status"] != "cancelled"
    fake.service.job_steps = ["succeeded"]
    rerun = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert rerun.returncode == 0 and f"resuming {job_id}" in rerun.stderr.decode()
    assert len(fake.service.jobs) == 1 and len(fake.service.files) == 1
