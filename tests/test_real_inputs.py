"""Real published fine-tuning files and other validators' test cases (from ../shared, when present)."""

from __future__ import annotations

import json

import pytest

from conftest import SHARED, lint, needs_shared
from ftlint.diagnostics import Severity

REALWORLD = SHARED / "realworld"
PEERS = SHARED / "acceptance" / "peer-cases.jsonl"

# What ftlint must say about each real file: the error codes expected (empty: none), and
# whether a single file-level verdict replaces per-line findings.
EXPECTED_ERRORS = {
    "openai-cookbook__toy_chat_fine_tuning.jsonl": ["FT701"],  # 5 examples
    "openai-cookbook__drone_training.jsonl": [],
    "foundry-ft__stock_toolcall_training.jsonl": [],
    "foundry-ft__training.jsonl": [],
    "foundry-ft__chat_validation.jsonl": [],
    "foundry-ft__sft_test.jsonl": [],
    "foundry-ft__validation.jsonl": [],
    "foundry-ft__dpo_chat.jsonl": [],
    "azureai-samples__stock-train-hallucination.jsonl": [],
    "azureai-samples__stock-test-token-reduction.jsonl": [],
    "mslearn-ai-studio__travel-finetune-hotel.jsonl": [],
    "finetuning-a-pirate__training_set.jsonl": [],
    # a validation split is small by design: no FT701 for its five lines, FT201 for each
    "mslearn-ai-studio__travel-finetune-validation.jsonl": ["FT201"] * 5,
    "azure-samples-openai__generated_labels_context_switching_prepared_valid.jsonl": ["FT010"],
    "foundry-ft__train_tool.jsonl": [],
    "foundry-ft__countdown_valid_15.jsonl": [],
}
SINGLE_VERDICT = {
    "azure-samples-openai__generated_labels_context_switching_prepared_valid.jsonl": "FT010",
    "foundry-ft__train_tool.jsonl": "FT012",
    "foundry-ft__countdown_valid_15.jsonl": "FT012",
}


@needs_shared
def test_every_realworld_file_is_covered():
    assert {p.name for p in REALWORLD.glob("*.jsonl")} == set(EXPECTED_ERRORS)


@needs_shared
@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_realworld_verdicts(name):
    report = lint((REALWORLD / name).read_bytes(), name)
    assert not report.errors
    errors = sorted(d.code for d in report.diagnostics if d.severity == Severity.ERROR)
    assert errors == sorted(EXPECTED_ERRORS[name])
    if name in SINGLE_VERDICT:
        # one clear verdict for the file, not a cascade of per-line findings
        assert [d.code for d in report.diagnostics] == [SINGLE_VERDICT[name]]


@needs_shared
@pytest.mark.parametrize("name", ["foundry-ft__train_tool.jsonl", "foundry-ft__countdown_valid_15.jsonl"])
def test_rft_files_pass_as_rft(name):
    report = lint((REALWORLD / name).read_bytes(), name, method="rft")
    assert report.diagnostics == [] and not report.errors


@needs_shared
def test_travel_validation_file_reports_each_missing_assistant():
    name = "mslearn-ai-studio__travel-finetune-validation.jsonl"
    report = lint((REALWORLD / name).read_bytes(), name)
    found = [(d.line, d.code, d.pointer) for d in report.diagnostics if d.code != "FT701"]
    assert found == [(i, "FT201", "/messages") for i in range(1, 6)]


# Peer verdicts ftlint deliberately does not share under the OpenAI target, and why.
DIFFERENT = {
    "valid general text": "plain {'text'} rows are not an OpenAI fine-tuning format (FT009)",
    "valid instruction prompt/completion": "prompt/completion is legacy: no OpenAI model trains on it since "
                                           "2024-10-28 (FT010)",
    "valid instruction multimodal prompt": "prompt/completion is legacy for OpenAI (FT010)",
    "weights on all roles (0/1 ints)": "OpenAI takes weight on assistant messages only (FT301); Together "
                                       "accepts it anywhere",
    "weights mixed with missing weights": "same: a weight on a user message is an error for OpenAI (FT301)",
    "DPO input ends with assistant": "OpenAI does not document this; inferred rules are warnings (FT503)",
    "valid prompt/response rows": "prompt/response rows are llm-foundry's format, not OpenAI's (FT009)",
    "two consecutive assistant messages": "OpenAI does not require alternation: a warning (FT204); an error "
                                          "with target azure-openai",
    "parallel tool calls answered": "mistral's tool calls omit type; OpenAI requires type 'function' (FT403)",
    "two system messages": "OpenAI's schema allows it; ftlint warns (FT203, FT204)",
    "message has both text and content": "unknown message keys are a warning for OpenAI (FT113); undocumented "
                                         "server behaviour",
    "duplicate + long prompt/completion rows": "legacy prompt/completion is not trainable on OpenAI any more (FT010)",
}


def _peer_cases():
    if not PEERS.is_file():
        return []
    return [json.loads(raw) for raw in PEERS.read_text().splitlines() if raw.strip()]


@needs_shared
@pytest.mark.parametrize("case", _peer_cases(), ids=lambda c: f"{c['source'].split(':')[0]}:{c['case']}")
def test_peer_case_verdict(case):
    data = bytes.fromhex(case["bytes_hex"]) if "bytes_hex" in case else case["jsonl"].encode()
    # peer fixtures are a few lines long: the dataset-size rules would judge every one
    report = lint(data, "case.jsonl", ignore=["too-few-examples", "few-examples"])
    assert not report.errors, "a data problem must never be a tool error"
    verdict = "invalid" if any(d.severity == Severity.ERROR for d in report.diagnostics) else "valid"
    if case["case"] in DIFFERENT:
        assert verdict != case["peer_verdict"], f"no longer differs: {DIFFERENT[case['case']]}"
    else:
        assert verdict == case["peer_verdict"], case["peer_reason"]


@needs_shared
def test_differences_name_real_cases():
    assert set(DIFFERENT) <= {c["case"] for c in _peer_cases()}


@needs_shared
def test_azure_target_rejects_consecutive_assistants():
    case = next(c for c in _peer_cases() if c["case"] == "two consecutive assistant messages")
    report = lint(case["jsonl"], "case.jsonl", target="azure-openai", ignore=["FT701", "FT702"])
    assert any(d.code == "FT204" and d.severity == Severity.ERROR for d in report.diagnostics)
