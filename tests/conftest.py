from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ftlint.cli import create_cli
from ftlint.config import Config
from ftlint.plugins import build_registry
from ftlint.selection import build_ruleset
from ftlint.session import Session

_REGISTRY = []


def _registry():
    if not _REGISTRY:
        _REGISTRY.append(build_registry())
    return _REGISTRY[0]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

U = {"role": "user", "content": "What is the capital of France?"}
A = {"role": "assistant", "content": "Paris."}


def line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def good_lines(n: int = 50) -> str:
    return "".join(line({"messages": [{"role": "user", "content": f"Question {i}?"},
                                      {"role": "assistant", "content": f"Answer {i}."}]}) + "\n" for i in range(n))


BAD_WEIGHT = good_lines(49) + line({"messages": [{"role": "user", "content": "Hi"},
                                                {"role": "assistant", "content": "Hello", "weight": 1.0}]}) + "\n"


def lint(data: str | bytes, name: str = "data.jsonl", **settings):
    """Lint in-memory data with default settings plus overrides; returns the Report."""
    cfg = Config()
    for key, value in settings.items():
        setattr(cfg, key, value)
    session = Session(cfg, _registry(), build_ruleset(cfg, _registry()))
    return session.lint_bytes(data.encode() if isinstance(data, str) else data, name)


def codes(report) -> list[str]:
    return [d.code for d in report.diagnostics]


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch):
    """Runs read and write no cache unless a test asks for one (tests/test_cache.py does): tests
    change rules and plugins in place, which a cache keyed on files' times could miss."""
    monkeypatch.setenv("FTLINT_NO_CACHE", "1")


@pytest.fixture
def run(monkeypatch, tmp_path):
    """Run the CLI in an empty folder (no config above it is found)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)

    def invoke(*args: str, input: bytes | str | None = None):
        return CliRunner().invoke(create_cli(), list(args), input=input, catch_exceptions=False)

    return invoke


needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present (only in the dev workspace)")


def interruptible() -> None:
    """``preexec_fn`` for a child a test will interrupt: a shell's background job starts with
    SIGINT ignored, and Python then keeps it ignored, so Ctrl-C would never reach the child."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


API_KEY = "sk-test-SECRET-9876543210"  # the key submit tests run with: it must appear in no output


@pytest.fixture
def fake():
    """The fake fine-tuning service on 127.0.0.1 (tests/fake_openai.py)."""
    from fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def submit(run, fake, tmp_path, monkeypatch):
    """``submit(*args, data=...)`` runs ``ftlint submit`` against the fake service, with a key, a
    state folder of the test's own and polls a millisecond apart; train.jsonl holds 60 examples."""
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("FTLINT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FTLINT_POLL_INTERVAL", "0.001")
    (tmp_path / "train.jsonl").write_text(good_lines(60))

    def invoke(*args: str, data: str = "train.jsonl"):
        return run("submit", data, "--model", "gpt-4o-mini", "--base-url", fake.base_url, *args)

    return invoke


def written_peak(session, report, fmt: str) -> tuple[int, int]:
    """(characters written, peak bytes traced) of writing ``report`` in ``fmt`` to a sink that
    keeps nothing: what a format holds while it writes, not what it wrote."""
    import tracemalloc

    class Sink:
        chars = 0

        def write(self, text):
            Sink.chars += len(text)

    tracemalloc.start()
    try:
        session.write(report, fmt, Sink())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return Sink.chars, peak
