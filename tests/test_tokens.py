"""Token counts, tokenizers by base model, offline vocabularies, epochs and cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import tiktoken

from conftest import good_lines
from ftlint.accounting import Accounting
from ftlint.catalog import base_model
from ftlint.cost import auto_epochs, estimate
from ftlint.example import Example
from ftlint.plugins import build_registry
from ftlint.tokens import MEMO_SIZE, TokenCounter, get_encoding

CATALOG = build_registry().catalog
# The cookbook's verified example ("How to count tokens with tiktoken", tools section).
WEATHER_TOOLS = [{"type": "function", "function": {
    "name": "get_current_weather", "description": "Get the current weather in a given location",
    "parameters": {"type": "object", "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "description": "The unit of temperature to return",
                 "enum": ["celsius", "fahrenheit"]}},
        "required": ["location"]}}}]
WEATHER_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"}]


@pytest.mark.parametrize("model, expected", [("gpt-4o", 101), ("gpt-4o-mini", 101), ("gpt-3.5-turbo", 105)])
def test_weather_tool_example_matches_the_cookbook(model, expected):
    ex = Example("x", 1, b"", {"messages": WEATHER_MESSAGES, "tools": WEATHER_TOOLS}, "sft")
    assert Accounting(CATALOG.resolve(model, "openai")).example(ex).total == expected


@pytest.mark.parametrize("name, base, encoding", [
    ("ft:gpt-4.1-mini-2025-04-14:acme::BTz2REMH", "gpt-4.1-mini-2025-04-14", "o200k_base"),
    ("ft:gpt-4.1-2025-04-14:acme:support:abc:ckpt-step-88", "gpt-4.1-2025-04-14", "o200k_base"),
    ("ft:gpt-4o-mini:openai:custom-model-name:7p4lURel", "gpt-4o-mini", "o200k_base"),
    ("ft:gpt-3.5-turbo-0125:acme:drone:9x", "gpt-3.5-turbo-0125", "cl100k_base"),
    ("gpt-4o", "gpt-4o", "o200k_base"),
])
def test_fine_tuned_names_use_their_base_models_encoding(name, base, encoding):
    assert base_model(name) == base
    assert CATALOG.resolve(name, "openai").encoding == encoding


def test_tiktoken_alone_gets_ft_gpt41_wrong():
    # the reason ftlint resolves encodings itself
    from ftlint.tokens import seed_cache

    seed_cache("cl100k_base")  # tiktoken's own loader, offline
    assert tiktoken.encoding_for_model("ft:gpt-4.1-mini-2025-04-14:acme::x").name == "cl100k_base"


def test_epochs_heuristic_and_cost_example():
    assert auto_epochs(5) == 20 and auto_epochs(10) == 10 and auto_epochs(100) == 3
    assert auto_epochs(10_000) == 2 and auto_epochs(1_000_000) == 1
    est = estimate(CATALOG.resolve("gpt-4o-mini-2024-07-18", "openai"), 1000, 100_000, epochs=3)
    assert est.billed_tokens == 300_000 and est.cost == pytest.approx(0.90)
    assert estimate(CATALOG.resolve("gpt-3.5-turbo-0125", "openai"), 1000, 100_000, 3).cost == pytest.approx(2.40)


def test_memo_is_bounded():
    counter = TokenCounter("o200k_base")
    for i in range(MEMO_SIZE + 500):
        counter(f"a fairly long system prompt that repeats on many lines, variant {i:06d}")
    assert counter._cached.cache_info().currsize == MEMO_SIZE


def test_counting_works_with_the_network_made_impossible(tmp_path):
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network disabled by the test')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
        "from ftlint.tokens import TokenCounter\n"
        "print(TokenCounter('o200k_base')('hello world'), TokenCounter('cl100k_base')('hello world'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"), TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2", "2"]


def test_a_users_tiktoken_cache_dir_keeps_working(tmp_path):
    code = "from ftlint.tokens import TokenCounter\nprint(TokenCounter('o200k_base')('hello world'))\n"
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(tmp_path / "mine"), XDG_CACHE_HOME=str(tmp_path / "ftlint"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.stdout.strip() == "2"
    assert len(list((tmp_path / "mine").iterdir())) == 1  # tiktoken's own cache, seeded, not replaced


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text)


def test_check_prints_a_cost_line_with_a_model(run, tmp_path):
    write(tmp_path, "train.jsonl", good_lines(50))
    result = run("train.jsonl", "--model", "gpt-4o-mini", "--ignore", "FT805")
    assert result.exit_code == 0
    assert "Estimated training cost on gpt-4o-mini-2024-07-18:" in result.output
    assert "× 3 epochs (auto heuristic)" in result.output
    doc = json.loads(run("train.jsonl", "--model", "gpt-4o-mini", "--epochs", "3", "--format", "json").output)
    assert doc["estimate"]["epochs"] == 3 and doc["estimate"]["cost_usd"] > 0
    assert "Estimated" not in run("train.jsonl").output


def test_stats(run, tmp_path):
    write(tmp_path, "train.jsonl", good_lines(50))
    write(tmp_path, "valid.jsonl", good_lines(3))
    text = run("stats", "train.jsonl", "--model", "gpt-4o-mini", "--validation", "valid.jsonl")
    assert text.exit_code == 0
    for piece in ("50 examples (50 sft)", "tokens/example", "Tokens per example", "× 3 epochs (auto heuristic)",
                  "Validation valid.jsonl: 3 examples", "not billed", "supervised on openai (models still taking jobs",
                  "gpt-4.1-mini-2025-04-14"):
        assert piece in text.output
    doc = json.loads(run("stats", "train.jsonl", "--model", "gpt-4o-mini", "--epochs", "2", "--format", "json",
                         "--validation", "valid.jsonl").output)
    assert doc["validation"]["examples"] == 3 and doc["validation"]["billed"] is False
    assert doc["validation"]["distributions"]["total_tokens"]["max"] > 0
    assert doc["examples"] == 50 and doc["epochs"] == 2 and not doc["epochs_auto"]
    assert doc["billed_tokens"] == 2 * doc["tokens_per_epoch"]
    assert doc["distributions"]["total_tokens"]["min"] > 0
    assert run("stats", "train.jsonl").exit_code == 2
    piped = json.loads(run("stats", "-", "--model", "gpt-4o-mini", "--epochs", "2", "--format", "json",
                           input=good_lines(50)).output)
    assert piped["examples"] == 50 and piped["billed_tokens"] == doc["billed_tokens"]


def test_models_and_config_prices(run, tmp_path):
    listed = json.loads(run("models", "--format", "json").output)
    mini = next(m for m in listed if m["name"] == "gpt-4o-mini-2024-07-18")
    assert mini["price"] == 3.0 and mini["example_limit"] == 65536 and mini["training_until"] == "2027-01-06"
    azure = run("models", "--target", "azure-openai")
    assert "gpt-4.1-2025-04-14" in azure.output
    write(tmp_path, "train.jsonl", good_lines(50))
    unknown = run("train.jsonl", "--model", "gpt-4o", "--target", "azure-openai")
    assert "cost unknown" in unknown.output
    write(tmp_path, "ftlint.toml", 'target = "azure-openai"\n[models.gpt-4o-2024-08-06]\nprice = 27.5\n'
          'price-source = "our Sweden Central contract"\n')
    priced = run("train.jsonl", "--model", "gpt-4o")
    assert "price $27.5/1M tokens, our Sweden Central contract" in priced.output


def test_register_models(run, tmp_path):
    (tmp_path / "acme_models.py").write_text(
        "from ftlint import hookimpl\nfrom ftlint.catalog import Model\n"
        "@hookimpl\ndef register_models(register):\n"
        "    register(Model(name='acme-7b', target='openai', encoding='cl100k_base', example_limit=8192,\n"
        "                   price=0.5, methods=frozenset({'supervised'})))\n")
    write(tmp_path, "ftlint.toml", 'plugins = ["acme_models.py"]\n')
    write(tmp_path, "train.jsonl", good_lines(50))
    assert "acme-7b" in run("models").output
    result = run("train.jsonl", "--model", "acme-7b")
    assert result.exit_code == 0 and "Estimated training cost on acme-7b" in result.output


def test_token_rules_on_a_real_long_example():
    from conftest import SHARED, lint

    path = SHARED / "realworld" / "openai-cookbook__toy_chat_fine_tuning.jsonl"
    if not path.exists():
        pytest.skip("../shared is not present")
    report = lint(path.read_bytes(), "toy.jsonl", model="gpt-3.5-turbo-0613")
    over = [d for d in report.diagnostics if d.code == "FT601"]
    assert [d.line for d in over] == [5]  # "Eat a banana!" x 2000, about 8,000 tokens, limit 4,096
    assert "4,096-token limit" in over[0].message


def test_encoding_arguments_are_cached_and_a_damaged_copy_is_rebuilt(tmp_path, monkeypatch):
    from ftlint.tokens import _constructor_args

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = _constructor_args("cl100k_base")
    (copy,) = (tmp_path / "ftlint" / "encodings").iterdir()
    with monkeypatch.context() as m:  # read back from the copy: tiktoken is not asked
        m.setattr("tiktoken.registry.list_encoding_names", lambda: 1 / 0)
        assert _constructor_args("cl100k_base") == first
    data = bytearray(copy.read_bytes())
    data[5000] ^= 0xFF  # damage one byte of the ranks
    copy.write_bytes(bytes(data))
    assert _constructor_args("cl100k_base") == first
    assert copy.read_bytes()[5000] != data[5000]  # rewritten


def test_a_lone_surrogate_counts_as_tiktoken_counts_it():
    # json.loads reads "\ud83d" into a str UTF-8 cannot hold; tiktoken's public method counts it
    # as U+FFFD, and so must ftlint (it calls the core directly, for speed).
    counter = TokenCounter("o200k_base")
    enc = get_encoding("o200k_base")  # tiktoken's own Encoding, over the vocabulary ftlint ships
    for text in ("Rate this hotel \ud83d", "\udc00" * 60, "a\ud800b " * 20):
        assert counter(text) == len(enc.encode_ordinary(text)) > 0


def test_an_encoding_ftlint_does_not_ship_is_a_clear_error_wherever_it_is_named(run, tmp_path, monkeypatch):
    write(tmp_path, "train.jsonl", good_lines(50))
    write(tmp_path, "ftlint.toml", '[models.acme-7b]\nencoding = "p50k_base"\n')
    result = run("train.jsonl", "--model", "acme-7b")
    assert result.exit_code == 2
    assert "'models.acme-7b.encoding' is 'p50k_base', which ftlint does not ship" in result.output
    (tmp_path / "ftlint.toml").unlink()
    (tmp_path / "acme_models.py").write_text(
        "from ftlint import hookimpl\nfrom ftlint.catalog import Model\n"
        "@hookimpl\ndef register_models(register):\n"
        "    register(Model(name='acme-7b', target='openai', encoding='p50k_base', example_limit=8192))\n")
    write(tmp_path, "ftlint.toml", 'plugins = ["acme_models.py"]\n')
    result = run("train.jsonl", "--model", "acme-7b")
    assert result.exit_code == 2 and "names encoding 'p50k_base', which ftlint does not ship" in result.output


def test_a_tokenizer_that_cannot_load_leaves_the_other_rules_running(monkeypatch):
    import ftlint.tokens
    from conftest import lint

    def broken(name):
        raise ftlint.tokens.TokenizerError("the o200k_base vocabulary shipped with ftlint is corrupt")

    monkeypatch.setattr(ftlint.tokens, "get_encoding", broken)
    report = lint(good_lines(5) + "{not json}\n", model="gpt-4o-mini")
    assert [e.kind for e in report.errors] == ["config"]
    assert "cannot count tokens for model gpt-4o-mini-2024-07-18: the o200k_base vocabulary" in report.errors[0].message
    assert "FT004" in {d.code for d in report.diagnostics} and report.exit_code() == 2


def test_a_tokenizer_that_cannot_load_in_the_workers_is_reported_once(monkeypatch, tmp_path):
    import ftlint.tokens
    from ftlint.session import Session

    def broken(name):
        raise ftlint.tokens.TokenizerError("the o200k_base vocabulary shipped with ftlint is corrupt")

    monkeypatch.setattr(ftlint.tokens, "get_encoding", broken)
    data = tmp_path / "train.jsonl"
    data.write_text(good_lines(3000))
    report = Session.create(model="gpt-4o-mini").lint([str(data)], jobs=2, chunk_bytes=8192)
    assert [e.kind for e in report.errors] == ["config"]  # the workers load it, and each failed
    assert report.files[0].examples == 3000
