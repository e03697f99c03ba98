"""`ftlint convert`: other trainers' rows as OpenAI SFT or DPO; what cannot be converted is listed,
never guessed at, and valid OpenAI rows (tool calls included) pass untouched."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import line
from ftlint.convert import Skip, convert_row

U = {"role": "user", "content": "Hi"}
A = {"role": "assistant", "content": "Hello"}
TOOL_ROW = {"messages": [{"role": "user", "content": "Weather in Rome?"},
                         {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {
                             "name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}}]},
                         {"role": "tool", "tool_call_id": "c1", "content": "21C"},
                         {"role": "assistant", "content": "21C and sunny."}],
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                "type": "object", "properties": {"city": {"type": "string"}}}}}]}


@pytest.mark.parametrize("row, expected", [
    ({"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}, [U, A]),
    ({"system": "Be brief.", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
     [{"role": "system", "content": "Be brief."}, U, A]),
    ({"instruction": "Add", "input": "2+2", "output": "4"},
     [{"role": "user", "content": "Add\n\n2+2"}, {"role": "assistant", "content": "4"}]),
    ({"instruction": "Say hi", "input": "", "output": "Hello", "history": [["Q", "A"]]},
     [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"},
      {"role": "user", "content": "Say hi"}, A]),
    ({"instruction": "Sum up", "context": "Long text", "response": "Short", "category": "summarization"},
     [{"role": "user", "content": "Sum up\n\nLong text"}, {"role": "assistant", "content": "Short"}]),
    ({"prompt": "Hi", "completion": "Hello"}, [U, A]),
    ({"prompt": "Hi", "chosen": "Hello", "rejected": "Go away"}, [U, A]),
    (TOOL_ROW, TOOL_ROW["messages"]),
])
def test_rows_become_sft(row, expected):
    converted, _ = convert_row(row, "sft")
    assert converted["messages"] == expected
    if row is TOOL_ROW:
        assert converted == TOOL_ROW  # a valid row with tool calls passes as it is


@pytest.mark.parametrize("row", [
    {"prompt": "Hi", "chosen": "Hello", "rejected": "Go away"},
    {"prompt": [U], "chosen": [A], "rejected": [{"role": "assistant", "content": "Go away"}]},
    {"chosen": [U, A], "rejected": [U, {"role": "assistant", "content": "Go away"}]},  # the prompt they share
])
def test_preference_rows_become_dpo(row):
    converted, source = convert_row(row, "dpo")
    assert source == "preference"
    assert converted == {"input": {"messages": [U]}, "preferred_output": [A],
                         "non_preferred_output": [{"role": "assistant", "content": "Go away"}]}


@pytest.mark.parametrize("row, to, why", [
    ({"conversations": [{"from": "human", "value": "Hi"}, {"from": "observation", "value": "{}"}]}, "sft",
     'turn 1 is from "observation"'),
    ({"instruction": "Add", "output": 4}, "sft", "'output' is not a string"),
    ({"instruction": "Add", "output": "4"}, "dpo", "an Alpaca row holds one answer"),
    ({"chosen": [U, A, U, A], "rejected": [U, {"role": "assistant", "content": "x"}]}, "dpo",
     "'chosen' holds 3 message(s) after the prompt"),
    ({"text": "just text"}, "sft", "no known format has these keys ('text')"),
])
def test_rows_that_cannot_be_converted_say_why(row, to, why):
    with pytest.raises(Skip, match=None) as caught:
        convert_row(row, to)
    assert why in str(caught.value)


def test_convert_a_file_lists_what_it_left_out_and_lints_the_result(run, tmp_path):
    rows = [{"conversations": [{"from": "human", "value": f"Question {i}?"}, {"from": "gpt", "value": f"A{i}."}]}
            for i in range(12)]
    text = "".join(line(r) + "\n" for r in rows)
    text += '{"conversations": [{"from": "tool", "value": "x"}]}\n{broken\n\n'
    (tmp_path / "sharegpt.jsonl").write_text(text)
    checked = run("check", "sharegpt.jsonl")
    assert "FT019" in checked.output and "`ftlint convert sharegpt.jsonl --to sft -o OUT.jsonl`" in checked.output
    result = run("convert", "sharegpt.jsonl", "--to", "sft", "-o", "train.jsonl")
    assert result.exit_code == 1  # rows were left out
    assert "sharegpt.jsonl:13: not converted: turn 0 is from \"tool\"" in result.output
    assert "sharegpt.jsonl:14: not converted: the line does not parse" in result.output
    assert "converted 12 row(s) to SFT (12 sharegpt); 2 left out, 1 blank lines" in result.output
    written = (tmp_path / "train.jsonl").read_text().splitlines()
    assert len(written) == 12 and json.loads(written[3])["messages"][1] == {"role": "assistant", "content": "A3."}
    assert "Found 0 errors, 1 warning in 12 examples across 1 file." in result.output  # the lint of the result


def test_standard_input_to_standard_output(tmp_path):
    rows = "".join(line({"prompt": f"P{i}", "chosen": "good", "rejected": "bad"}) + "\n" for i in range(3))
    proc = subprocess.run([sys.executable, "-m", "ftlint", "convert", "-", "--to", "dpo", "-o", "-", "--isolated"],
                          input=rows.encode(), capture_output=True, cwd=tmp_path)
    assert proc.returncode == 0
    assert [json.loads(x)["input"]["messages"][0]["content"] for x in proc.stdout.splitlines()] == ["P0", "P1", "P2"]


def test_convert_never_writes_over_its_input(run, tmp_path):
    (tmp_path / "data.jsonl").write_text(line({"prompt": "Hi", "completion": "Hello"}) + "\n")
    result = run("convert", "data.jsonl", "--to", "sft", "-o", "data.jsonl")
    assert result.exit_code == 2 and "Choose another --output" in result.output
    assert json.loads((tmp_path / "data.jsonl").read_text()) == {"prompt": "Hi", "completion": "Hello"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ftlint-convert-")]
