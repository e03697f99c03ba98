"""`ftlint submit` on Azure OpenAI, against the fake service: the api-key header or an Entra ID
token, the v1 API or the dated one (api-version), the training tier, Azure's end dates and open
models, and the deploy hint."""

from __future__ import annotations

import json

import pytest

from conftest import good_lines

pytest.importorskip("openai")


KEY = "azure-key-SECRET-0123456789abcdef"
TOKEN = "eyJ0eXAiOiJKV1Qi.entra-SECRET-token.sig"


@pytest.fixture
def azure(run, fake, tmp_path, monkeypatch):
    for name in ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN", "OPENAI_API_VERSION", "AZURE_OPENAI_ENDPOINT",
                 "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FTLINT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FTLINT_POLL_INTERVAL", "0.001")
    (tmp_path / "train.jsonl").write_text(good_lines(60))
    root = fake.base_url.removesuffix("/v1")

    def invoke(*args: str, model: str = "gpt-4o-mini", v1: bool = True):
        where = ("--base-url", root + "/openai/v1/") if v1 else ()
        return run("submit", "train.jsonl", "--target", "azure-openai", "--model", model, *where, *args)

    invoke.root = root
    return invoke


def test_the_v1_api_sends_the_key_as_api_key_the_tier_in_the_body_and_says_how_to_deploy(azure, fake, monkeypatch,
                                                                                         tmp_path):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    result = azure("--yes", "--training-type", "Standard")
    assert result.exit_code == 0, result.output
    svc = fake.service
    assert all(r["headers"].get("api-key") == KEY and "api-version" not in r["query"] for r in svc.requests)
    assert all(r["path"].startswith("/") and "/openai/v1" not in r["path"] for r in svc.requests)
    create = next(r for r in svc.requests if r["method"] == "POST" and r["path"] == "/fine_tuning/jobs")
    assert json.loads(create["body"])["trainingType"] == "Standard"
    assert "az cognitiveservices account deployment create" in result.stderr
    assert f"--model-name {next(iter(svc.jobs.values()))['fine_tuned_model']}" in result.stderr
    state = "".join(p.read_text() for p in (tmp_path / "state").glob("*.json"))
    assert KEY not in result.output + state


def test_openai_api_version_selects_the_dated_api_on_the_endpoint_from_the_environment(azure, fake, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", azure.root)
    result = azure("--yes", "--detach", v1=False)
    assert result.exit_code == 0, result.output
    assert fake.service.requests and all("api-version=2025-04-01-preview" in r["query"]
                                         for r in fake.service.requests)
    assert len(fake.service.jobs) == 1 and len(fake.service.files) == 1


def test_an_entra_id_token_is_sent_as_a_bearer_token_and_never_shown(azure, fake, monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", TOKEN)
    fake.service.job_error = {"code": "bad", "message": f"echoing Bearer {TOKEN}", "param": None}
    result = azure("--yes")
    assert result.exit_code == 3
    assert all(r["headers"].get("authorization") == f"Bearer {TOKEN}" for r in fake.service.requests)
    state = "".join(p.read_text() for p in (tmp_path / "state").glob("*.json"))
    assert TOKEN not in result.output + state and "***" in result.stderr


def test_no_azure_credential_names_every_way_to_give_one(azure, fake):
    result = azure("--yes")
    assert result.exit_code == 2 and "AZURE_OPENAI_API_KEY" in result.stderr
    assert "AZURE_OPENAI_AD_TOKEN" in result.stderr and fake.service.requests == []


def test_an_open_model_trains_on_its_only_tier_and_refuses_another(azure, fake, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    refused = azure("--yes", "--training-type", "Standard", model="Qwen-32B")
    assert refused.exit_code == 2 and "GlobalStandard tier only" in refused.stderr and fake.service.requests == []
    result = azure("--yes", "--detach", model="Qwen-32B")
    assert result.exit_code == 0, result.output
    assert "Token counts are approximate" in result.stderr
    job = next(iter(fake.service.jobs.values()))
    create = next(r for r in fake.service.requests if r["method"] == "POST" and r["path"] == "/fine_tuning/jobs")
    assert job["model"] == "Qwen-32B" and json.loads(create["body"])["trainingType"] == "GlobalStandard"


def test_azure_refuses_a_retired_model_and_a_dotted_suffix_before_any_request(azure, fake, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    ended = azure("--yes", model="gpt-4.1-mini")
    assert ended.exit_code == 2 and "since 2026-10-14" in ended.stderr
    assert "gpt-4o-mini-2024-07-18" in ended.stderr and "Qwen-32B" in ended.stderr
    dotted = azure("--yes", "--suffix", "v1.2")
    assert dotted.exit_code == 2 and "no dots on Azure OpenAI" in dotted.stderr
    assert fake.service.requests == []


def test_without_a_key_or_token_azure_identity_login_supplies_the_bearer_token(azure, fake, monkeypatch):
    # azure-identity is optional; a stand-in module with its two names shows ftlint asks it for
    # tokens of the Cognitive Services scope and sends them as bearer tokens, never printed
    import sys
    import types

    asked = []
    identity = types.ModuleType("azure.identity")

    class DefaultAzureCredential:
        pass

    def get_bearer_token_provider(credential, scope):
        asked.append(scope)
        return lambda: "entra-provider-SECRET-token"

    identity.DefaultAzureCredential = DefaultAzureCredential
    identity.get_bearer_token_provider = get_bearer_token_provider
    monkeypatch.setitem(sys.modules, "azure", types.ModuleType("azure"))
    monkeypatch.setitem(sys.modules, "azure.identity", identity)
    result = azure("--yes", "--detach")
    assert result.exit_code == 0, result.output
    assert asked == ["https://cognitiveservices.azure.com/.default"]
    assert all(r["headers"].get("authorization") == "Bearer entra-provider-SECRET-token"
               for r in fake.service.requests)
    assert "entra-provider-SECRET" not in result.output
