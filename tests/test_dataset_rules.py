"""Dataset rules: counts against the generator's manifest, near-duplicate precision and recall,
parallel runs identical to one job, validation leakage, refusals, labels, progress."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from neardup_set import pairs

from conftest import ROOT, good_lines, line, lint
from ftlint.config import Config
from ftlint.progress import Progress, wanted
from ftlint.session import Session


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "data.jsonl"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--size-mb", "4", "--seed", "3",
                    "--dup-rate", "0.03", "--prompt-rules", "5", "--out", str(path)], check=True, capture_output=True)
    return path, json.loads((path.parent / "data.jsonl.manifest.json").read_text())


def test_exact_and_near_duplicates_match_the_manifest(generated):
    path, manifest = generated
    report = Session.create(config=Config()).lint([str(path)])
    exact = [d for d in report.diagnostics if d.code == "FT703"]
    near = {d.line for d in report.diagnostics if d.code == "FT704"}
    assert len(exact) == manifest["exact_duplicates"] > 50
    injected = set(manifest["near_duplicate_lines"])
    assert len(injected) > 50
    recall = len(near & injected) / len(injected)
    precision = len(near & injected) / len(near)
    assert recall == 1.0 and precision == 1.0


def test_near_duplicate_precision_and_recall_on_the_labelled_set():
    # A pair is reported once: as a near duplicate (FT704), or, when the prompt is the same and the
    # answer differs in words, as conflicting answers (FT705). Recall counts either; a false report
    # is FT704 calling a pair that is not one a near duplicate.
    tp = fp = fn = 0
    for a, b, is_near in pairs(n=300):
        report = lint(line(a) + "\n" + line(b) + "\n", select=["FT704", "FT705"])
        found = {d.code for d in report.diagnostics}
        assert found != {"FT704", "FT705"}  # never both for one pair
        hit = bool(found) if is_near else "FT704" in found
        tp += hit and is_near
        fp += hit and not is_near
        fn += is_near and not hit
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    # the figures rules/FT704.md states
    assert precision == 1.0
    assert recall >= 0.86


def test_a_shared_first_turn_with_another_answer_is_not_a_near_duplicate():
    user = {"role": "user", "content": "Summarise the delivery policy for parcels sent abroad in two sentences."}
    first = {"messages": [user, {"role": "assistant", "content": "Parcels abroad ship in five days."}]}
    longer = {"messages": [user, {"role": "assistant", "content": "International parcels leave the warehouse "
                                  "within five working days and arrive within two weeks, tracked all the way."}]}
    edited = {"messages": [user, {"role": "assistant", "content": "Parcels abroad ship in six days."}]}
    report = lint("\n".join(map(line, (first, longer, edited))) + "\n", select=["FT704", "FT705"])
    # the same prompt with an answer that differs in a word: one report, as conflicting answers
    assert [(d.code, d.line) for d in report.diagnostics] == [("FT705", 2), ("FT705", 3)]
    # four words inserted in one place (of the question: the prompts differ): more than three, so
    # only a looser setting reports it
    padded = {"messages": [{"role": "user", "content": user["content"].replace(
        "in two sentences", "in two sentences for a new customer")}, longer["messages"][1]]}
    data = "\n".join(map(line, (longer, padded))) + "\n"
    assert lint(data, select=["FT704"]).diagnostics == []
    loose = lint(data, select=["FT704"], rules={"FT704": {"max-word-difference": 5}})
    assert [d.line for d in loose.diagnostics] == [2]


def test_parallel_runs_are_identical_to_one_job(generated, tmp_path):
    path, _ = generated
    other = tmp_path / "second.jsonl"
    other.write_bytes(path.read_bytes()[: 600_000].rsplit(b"\n", 1)[0] + b"\n")  # duplicates across files
    session = Session.create(config=Config(model="gpt-4o-mini"))
    one = session.lint([str(path), str(other)], jobs=1)
    two = session.lint([str(path), str(other)], jobs=2, chunk_bytes=250_000)  # ~17 parts per file
    assert one.diagnostics == two.diagnostics
    assert [(f.path, f.lines, f.examples, f.size, f.formats) for f in one.files] == \
        [(f.path, f.lines, f.examples, f.size, f.formats) for f in two.files]
    assert one.estimate == two.estimate and one.errors == two.errors == []
    assert one.observed == two.observed and one.estimate.tokens_per_epoch > 0
    # duplicates whose first copy lies in an earlier part are found across part boundaries
    far = [d for d in two.diagnostics if d.code == "FT703" and d.path == str(path)
           and int(d.message.split("line ")[1].split(" ")[0]) < d.line - 1000]
    assert far
    assert any(d.code == "FT703" and d.path == str(other) for d in two.diagnostics)


def test_cli_jobs_and_validation(run, tmp_path):
    (tmp_path / "train.jsonl").write_text(good_lines(60))
    (tmp_path / "valid.jsonl").write_text(good_lines(3) + line(
        {"messages": [{"role": "user", "content": "Question 7?"}, {"role": "assistant", "content": "Other."}]}) + "\n")
    one = json.loads(run("train.jsonl", "--validation", "valid.jsonl", "--format", "json", "-j", "1").output)
    two = json.loads(run("train.jsonl", "--validation", "valid.jsonl", "--format", "json", "-j", "2").output)
    assert one["diagnostics"] == two["diagnostics"]
    leaks = [(d["path"], d["line"]) for d in one["diagnostics"] if d["code"] == "FT708"]
    assert leaks == [("valid.jsonl", 1), ("valid.jsonl", 2), ("valid.jsonl", 3), ("valid.jsonl", 4)]
    assert "prompt also appears" in [d for d in one["diagnostics"] if d["code"] == "FT708"][3]["message"]
    assert not any(d["code"] == "FT701" for d in one["diagnostics"])  # validation files need no 10 examples


def _chat(question: str, answer: str) -> str:
    return line({"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}) + "\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_held_out_example_cites_the_earliest_split_that_holds_it(run, tmp_path, jobs):
    (tmp_path / "train.jsonl").write_text(good_lines(20) + _chat("Alpha?", "One."))
    (tmp_path / "validation.jsonl").write_text(_chat("Beta?", "Two.") + _chat("Alpha?", "Different.")
                                               + _chat("Alpha?", "Else."))
    (tmp_path / "test.jsonl").write_text(_chat("Beta?", "Two.") + _chat("Alpha?", "One.") + _chat("Alpha?", "Else.")
                                         + _chat("Beta?", "Three.") + _chat("Gamma?", "Unseen."))
    report = json.loads(run("train.jsonl", "validation.jsonl", "test.jsonl", "--format", "json", "-j", jobs).output)
    leaks = [(d["path"], d["line"], d["message"]) for d in report["diagnostics"] if d["code"] == "FT708"]
    assert leaks == [
        ("test.jsonl", 1, "this test example also appears in the validation data (validation.jsonl:1); "
                          "test loss on it measures memorisation"),
        ("test.jsonl", 2, "this test example also appears in the train data (train.jsonl:21); "
                          "test loss on it measures memorisation"),
        # its whole example is in the validation data, but its prompt was trained on first
        ("test.jsonl", 3, "this test example's prompt also appears in the train data (train.jsonl:21)"),
        ("test.jsonl", 4, "this test example's prompt also appears in the validation data (validation.jsonl:1)"),
        ("validation.jsonl", 2, "this validation example's prompt also appears in the train data (train.jsonl:21)"),
        ("validation.jsonl", 3, "this validation example's prompt also appears in the train data (train.jsonl:21)"),
    ]


def test_refusals_in_english_and_chinese_and_from_plugins(run, tmp_path):
    answers = ["Sure, here it is."] * 16 + ["I'm sorry, but I can't help with that.", "抱歉，我无法回答这个问题。",
                                           "Je ne peux pas répondre.", "Je ne peux pas répondre à cela."]
    (tmp_path / "train.jsonl").write_text("".join(line({"messages": [
        {"role": "user", "content": f"Q{i}"}, {"role": "assistant", "content": a}]}) + "\n"
        for i, a in enumerate(answers)))
    found = [d for d in json.loads(run("train.jsonl", "--format", "json").output)["diagnostics"]
             if d["code"] == "FT707"]
    assert found == []  # 2 of 20: at the threshold
    (tmp_path / "acme.py").write_text(
        "from ftlint import hookimpl\n@hookimpl\ndef register_rule_options(register):\n"
        "    register('refusal-ratio', {'extra-patterns': ['je ne peux pas']})\n")
    (tmp_path / "ftlint.toml").write_text('plugins = ["acme.py"]\n')
    found = [d for d in json.loads(run("train.jsonl", "--format", "json").output)["diagnostics"]
             if d["code"] == "FT707"]
    assert len(found) == 1 and "4 of 20 trained answers (20%)" in found[0]["message"]
    assert "train.jsonl:17" in found[0]["message"] and "train.jsonl:18" in found[0]["message"]


def test_register_rule_options(run, tmp_path):
    (tmp_path / "train.jsonl").write_text(good_lines(60))
    (tmp_path / "strict.py").write_text(
        "from ftlint import hookimpl\n@hookimpl\ndef register_rule_options(register):\n"
        "    register('FT702', {'minimum': 100})\n")
    (tmp_path / "ftlint.toml").write_text('plugins = ["strict.py"]\n')
    assert "FT702" in run("train.jsonl").output
    (tmp_path / "strict.py").write_text(
        "from ftlint import hookimpl\n@hookimpl\ndef register_rule_options(register):\n"
        "    register('FT702', {'minmum': 100})\n")
    bad = run("train.jsonl")
    assert bad.exit_code == 2 and "plugin strict: rule FT702 (few-examples) has no option 'minmum'" in bad.output


def test_labels_from_a_json_pointer(run, tmp_path):
    sports = ["football"] * 18 + ["tennis"] * 2
    (tmp_path / "train.jsonl").write_text("".join(line({"messages": [
        {"role": "user", "content": f"Headline {i}"},
        {"role": "assistant", "content": json.dumps({"sport": s, "confidence": 0.9})}]}) + "\n"
        for i, s in enumerate(sports)) + good_lines(30))
    plain = json.loads(run("train.jsonl", "--format", "json").output)["diagnostics"]
    assert not any(d["code"] == "FT706" for d in plain)  # free-text answers: not labels
    (tmp_path / "ftlint.toml").write_text('[rules.label-imbalance]\nlabel-pointer = "/sport"\n')
    found = [d for d in json.loads(run("train.jsonl", "--format", "json").output)["diagnostics"]
             if d["code"] == "FT706"]
    assert len(found) == 1 and '"football": 18 (90%)' in found[0]["message"]


def test_conflicting_answers_name_the_group(run, tmp_path):
    rows = good_lines(50) + "".join(line({"messages": [{"role": "user", "content": "Refund policy?"},
                                                       {"role": "assistant", "content": a}]}) + "\n"
                                    for a in ("30 days.", "14 days.", "30 days."))
    (tmp_path / "train.jsonl").write_text(rows)
    found = [d for d in json.loads(run("train.jsonl", "--format", "json").output)["diagnostics"]
             if d["code"] == "FT705"]
    assert [d["line"] for d in found] == [52, 53]
    assert "2 different trained answers (lines 51, 52, 53)" in found[0]["message"]


def test_progress_line():
    out = io.StringIO()
    p = Progress(out, min_interval=0)
    p.start(200_000_000)
    p.advance(50_000_000)
    p.close()
    text = out.getvalue()
    assert "50 of 200 MB (25%)" in text and "s left" in text and text.endswith("\r\x1b[2K")
    assert wanted(True, io.StringIO()) is False  # not a terminal


def test_a_tool_defined_another_way_in_the_validation_file(run, tmp_path):
    def tool_line(city_description: str, n: int) -> str:
        tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                  "parameters": {"type": "object", "properties": {"city": {"type": "string",
                                                                           "description": city_description}}}}}]
        return line({"messages": [{"role": "user", "content": f"Weather {n}?"},
                                  {"role": "assistant", "content": f"Sunny {n}."}], "tools": tools}) + "\n"

    (tmp_path / "train.jsonl").write_text("".join(tool_line("City name", n) for n in range(60)))
    (tmp_path / "valid.jsonl").write_text(tool_line("City name", 100) + tool_line("City, country", 101))
    one = json.loads(run("train.jsonl", "--validation", "valid.jsonl", "--format", "json", "-j", "1").output)
    two = json.loads(run("train.jsonl", "--validation", "valid.jsonl", "--format", "json", "-j", "2").output)
    found = [d for d in one["diagnostics"] if d["code"] == "FT710"]
    assert [(d["path"], d["line"]) for d in found] == [("valid.jsonl", 2)]
    assert "1 example(s) use this definition, 61 the one at train.jsonl:1" in found[0]["message"]
    assert 'differs in parameter "city"' in found[0]["message"]
    assert one["diagnostics"] == two["diagnostics"]


@pytest.mark.parametrize("kept", [0, 300])
def test_bands_grouped_once_or_again_when_too_many_to_keep_give_the_same_findings(generated, monkeypatch, kept):
    import ftlint.rules.duplicates as duplicates

    data = generated[0].read_bytes()
    groupings = []
    real = duplicates.repeated_groups

    def counted(keys, locs):
        groupings.append(len(keys))
        return real(keys, locs)

    monkeypatch.setattr(duplicates, "repeated_groups", counted)

    def found():
        del groupings[:]
        report = lint(data, select=["FT704"])
        return [(d.line, d.message, d.related) for d in report.diagnostics], len(groupings)

    whole, once = found()
    monkeypatch.setattr(duplicates, "KEPT_MEMBERS", kept)
    again, more = found()
    assert again == whole and len(whole) > 50
    # the same text, then each of the 4 bands once: kept from the pass that finds template text
    assert once == 5 and (more == 9 if kept == 0 else 5 < more < 9)


# 18 bits is the default; with 3 the sketch's counters are shared by thousands of segments each,
# so it rules out nothing and every asked segment is counted exactly: the verdicts must not move
@pytest.mark.parametrize("sketch_bits", [18, 3])
def test_templated_data_false_reports_stay_within_the_pages_figures(monkeypatch, sketch_bits):
    from neardup_set import templated

    import ftlint.rules.duplicates as duplicates

    monkeypatch.setattr(duplicates, "SKETCH_BITS", sketch_bits)

    data = "\n".join(map(line, templated())) + "\n"

    def found(share):
        return {seg: sum(d.code == "FT704" for d in lint(data, select=["FT704"], rules={
            "FT704": {"segments": seg, "common-share": share}}).diagnostics) for seg in (4, 6, 8)}

    # the figures rules/FT704.md gives: the shared template is no evidence, so no false report;
    # counted as evidence (common-share 1), it made 84, 36 and 5 of them out of 3,000
    assert found(0.01) == {4: 0, 6: 0, 8: 0}
    assert found(1.0) == {4: 84, 6: 36, 8: 5}


def test_the_same_prompt_with_other_weights_on_earlier_turns_is_the_same_prompt(run, tmp_path):
    def example(weight, answer):
        first = {"role": "assistant", "content": "Which order?"}
        if weight is not None:
            first["weight"] = weight
        return line({"messages": [{"role": "user", "content": "Where is my parcel?"}, first,
                                  {"role": "user", "content": "Order 1234."},
                                  {"role": "assistant", "content": answer}]}) + "\n"

    (tmp_path / "train.jsonl").write_text(good_lines(50) + example(0, "It ships today.") + example(None, "It is lost."))
    found = [d for d in json.loads(run("train.jsonl", "--format", "json").output)["diagnostics"]
             if d["code"] == "FT705"]
    assert [d["line"] for d in found] == [52]
