"""Any byte sequence and any JSON is a dataset ftlint must judge without a traceback or exit 2."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import lint
from ftlint.cli import create_cli

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
# What only Python's lenient parser reads: lone surrogates (json.dumps writes them as \ud800-style
# escapes), NaN and Infinity.
# (st.text leaves surrogates out whatever its alphabet, so strings are joined from characters.)
LENIENT_TEXT = st.lists(st.characters() | st.sampled_from(["\ud83d", "\ude00", "\udfff"]), max_size=12).map("".join)
LENIENT = st.recursive(
    st.none() | st.floats() | LENIENT_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(LENIENT_TEXT, inner, max_size=4),
    max_leaves=12,
)
ROLES = st.sampled_from(["system", "user", "assistant", "tool", "function", "developer", "bot", None, 3])
KEYS = st.sampled_from(["role", "content", "weight", "name", "tool_calls", "tool_call_id", "function_call",
                        "refusal", "text"])
MESSAGE = st.dictionaries(KEYS, JSON | ROLES, max_size=5)
LENIENT_MESSAGE = st.fixed_dictionaries({"role": ROLES, "content": LENIENT_TEXT | LENIENT},
                                      optional={"weight": LENIENT, "name": LENIENT_TEXT, "refusal": LENIENT})
CHAT = st.fixed_dictionaries({"messages": st.lists(MESSAGE | JSON, max_size=6)},
                             optional={"tools": JSON, "functions": JSON, "parallel_tool_calls": JSON, "weight": JSON})
DPO = st.fixed_dictionaries({"input": st.fixed_dictionaries({"messages": st.lists(MESSAGE, max_size=4)},
                                                            optional={"tools": JSON}) | JSON},
                            optional={"preferred_output": st.lists(MESSAGE, max_size=2) | JSON,
                                      "non_preferred_output": st.lists(MESSAGE, max_size=2) | JSON})


def assert_judged(data: bytes) -> None:
    report = lint(data)
    assert report.errors == [], [e.describe() for e in report.errors]
    assert report.exit_code() in (0, 1)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes(data):
    assert_judged(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(JSON | CHAT | DPO, max_size=5))
def test_random_json_lines(values):
    assert_judged("\n".join(json.dumps(v) for v in values).encode())


@settings(max_examples=150, deadline=None)
@given(st.lists(CHAT | DPO, min_size=1, max_size=4), st.sampled_from(["auto", "sft", "dpo", "rft"]),
       st.sampled_from([None, "gpt-4o-2024-08-06", "gpt-3.5-turbo"]))
def test_random_chat_shapes_under_every_method_and_model(values, method, model):
    report = lint("\n".join(json.dumps(v) for v in values), method=method, model=model)
    assert report.errors == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({"messages": st.lists(LENIENT_MESSAGE | LENIENT, max_size=4)},
                                       optional={"tools": LENIENT, "weight": LENIENT}),
                min_size=1, max_size=4),
       st.sampled_from([None, "gpt-4o-2024-08-06"]), st.sampled_from(["json", "text", "sarif", "github"]))
def test_lone_surrogates_and_nan_are_judged_in_every_format(values, model, fmt):
    data = "\n".join(json.dumps(v) for v in values).encode()
    args = ["-", "--isolated", "--format", fmt, "--jobs", "1"] + (["--model", model] if model else [])
    result = CliRunner().invoke(create_cli(), args, input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    if fmt in ("json", "sarif"):
        json.loads(result.output)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_cli_never_exits_two_on_data(data):
    result = CliRunner().invoke(create_cli(), ["-", "--isolated", "--format", "json"], input=data)
    assert result.exit_code in (0, 1), result.output
    json.loads(result.output)


def test_lines_nested_as_deeply_as_parsers_go_are_judged(tmp_path):
    # orjson writes 255 levels and Python's json about 1,000: digests, duplicate-key and lenient
    # JSON checks must not crash in between or beyond.
    rows = []
    for depth in (300, 600, 900, 960, 990, 1500, 50_000):
        for inner in ('"x"', "NaN", '"\\ud800"'):
            nested = "[" * depth + inner + "]" * depth
            rows.append('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", '
                        '"content": "x"}], "meta": %s, "meta": 1}' % nested)
            rows.append('{"messages": [{"role": "user", "content": %s}, {"role": "assistant", "content": "x"}]}'
                        % nested)
    data = "\n".join(rows + rows[:4]) + "\n"
    report = lint(data, model="gpt-4o-2024-08-06")
    assert report.errors == [], [e.describe() for e in report.errors]
    assert "FT703" in {d.code for d in report.diagnostics}  # the repeated deep lines are still compared
