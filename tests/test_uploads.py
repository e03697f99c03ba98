"""Large files go through the Uploads API in parts; each accepted part is recorded, so a rerun
after a crash sends only the missing parts, an expired upload starts again, and a completion
whose answer was lost makes no second file. Sizes come from [tool.ftlint.submit] so the tests
send kilobytes, not gigabytes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import good_lines

pytest.importorskip("openai")

from fake_openai import Fault  # noqa: E402

KEY = "sk-test-SECRET-uploads-98765"
PART = 4096


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("FTLINT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FTLINT_POLL_INTERVAL", "0.001")
    (tmp_path / "pyproject.toml").write_text(f"[tool.ftlint.submit]\nuploads-above = 8192\npart-size = {PART}\n")
    (tmp_path / "train.jsonl").write_text(good_lines(300))
    return tmp_path


def _parts(fake) -> int:
    return sum(1 for r in fake.service.requests if r["method"] == "POST" and r["path"].endswith("/parts"))


def test_a_large_file_goes_in_parts_and_arrives_byte_for_byte(run, fake, project):
    data = (project / "train.jsonl").read_bytes()
    result = run("submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url", fake.base_url, "--yes",
                 "--detach", "--format", "json")
    assert result.exit_code == 0, result.output
    svc = fake.service
    assert not any(r["path"] == "/files" and r["method"] == "POST" for r in svc.requests)
    assert len(svc.uploads) == 1 and _parts(fake) == -(-len(data) // PART) > 3
    (file,) = svc.files.values()
    assert file["_data"] == data and json.loads(result.stdout)["files"]["train"] == file["id"]
    assert run("submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url", fake.base_url, "--yes",
               "--detach").exit_code == 0
    assert len(svc.uploads) == 1 and len(svc.files) == 1 and len(svc.jobs) == 1


def test_dry_run_says_it_would_use_parts(run, fake, project):
    result = run("submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url", fake.base_url, "--dry-run")
    assert result.exit_code == 0 and "part(s) through the Uploads API" in result.stderr
    assert fake.service.requests == []


def _killed_mid_parts(fake, project, env):
    args = [sys.executable, "-m", "ftlint", "submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url",
            fake.base_url, "--yes", "--detach"]
    fake.service.faults["POST /uploads/{id}/parts"] = [Fault(), Fault(), Fault(delay=5)]  # the third part hangs
    proc = subprocess.Popen(args, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _parts(fake) < 3:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    fake.service.faults.clear()
    return args


def test_a_crash_mid_upload_resumes_with_the_missing_parts_only(fake, project):
    env = dict(os.environ)
    total = -(-len((project / "train.jsonl").read_bytes()) // PART)
    args = _killed_mid_parts(fake, project, env)
    rerun = subprocess.run(args, cwd=project, env=env, capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode()[-800:]
    assert "resuming upload upload-" in rerun.stderr.decode()
    # two parts were recorded before the crash; the third (its answer lost) is sent again
    assert _parts(fake) == total + 1 and len(fake.service.uploads) == 1
    (file,) = fake.service.files.values()
    assert file["_data"] == (project / "train.jsonl").read_bytes() and len(fake.service.jobs) == 1


def test_an_expired_upload_is_started_again(fake, project):
    env = dict(os.environ)
    args = _killed_mid_parts(fake, project, env)
    for upload in fake.service.uploads.values():
        upload["expires_at"] = int(time.time()) - 1  # an hour went by (the state still believes in it)
    state = next((project / "state").glob("*.json"))
    record = json.loads(state.read_text())
    record["uploads"]["train"]["expires_at"] = int(time.time()) + 3600
    state.write_text(json.dumps(record))
    rerun = subprocess.run(args, cwd=project, env=env, capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode()[-800:]
    assert "starting a new one" in rerun.stderr.decode() and len(fake.service.uploads) == 2
    assert len(fake.service.files) == 1 and len(fake.service.jobs) == 1


def test_a_completion_whose_answer_was_lost_makes_one_file(run, fake, project):
    fake.service.faults["POST /uploads/{id}/complete"] = [Fault(drop="after")]
    result = run("submit", "train.jsonl", "--model", "gpt-4o-mini", "--base-url", fake.base_url, "--yes", "--detach")
    assert result.exit_code == 0, result.output
    assert len(fake.service.files) == 1 and len(fake.service.jobs) == 1
