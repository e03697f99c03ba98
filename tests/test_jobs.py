"""The jobs package against a real HTTP server on 127.0.0.1 that the real openai client talks to,
with faults injected; assertions are on what the server stored."""

from __future__ import annotations

import pytest

from conftest import good_lines

openai = pytest.importorskip("openai")

from fake_openai import Fault  # noqa: E402

from ftlint.jobs.client import ClientError, endpoint_for, make_client, poll_interval, redact  # noqa: E402
from ftlint.jobs.key import METADATA_KEY, file_digest, submission_key  # noqa: E402
from ftlint.jobs.remote import RemoteError, ensure_file, ensure_job  # noqa: E402
from ftlint.jobs.state import StateStore, state_dir  # noqa: E402
from ftlint.targets import BUILTIN_TARGETS  # noqa: E402

KEY = "sk-test-SECRET-0123456789"
OPENAI, AZURE = BUILTIN_TARGETS


@pytest.fixture
def client(fake):
    return make_client(endpoint_for(OPENAI, fake.base_url, env={}), env={"OPENAI_API_KEY": KEY})


@pytest.fixture
def train(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(good_lines(60))
    return str(path)


def spec_for(file_id: str, key: str) -> dict:
    return {"model": "gpt-4o-mini-2024-07-18", "training_file": file_id, "metadata": {METADATA_KEY: key},
            "method": {"type": "supervised"}, "suffix": "demo"}


@pytest.mark.parametrize("faults", [[Fault(drop="after")], [Fault(drop="before")], [Fault(status=500)],
                                    [Fault(status=429, retry_after=0.01), Fault(delay=0.05, drop="after")]])
def test_a_file_is_uploaded_once_whatever_the_connection_does(fake, client, train, faults):
    digest, size = file_digest(train)
    fake.service.faults["POST /files"] = list(faults)
    first = ensure_file(client, train, digest, size, None, interval=0.001)
    again = ensure_file(client, train, digest, size, None, interval=0.001)  # a rerun with no state
    assert len(fake.service.files) == 1
    assert first.id == again.id
    stored = next(iter(fake.service.files.values()))
    with open(train, "rb") as fh:
        assert stored["_data"] == fh.read()  # the bytes as they are on disk


@pytest.mark.parametrize("faults", [[Fault(drop="after")], [Fault(drop="before")], [Fault(status=502)],
                                    [Fault(status=429, retry_after=0.01)], [Fault(drop="after"), Fault(status=500)]])
def test_a_job_is_created_once_whatever_the_connection_does(fake, client, train, faults):
    digest, size = file_digest(train)
    f = ensure_file(client, train, digest, size, None, interval=0.001)
    key = submission_key([("train", digest)], {"model": "gpt-4o-mini-2024-07-18"}, "openai", fake.base_url)
    fake.service.faults["POST /fine_tuning/jobs"] = list(faults)
    job, created = ensure_job(client, key, spec_for(f.id, key), None, interval=0.001)
    assert len(fake.service.jobs) == 1
    # a rerun from a fresh machine (no state) adopts the job instead of creating another
    again, created_again = ensure_job(client, key, spec_for(f.id, key), None, interval=0.001)
    assert again.id == job.id and not created_again
    assert len(fake.service.jobs) == 1
    posts = [r for r in fake.service.requests if r["method"] == "POST" and r["path"] == "/fine_tuning/jobs"]
    assert len(posts) <= len(faults) + 1  # never more than one try per fault and the last


def test_the_client_alone_would_have_created_two_jobs(fake, client, train):
    # why remote.py exists: the SDK retries a POST whose answer was lost, and the server stores it again
    f = client.files.create(file=("t.jsonl", b"{}\n"), purpose="fine-tune")
    fake.service.faults["POST /fine_tuning/jobs"] = [Fault(drop="after")]
    client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=f.id)
    assert len(fake.service.jobs) == 2


def test_a_failed_job_is_reported_unless_a_new_one_is_asked_for(fake, client, train):
    digest, size = file_digest(train)
    f = ensure_file(client, train, digest, size, None, interval=0.001)
    key = "ftl1-test"
    job, _ = ensure_job(client, key, spec_for(f.id, key), None, interval=0.001)
    fake.service.jobs[job.id]["status"] = "failed"
    same, created = ensure_job(client, key, spec_for(f.id, key), None, interval=0.001)
    assert same.id == job.id and same.status == "failed" and not created
    fresh, created = ensure_job(client, key, spec_for(f.id, key), None, interval=0.001, new=True)
    assert created and fresh.id != job.id and len(fake.service.jobs) == 2


def test_a_refusal_is_not_retried_and_names_no_secret(fake, client, train):
    digest, size = file_digest(train)
    f = ensure_file(client, train, digest, size, None, interval=0.001)
    fake.service.faults["POST /fine_tuning/jobs"] = [Fault(status=400)]
    with pytest.raises(RemoteError) as info:
        ensure_job(client, "k", spec_for(f.id, "k"), None, interval=0.001)
    assert "creating the job failed: 400" in str(info.value) and KEY not in str(info.value)
    assert fake.service.jobs == {}
    auth = [r["headers"].get("authorization", "") for r in fake.service.requests]
    assert all(a == f"Bearer {KEY}" for a in auth)  # the key went where it belongs, and only there


def test_azure_sends_the_api_key_header_and_needs_an_endpoint(fake):
    with pytest.raises(ClientError, match="AZURE_OPENAI_ENDPOINT"):
        endpoint_for(AZURE, None, env={})
    endpoint = endpoint_for(AZURE, fake.base_url.removesuffix("/v1"), env={})
    assert endpoint.base_url.endswith("/openai/v1/")
    with pytest.raises(ClientError, match="AZURE_OPENAI_API_KEY"):
        make_client(endpoint, env={})
    client = make_client(endpoint, env={"AZURE_OPENAI_API_KEY": KEY})
    assert list(client.files.list()) == []
    assert fake.service.requests[-1]["headers"]["api-key"] == KEY


def test_state_is_atomic_locked_outside_the_repository_and_holds_no_secret(tmp_path):
    assert state_dir({"FTLINT_STATE_DIR": str(tmp_path / "s")}) == tmp_path / "s"
    assert state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "ftlint"
    store = StateStore(tmp_path / "s")
    assert store.load("k") == {}
    with store.lock("k"):
        store.save("k", {"file": "file-1", "job": "ftjob-2"})
    assert store.load("k") == {"file": "file-1", "job": "ftjob-2"}
    (tmp_path / "s" / "k.json").write_text("{broken")
    assert store.load("k") == {}
    assert KEY not in "".join(p.read_text() for p in (tmp_path / "s").iterdir() if p.suffix == ".json")


def test_redaction_and_poll_interval():
    text = f"error with Bearer {KEY} and https://x.blob.core.windows.net/c?sv=1&sig=abcDEF%2B and sk-abcdefghij"
    assert KEY not in redact(text, KEY) and "abcDEF" not in redact(text) and "sk-abcdefghij" not in redact(text)
    assert poll_interval({}) == 2 and poll_interval({"FTLINT_POLL_INTERVAL": "0.01"}) == 0.01
    with pytest.raises(ClientError):
        poll_interval({"FTLINT_POLL_INTERVAL": "soon"})
