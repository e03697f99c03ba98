"""A corpus of real-shaped fine-tuning files, written by this script (no published file is copied):
each file has the shape of a kind of file people publish and train on, with what ftlint should
say about it. ``bench/verdicts.py`` lints the corpus and counts false errors, warnings and misses.

    python bench/realshape.py OUT_DIR        # writes the files and OUT_DIR/manifest.json
"""

from __future__ import annotations

import base64
import json
import random
import sys
from pathlib import Path

TOPICS = ["billing", "shipping", "returns", "login", "warranty", "delivery", "refund", "account", "invoice", "order"]
WORDS = ("the a customer parcel order week days address card payment account store help please issue status "
         "again today tomorrow price item size colour box label driver depot courier email phone").split()
COMPANIES = ["Contoso", "Fabrikam", "Northwind", "Tailspin", "Woodgrove", "Litware", "Adatum", "Proseware",
             "Wingtip", "Alpine", "Coho", "Datum", "Lamna", "Margie", "Relecloud", "Trey", "Humongous", "Lucerne"]


def words(r: random.Random, n: int) -> str:
    return " ".join(r.choice(WORDS) for _ in range(n))


def chat(system: str | None, turns: list[tuple[str, str]]) -> dict:
    msgs = [{"role": "system", "content": system}] if system else []
    for user, assistant in turns:
        msgs += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": msgs}


def support(r: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        topic = r.choice(TOPICS)
        turns = [(f"Hi, I have a {topic} question about order {1000 + i}: {words(r, r.randint(6, 14))}?",
                  f"Thanks for asking about {topic}. For order {1000 + i}, {words(r, r.randint(12, 30))}.")]
        for _ in range(r.randint(0, 2)):
            turns.append((f"And {words(r, r.randint(4, 10))}?", f"Yes: {words(r, r.randint(8, 20))}."))
        out.append(chat("You are a helpful support agent for an online store.", turns))
    return out


def tools(r: random.Random, n: int) -> list[dict]:
    spec = [{"type": "function", "function": {"name": "get_financials", "description": "Company figures",
             "parameters": {"type": "object", "properties": {"company": {"type": "string"},
                                                             "quarter": {"type": "string"}},
                            "required": ["company"]}}}]
    out = []
    for i in range(n):
        c, q = COMPANIES[i % len(COMPANIES)], f"Q{1 + i % 4} {2020 + i % 5}"
        call = {"id": f"call_{i}", "type": "function",
                "function": {"name": "get_financials", "arguments": json.dumps({"company": c, "quarter": q})}}
        result = {"revenue": round(r.uniform(1, 90), 1), "margin": round(r.uniform(0.05, 0.4), 2)}
        out.append({"tools": spec, "messages": [
            {"role": "system", "content": "You answer questions about company finances using the tools."},
            {"role": "user", "content": f"What was the revenue and the margin of {c} in {q}, and how does that "
                                        f"compare with the quarter before?"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"call_{i}", "content": json.dumps(result)},
            {"role": "assistant", "content": f"{c} had revenue of {result['revenue']}M in {q} with a margin of "
                                             f"{result['margin']:.0%}."}]})
    return out


def vision(r: random.Random, n: int) -> list[dict]:
    q = "Describe what this chart shows and which series grows fastest."
    return [{"messages": [{"role": "user", "content": [{"type": "text", "text": q}, {"type": "image_url", "image_url":
             {"url": f"https://charts.invalid/{i:04d}.png"}}]},
            {"role": "assistant", "content": [{"type": "text", "text": f"The chart shows {words(r, 8)}; series "
                                                                         f"{r.choice('ABCD')} grows fastest."}]}]}
            for i in range(n)]


INSTRUCTION = ("You are an expert reviewer of unit tests. Read the test function below and classify the quality of "
               "its assertions on a scale, answering with exactly one score label and nothing else. Test: ")


def classify(r: random.Random, n: int) -> list[dict]:
    labels = ["Score: 10/10"] * 32 + ["Score: 7/10"] * 32 + ["Score: 4/10"] * 31 + ["Score: 1/10"] * 6
    out = []
    for i in range(n):
        fn = f"def test_{r.choice(WORDS)}_{i}(): assert {r.choice(WORDS)}({i}) == {r.randint(0, 99)}"
        out.append({"messages": [{"role": "user", "content": INSTRUCTION + fn},
                                 {"role": "assistant", "content": labels[i % len(labels)]}]})
    return out


def dpo_multiturn(r: random.Random, n: int) -> list[dict]:
    return [{"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
                                    {"role": "user", "content": f"Explain {words(r, 5)} briefly."}]},
             "preferred_output": [{"role": "assistant", "content": f"In short: {words(r, 12)}."}],
             "non_preferred_output": [{"role": "assistant", "content": f"Well {words(r, 3)}."}]} for _ in range(n)]


def recipe(r: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        a, b = r.randint(2, 400), 7 + i
        out.append(chat("Solve the problem step by step.", [(
            f"A shop sells {a} boxes a day for {b} days. How many boxes is that?\nSolution:",
            f" {a} boxes a day times {b} days is {a * b} boxes. #### {a * b}!!!")]))
    return out


def secrets(r: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        out.append(chat(None, [(f"How do I load a private key in Python for job {i}?",
                                "Read the file, which starts with -----BEGIN PRIVATE KEY-----, with "
                                "serialization.load_pem_private_key(data, password=None). Never commit it.")]))
    key_body = base64.b64encode(bytes(r.randrange(256) for _ in range(200))).decode()
    out[7]["messages"][0]["content"] = ("This key fails to load:\n-----BEGIN PRIVATE KEY-----\n" + key_body
                                        + "\n-----END PRIVATE KEY-----")
    out[70]["messages"][0]["content"] = "My script uses AKIA" + "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ234567")
                                                                       for _ in range(16)) + " and fails."
    out[140]["messages"][1]["content"] = "Set GITHUB_TOKEN=ghp_" + "".join(r.choice(
        "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(36)) + " and retry."
    return out


def alpaca(r: random.Random, n: int) -> list[dict]:
    return [{"instruction": f"Summarise: {words(r, 6)}", "input": words(r, 10) if i % 2 else "",
             "output": words(r, 8)} for i in range(n)]


def sharegpt(r: random.Random, n: int) -> list[dict]:
    return [{"conversations": [{"from": "human", "value": words(r, 8)}, {"from": "gpt", "value": words(r, 12)}]}
            for _ in range(n)]


def legacy_functions(r: random.Random, n: int) -> list[dict]:
    fns = [{"name": "get_stock", "description": "Stock price", "parameters": {
        "type": "object", "properties": {"ticker": {"type": "string"}}, "required": ["ticker"]}}]
    out = []
    for i in range(n):
        c = COMPANIES[i % len(COMPANIES)]
        if i % 2:
            last = {"role": "assistant", "function_call": {"name": "get_stock",
                                                           "arguments": json.dumps({"ticker": c[:4].upper()})}}
        else:
            last = {"role": "assistant", "content": f"I can look up {c} for you: which figure do you need?"}
        out.append({"functions": fns, "messages": [{"role": "user", "content": f"Tell me about {c} stock: "
                                                                              f"{words(r, 12)}?"}, last]})
    return out


def conflicts(r: random.Random, n: int) -> list[dict]:
    out = support(r, n)
    for i in range(0, 40, 2):  # the same question, labelled two ways
        out[i + 1] = json.loads(json.dumps(out[i]))
        out[i + 1]["messages"][-1]["content"] = "I am not sure, please contact the store directly."
    return out


# (folder/file, rows, target, expected codes (errors among them are true), codes that must not appear)
CORPUS = [
    ("clean-chat/train.jsonl", lambda r: support(r, 400), "openai", [], ["FT704"]),
    ("azure-bom/train.jsonl", lambda r: support(r, 120), "azure-openai", [], ["FT002"]),
    ("tools/train.jsonl", lambda r: tools(r, 150), "openai", [], ["FT704"]),
    ("vision/train.jsonl", lambda r: vision(r, 60), "openai", [], ["FT704"]),
    ("classify/train.jsonl", lambda r: classify(r, 2100), "openai", ["FT706"], ["FT704"]),
    ("splits/training_set.jsonl", lambda r: support(r, 300), "openai", [], []),
    ("splits/validation_set.jsonl", None, "openai", ["FT708"], ["FT702", "FT701"]),
    ("dpo/train.jsonl", lambda r: dpo_multiturn(r, 200), "openai", ["FT506"], []),
    ("recipe/train.jsonl", lambda r: recipe(r, 450), "openai", ["FT711", "FT712"], []),
    ("secrets/train.jsonl", lambda r: secrets(r, 200), "openai", ["FT713"], []),
    ("alpaca/alpaca.jsonl", lambda r: alpaca(r, 500), "openai", ["FT019"], []),
    ("sharegpt/sharegpt.jsonl", lambda r: sharegpt(r, 300), "openai", ["FT019"], []),
    ("legacy-functions/train.jsonl", lambda r: legacy_functions(r, 96), "openai", ["FT407"], []),
    ("conflicts/train.jsonl", lambda r: conflicts(r, 200), "openai", ["FT705"], ["FT704"]),
]


def write(out: Path, seed: int = 11) -> list[dict]:
    manifest = []
    for rel, make, target, expect, forbid in CORPUS:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        r = random.Random(f"{seed}:{rel}")
        if make is None:  # the validation split: 60 lines of the training split beside it
            rows = [json.loads(x) for x in (out / "splits/training_set.jsonl").read_text().splitlines()[::5]]
        else:
            rows = make(r)
        text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows)
        data = ("\ufeff" + text if "bom" in rel else text).encode()
        path.write_bytes(data)
        manifest.append({"path": rel, "target": target, "examples": len(rows), "expect": expect, "forbid": forbid})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


if __name__ == "__main__":
    write(Path(sys.argv[1]))
