"""Verdicts on real-shaped data (issue 12): each test holds the shape a real published file had,
and fails on the code before the fix: one verdict per file for foreign formats and per-file
facts, no near-duplicate noise, the rare class named, small splits left alone, the misses caught."""

from __future__ import annotations

import json

from conftest import codes, line, lint


def rows(objs) -> str:
    return "".join(line(o) + "\n" for o in objs)


def test_alpaca_and_sharegpt_files_get_one_verdict_each_not_errors_on_every_line():
    alpaca = rows({"instruction": f"Summarise note {i}.", "input": f"note {i} text" if i % 2 else "",
                   "output": f"Summary {i}."} for i in range(200))
    report = lint(alpaca)
    assert codes(report) == ["FT019"]
    (d,) = report.diagnostics
    assert d.line == 1 and "200 line(s) are Alpaca instruction/input/output rows" in d.message
    assert '"role": "user"' in d.fix
    sharegpt = rows({"conversations": [{"from": "human", "value": f"hi {i}"}, {"from": "gpt", "value": "hey"}]}
                    for i in range(60))
    assert codes(lint(sharegpt)) == ["FT019"]
    (on_azure,) = lint(sharegpt, target="azure-openai").diagnostics
    assert "Azure OpenAI does not train on this format" in on_azure.message
    # a real DPO row that happens to carry an "instruction" key stays DPO
    dpo = {"input": {"messages": [{"role": "user", "content": "Q"}]}, "instruction": "x",
           "preferred_output": [{"role": "assistant", "content": "A"}],
           "non_preferred_output": [{"role": "assistant", "content": "B"}], "output": "y"}
    assert "FT019" not in codes(lint(rows([dpo] * 3)))


def test_a_per_file_fact_is_said_once_with_the_count_and_the_first_lines(tmp_path, monkeypatch):
    from ftlint import lint_files

    multi = {"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                    {"role": "user", "content": "Capital of France?"}]},
             "preferred_output": [{"role": "assistant", "content": "Paris."}],
             "non_preferred_output": [{"role": "assistant", "content": "Lyon."}]}
    data = rows(dict(multi, input={"messages": multi["input"]["messages"][:2] + [
        {"role": "user", "content": f"Capital number {i}?"}]}) for i in range(200))
    report = lint(data)
    found = [d for d in report.diagnostics if d.code == "FT506"]
    assert len(found) == 1 and found[0].line == 1
    assert found[0].message.endswith("(200 lines like this one: 1, 2, 3, 4, 5, …)")
    # the same in parallel parts of one file
    (tmp_path / "dpo.jsonl").write_text(data * 40)
    monkeypatch.setenv("FTLINT_CHUNK_BYTES", "4096")
    parallel = lint_files([str(tmp_path / "dpo.jsonl")], jobs=2, isolated=True)
    assert [d.message for d in parallel.diagnostics if d.code == "FT506"] == [
        found[0].message.replace("200 lines", "8,000 lines")]


def _chat(i, answer=None):
    return {"messages": [{"role": "user", "content": f"What is item {i} about?"},
                         {"role": "assistant", "content": answer or f"Item {i} is about topic {i % 7}."}]}


def test_splits_beside_a_training_split_are_checked_for_leakage_and_not_held_to_its_size(run, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "training_set.jsonl").write_text(rows(_chat(i) for i in range(200)))
    (data / "validation_set.jsonl").write_text(rows(_chat(i) for i in range(0, 60, 2)))  # all 30 in training
    (data / "test.jsonl").write_text(rows([_chat(4), _chat(1000), _chat(1001)]))  # one from training
    result = run("check", "data", "--format", "json")
    found = [(d["path"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]
    leaks = [p for p, c in found if c == "FT708"]
    assert leaks.count("data/validation_set.jsonl") == 30 and leaks.count("data/test.jsonl") == 1
    assert not [p for p, c in found if c in ("FT701", "FT702") and "training" not in p]
    # test data against validation data too
    (data / "test.jsonl").write_text(rows([_chat(2000), _chat(2001)] * 1 + [_chat(3000)]))
    (data / "validation_set.jsonl").write_text(rows([_chat(2000)] + [_chat(i) for i in range(300, 320)]))
    result = run("check", "data", "--format", "json")
    messages = [d["message"] for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "FT708"]
    assert messages == ["this test example also appears in the validation data (data/validation_set.jsonl:1); "
                        "test loss on it measures memorisation"]
    # pairing is off when the config says so, or names the validation file itself
    (tmp_path / "ftlint.toml").write_text("pair-splits = false\n")
    assert "FT708" not in run("check", "data").stdout


def test_a_lone_test_split_is_not_told_it_is_too_small(run, tmp_path):
    (tmp_path / "stock-test-token-reduction.jsonl").write_text(rows(_chat(i) for i in range(9)))
    result = run("check", "stock-test-token-reduction.jsonl", "--isolated")
    assert "FT701" not in result.stdout and "FT702" not in result.stdout
    (tmp_path / "stock.jsonl").write_text(rows(_chat(i) for i in range(9)))
    assert "FT701" in run("check", "stock.jsonl", "--isolated").stdout


def test_a_rare_class_is_named_as_the_finding_not_the_common_ones():
    counts = {"Score: 10/10": 32, "Score: 7/10": 32, "Score: 4/10": 31, "Score: 1/10": 6}
    data = rows(_chat(i * 10 + j, answer=label) for i, (label, n) in enumerate(counts.items()) for j in range(n))
    (d,) = [d for d in lint(data).diagnostics if d.code == "FT706"]
    assert 'the trained answers look like 4 labels and "Score: 1/10" is rare: 6 example(s), 5.3x fewer' in d.message
    assert "dominates" not in d.message and d.line == 96  # the rare label's first line
    skewed = rows(_chat(i, answer="yes" if i < 90 else "no") for i in range(100))
    (d,) = [d for d in lint(skewed).diagnostics if d.code == "FT706"]
    assert '"yes" dominates (90% of them)' in d.message


INSTRUCTION = ("You are a careful annotator. Read the text below, consider its tone, its topic and who wrote it, "
               "then answer with exactly one of the labels bug, feature, question or praise, and nothing else. "
               "Do not explain your answer. Text: ")


def test_near_duplicates_are_not_made_of_a_shared_instruction_tools_images_or_roles():
    def near(data):
        return [d for d in lint(rows(data), select=["FT704"]).diagnostics]

    # (a) a long instruction shared by every user turn, a short text that differs
    items = [f"def test_{name}(): assert {name}(x) == {i}" for i, name in enumerate(
        ["parse", "render", "load", "save", "merge", "split", "sort", "count", "fetch", "send"] * 6)]
    assert near({"messages": [{"role": "user", "content": INSTRUCTION + item},
                              {"role": "assistant", "content": ["bug", "feature", "question"][i % 3]}]}
                for i, item in enumerate(items)) == []
    # (b) templated questions about different companies, answered by different tool calls
    companies = ["Contoso", "Fabrikam", "Northwind", "Tailspin", "Woodgrove", "Litware", "Adatum", "Proseware"]
    assert near({"messages": [
        {"role": "user", "content": f"Could you look up the latest quarterly revenue, the share price and the "
                                    f"market value of {c} for me, please, and compare them with last year?"},
        {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {
            "name": "get_financials", "arguments": json.dumps({"company": c, "ticker": c[:4].upper()})}}]}]}
        for c in companies) == []
    # (c) the same question about different images, with different answers
    question = "Describe what this chart shows, which series grows fastest and what the trend suggests overall."
    assert near({"messages": [
        {"role": "user", "content": [{"type": "text", "text": question},
                                     {"type": "image_url", "image_url": {"url": f"https://x.invalid/{i}.png"}}]},
        {"role": "assistant", "content": f"The chart shows sales by region; region {i} grows fastest."}]}
        for i in range(2)) == []
    # (d) a system and user pair is not a user and empty-assistant pair
    text = "Explain the difference between a list and a tuple in Python, with one example of each, briefly."
    assert near([{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]},
                 {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]}]) == []


def test_a_near_duplicate_names_a_partner_that_is_near_with_the_measured_share():
    base = ("Please explain how to reset the password of a customer account when the customer has lost access "
            "to the email address on file and cannot receive the reset link")
    a = {"messages": [{"role": "user", "content": base + "."}, {"role": "assistant", "content": "Use the admin "
                      "console: verify identity, then set a temporary password and a new email address."}]}
    b = json.loads(json.dumps(a))
    b["messages"][0]["content"] = base.replace("customer account", "client account") + "."
    c = json.loads(json.dumps(b))
    c["messages"][0]["content"] = c["messages"][0]["content"].replace("on file", "on record")
    found = lint(rows([a, b, c]), select=["FT704", "FT705"]).diagnostics
    # b is one word from a; c is one word from b and two from a: c names b, not the group's first
    # line (the old grouping chained c to a through b)
    assert [(d.line, d.message) for d in found] == [
        (2, "near duplicate of line 1: 80% of their words are in segments that match exactly, and the rest "
            "differs by a few words"),
        (3, "near duplicate of line 2: 84% of their words are in segments that match exactly, and the rest "
            "differs by a few words")]


def test_leftovers_of_the_prompt_completion_recipe_are_found_once_with_their_share():
    data = rows({"messages": [{"role": "user", "content": f"Grade this essay {i} for structure.\n\nFeedback:"},
                              {"role": "assistant", "content": f" The essay {i} is clear. #### {i % 10}!!!"}]}
                for i in range(300))
    found = [(d.code, d.line, d.message) for d in lint(data).diagnostics if d.code in ("FT711", "FT712")]
    assert [(c, line_) for c, line_, _ in found] == [("FT711", 1), ("FT712", 1), ("FT712", 1)]
    assert '300 of 300 prompts (100%) end with "Feedback:"' in found[0][2]
    assert "300 of 300 answers (100%) start with whitespace" in found[1][2]
    assert '300 of 300 answers (100%) end with "!!!"' in found[2][2]


def test_natural_endings_are_not_recipe_markers():
    questions = rows({"messages": [{"role": "user", "content": f"What is {i} plus {i}?"},
                                   {"role": "assistant", "content": f"It is {2 * i}."}]} for i in range(100))
    as_json = rows({"messages": [{"role": "user", "content": f"Extract the city from: I live in town {i}."},
                                 {"role": "assistant", "content": json.dumps({"city": f"town {i}"})}]}
                   for i in range(100))
    for data in (questions, as_json):
        assert not {"FT711", "FT712"} & set(codes(lint(data)))


def test_credentials_are_found_by_shape_and_never_repeated_in_full():
    key = "sk-proj-" + "Qw3rTy7uI9oP1aS2dF4gH6jK8lZ0xC5vB7nM9qW2eR4tY6uI8oP0aS3dF5gH7j"
    aws = "AKIAZ7QW2R4T6Y8U1I3O"
    examples = [_chat(i) for i in range(60)]
    examples[10]["messages"][1]["content"] = f"Set OPENAI_API_KEY={key} in the shell."
    examples[20]["messages"][0]["content"] = f"My key {aws} fails, why?"
    # placeholders, documented examples and bare PEM headers are not credentials
    examples[30]["messages"][1]["content"] = "Use AKIAIOSFODNN7EXAMPLE or sk-proj-" + "x" * 40 + "."
    examples[40]["messages"][1]["content"] = "A key file starts with -----BEGIN PRIVATE KEY-----\nMIIE...\n-----END"
    # a secret access key has no prefix: it is found where it is named, and the docs' example passes
    secret = "q8Zr3/Kt7Vb+Xw2Lp9Hs4Nd6Fg1Jc5Ym0Ta8Ue3R"
    examples[50]["messages"][0]["content"] = f'[default]\naws_secret_access_key = "{secret}"'
    examples[51]["messages"][0]["content"] = "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    report = lint(rows(examples))
    found = [d for d in report.diagnostics if d.code == "FT713"]
    assert [(d.line, d.pointer) for d in found[:2]] == [(11, "/messages/1"), (21, "/messages/0")]
    assert [(d.line, d.message.split(" (")[0]) for d in found[2:]] == [(51, "an AWS secret access key")]
    assert secret not in found[2].message
    assert found[0].message.startswith("an OpenAI API key (sk-proj-…)") and "an AWS access key id" in found[1].message
    raw = rows(examples).splitlines()[10]
    assert raw[found[0].column - 1:].startswith(key)  # the column points at the key
    assert all(key not in d.message + (d.fix or "") and aws not in d.message for d in report.diagnostics)


def test_personal_data_is_checked_only_when_selected():
    examples = [_chat(i) for i in range(30)]
    examples[5]["messages"][1]["content"] = "Write to jane.doe@gmail.com or call +44 20 7946 0958."
    examples[6]["messages"][1]["content"] = "Write to support@example.com."
    assert "FT714" not in codes(lint(rows(examples)))
    assert "FT714" not in codes(lint(rows(examples), select=["ALL", "FT7"]))
    found = [d for d in lint(rows(examples), extend_select=["FT714"]).diagnostics if d.code == "FT714"]
    assert [d.line for d in found] == [6, 6] and "jan…@gmail.com" in found[0].message


def test_the_column_points_at_the_offending_value_and_messages_speak_json():
    weight = {"messages": [{"role": "user", "content": "Ça coûte combien, le café ?"},
                           {"role": "assistant", "content": "Deux euros.", "weight": True}]}
    text = line(weight)
    (d,) = [d for d in lint(rows([weight] + [_chat(i) for i in range(20)])).diagnostics if d.code == "FT302"]
    assert text[d.column - 1:].startswith("true") and d.excerpt == "true"  # columns count characters
    assert "got true" in d.message and "True" not in d.message
    # a key written twice: parsers keep the last value, and so does the column
    twice = '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo", ' \
            '"weight": 1, "weight": 1.0}]}'
    (d,) = [d for d in lint(twice + "\n").diagnostics if d.code == "FT302"]
    assert twice[d.column - 1:].startswith("1.0}") and "not 1.0" in d.fix
    dpo = {"input": [{"role": "user", "content": "Q"}], "preferred_output": [{"role": "assistant", "content": "A"}],
           "non_preferred_output": [{"role": "assistant", "content": "B"}]}
    (d,) = [d for d in lint(rows([dpo])).diagnostics if d.code == "FT501"]
    assert d.message.endswith("got an array") and d.excerpt.startswith('[{"role": "user"')


def test_the_real_shaped_corpus_has_no_false_error_no_miss_and_no_forbidden_finding(tmp_path):
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    import realshape
    import verdicts

    realshape.write(tmp_path)
    result = verdicts.measure(tmp_path, None)
    assert result["false_errors"] == [] and result["misses"] == [] and result["forbidden"] == []
    assert result["unexpected_warnings"] == 0 and result["examples"] > 5000


def test_every_pointer_of_random_json_lines_is_located_at_its_value():
    import random

    from ftlint.position import _skip_value, locate

    r = random.Random(3)

    def value(depth):
        kind = r.random()
        if depth > 3 or kind < 0.3:
            return r.choice([True, None, 1.5, -7, 'a\\"b', 'q"uote\\\\', "é ü 😀", "", "x/y~z"])
        if kind < 0.65:
            return [value(depth + 1) for _ in range(r.randint(0, 4))]
        return {r.choice(["a", "b/c", "d~e", "é", 'k"q', "x"]): value(depth + 1) for _ in range(r.randint(0, 4))}

    def pointers(v, at=""):
        yield at, v
        items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
        for k, child in items:
            yield from pointers(child, f"{at}/{str(k).replace('~', '~0').replace('/', '~1')}")

    for _ in range(300):
        doc = value(0)
        raw = json.dumps(doc, ensure_ascii=r.random() < 0.5, indent=r.choice([None, 1])).encode()
        for pointer, expected in pointers(doc):
            at = locate(raw, pointer)
            assert at is not None and json.loads(raw[at:_skip_value(raw, at)]) == expected
    assert locate(b'{"a": [1, 2]}', "/a/5") is None and locate(b'{"a": 1', "/b") is None


def test_a_duplicate_key_is_located_at_its_last_value_however_the_line_spells_it():
    from ftlint.position import column_and_excerpt, locate

    for raw in (b'{"a": 1, "a": 2}', b'{"a": 1, "\\u0061": 2}', b'{"\\u0061": 1, "t": "x\\ny", "a": 2}',
                b'{"a": 1, "b": "\\u00e9\\n", "\\u0061": 2}', b'{"a":1,"b":{"a":3},"a" :  2}'):
        at = locate(raw, "/a")
        assert raw[at:at + 1] == b"2", raw
    # the column counts characters, not bytes, before the value
    assert column_and_excerpt('{"é": 1, "a": "x"}'.encode(), "/a") == (15, '"x"')


def test_azure_models_end_training_on_azure_dates_and_the_open_models_do_not():
    import datetime as dt

    from ftlint.session import Session

    data = rows(_chat(i) for i in range(60)).encode()

    def target_codes(model):
        session = Session.create(isolated=True, target="azure-openai", model=model)
        return [d.code for d in session.lint_bytes(data, "train.jsonl").diagnostics if d.code.startswith("FT80")]

    today = dt.date.today()
    assert ("FT804" in target_codes("gpt-4.1-mini")) == (today >= dt.date(2026, 10, 14))
    assert target_codes("Qwen-32B") == [] and target_codes("gpt-oss-20b") == []


def test_the_words_that_name_a_split_can_be_replaced(run, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(rows(_chat(i) for i in range(100)))
    (data / "heldout.jsonl").write_text(rows(_chat(i) for i in range(3)))
    assert "FT708" not in run("check", "data").stdout  # "heldout" names no split by default
    (tmp_path / "ftlint.toml").write_text('[split-names]\nvalidation = ["heldout"]\n')
    result = run("check", "data")
    assert result.stdout.count("FT708") == 3 + 1  # three lines, and the summary's row
    (tmp_path / "ftlint.toml").write_text('[split-names]\nholdout = ["x"]\n')
    bad = run("check", "data")
    assert bad.exit_code == 2 and "'split-names.holdout' is not a split" in bad.output
