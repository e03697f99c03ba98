"""Generate a realistic fine-tuning JSONL file of a given size, for benchmarks and tests.

    python bench/generate.py --size-mb 1000 --out bench/data/sft-1g.jsonl
    python bench/generate.py --format dpo --size-mb 50 --out bench/data/dpo.jsonl

The data mimics what teams train on: a long system prompt shared by ~30% of lines, multi-turn
conversations with weights, tool definitions and calls, multilingual text, ~1% exact and ~1%
near duplicates, and ~0.4% broken lines of every kind ftlint reports. A manifest next to the
output (<out>.manifest.json) records what was injected, so tests can check what ftlint finds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys

WORDS = {
    "en": "the model should answer every question about the order status refund shipping policy with care and "
          "precision while keeping a friendly tone and citing the relevant rule".split(),
    "de": "das Modell soll jede Frage zur Bestellung Rückerstattung und Lieferung freundlich und präzise "
          "beantworten und die passende Regel nennen".split(),
    "ja": "モデル は 注文 状況 返金 配送 ポリシー に関する すべて の 質問 に 丁寧 かつ 正確 に 答える".split(),
    "ru": "модель должна отвечать на каждый вопрос о заказе возврате и доставке вежливо и точно".split(),
    "zh": "模型 应该 礼貌 而 准确 地 回答 关于 订单 状态 退款 配送 政策 的 每个 问题".split(),
}
def system_prompt(rules: int) -> str:
    return ("You are Nova, the customer support assistant of an online shop. Follow the policy below. "
            + " ".join(f"Rule {i}: " + " ".join(random.Random(i).choices(WORDS["en"], k=18)) + "."
                       for i in range(1, rules + 1)))


# performance.md's reference data: a long system prompt shared by ~30% of lines makes ~58% of the
# bytes; 75 policy rules (~8.7 KB) reproduce that share. --prompt-rules changes it.
SYSTEM_PROMPT = system_prompt(75)
TOOLS = [
    {"type": "function", "function": {
        "name": "get_order", "description": "Look up an order by its id.",
        "parameters": {"type": "object", "properties": {
            "order_id": {"type": "string", "description": "The order id, like A-1234."},
            "include_items": {"type": "boolean", "description": "Whether to list the items."}},
            "required": ["order_id"]}}},
    {"type": "function", "function": {
        "name": "refund", "description": "Refund an order.",
        "parameters": {"type": "object", "properties": {
            "order_id": {"type": "string"}, "reason": {"type": "string", "enum": ["damaged", "late", "other"]}},
            "required": ["order_id", "reason"]}}},
]
BROKEN = [
    ("FT004", lambda r, line: line[: len(line) // 2]),
    ("FT003", lambda r, line: ""),
    ("FT005", lambda r, line: json.dumps([1, 2, 3])),
    ("FT201", lambda r, line: json.dumps({"messages": [{"role": "user", "content": "Hi"}]})),
    ("FT302", lambda r, line: line.replace('"weight": 0', '"weight": 0.5', 1) if '"weight": 0' in line
     else json.dumps({"messages": [{"role": "user", "content": "x"},
                                   {"role": "assistant", "content": "y", "weight": 0.5}]})),
    ("FT103", lambda r, line: line.replace('"role": "user"', '"role": "human"', 1)),
    ("FT001", None),
]


def sentence(r: random.Random, lang: str, n: int) -> str:
    words = r.choices(WORDS[lang], k=n)
    sep = "" if lang in ("ja", "zh") else " "
    return sep.join(words).capitalize() + ("。" if lang in ("ja", "zh") else ".")


def conversation(r: random.Random, i: int) -> dict:
    lang = r.choices(list(WORDS), weights=[6, 1, 1, 1, 1])[0]
    messages: list[dict] = []
    if r.random() < 0.3:
        messages.append({"role": "system", "content": SYSTEM_PROMPT})
    elif r.random() < 0.5:
        messages.append({"role": "system", "content": "You are a helpful assistant."})
    example: dict = {"messages": messages}
    turns = r.choice([1, 1, 2, 3])
    for t in range(turns):
        messages.append({"role": "user", "content": f"[{i}] " + sentence(r, lang, r.randint(8, 60))})
        if r.random() < 0.15:
            call_id = f"call_{i}_{t}"
            messages.append({"role": "assistant", "tool_calls": [{"id": call_id, "type": "function", "function": {
                "name": "get_order", "arguments": json.dumps({"order_id": f"A-{i}"})}}]})
            messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps({"status": "shipped"})})
            example["tools"] = TOOLS
        answer: dict = {"role": "assistant", "content": sentence(r, lang, r.randint(20, 160))}
        if turns > 1 and t < turns - 1 and r.random() < 0.5:
            answer["weight"] = 0
        messages.append(answer)
    return example


def preference(r: random.Random, i: int) -> dict:
    lang = r.choices(list(WORDS), weights=[6, 1, 1, 1, 1])[0]
    messages = [{"role": "user", "content": f"[{i}] " + sentence(r, lang, r.randint(8, 60))}]
    if r.random() < 0.3:
        messages.insert(0, {"role": "system", "content": SYSTEM_PROMPT})
    return {"input": {"messages": messages},
            "preferred_output": [{"role": "assistant", "content": sentence(r, lang, r.randint(20, 120))}],
            "non_preferred_output": [{"role": "assistant", "content": sentence(r, lang, r.randint(5, 40))}]}


def near_copy(r: random.Random, line: str) -> str:
    ex = json.loads(line)
    msgs = ex["messages"] if "messages" in ex else ex["input"]["messages"]
    for m in msgs:
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            m["content"] = m["content"].upper().replace(".", "!") + "  "
            break
    return json.dumps(ex, ensure_ascii=False)


def generate(out, size_bytes: int, fmt: str, seed: int, broken_rate: float, dup_rate: float) -> dict:
    r = random.Random(seed)
    make = conversation if fmt == "sft" else preference
    manifest: dict = {"format": fmt, "lines": 0, "bytes": 0, "exact_duplicates": 0, "near_duplicates": 0,
                      "broken": {}, "shared_prompt_bytes": 0}
    recent: list[str] = []
    seen: set[bytes] = set()  # canonical forms of the examples written, to count exact duplicates
    manifest["near_duplicate_lines"] = []
    written = 0
    i = 0
    while written < size_bytes:
        i += 1
        roll = r.random()
        near = False
        if recent and roll < dup_rate:
            line = r.choice(recent)
        elif recent and roll < 2 * dup_rate:
            line = near_copy(r, r.choice(recent))
            near = True
        else:
            line = json.dumps(make(r, i), ensure_ascii=False)
            if len(recent) < 1000:
                recent.append(line)
            else:
                recent[r.randrange(1000)] = line
        data = (line + "\n").encode()
        if r.random() < broken_rate:
            code, mutate = r.choice(BROKEN)
            if mutate is None:
                data = data[:10] + b"\xff\xfe" + data[10:]
            else:
                data = (mutate(r, line) + "\n").encode()
            manifest["broken"][code] = manifest["broken"].get(code, 0) + 1
        out.write(data)
        written += len(data)
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and ("messages" in parsed or "input" in parsed):
            canonical = hashlib.blake2b(json.dumps(parsed, sort_keys=True, ensure_ascii=False).encode(),
                                        digest_size=16).digest()
            if canonical in seen:
                manifest["exact_duplicates"] += 1
            else:
                seen.add(canonical)
                if near:
                    manifest["near_duplicates"] += 1
                    manifest["near_duplicate_lines"].append(manifest["lines"] + 1)
        if SYSTEM_PROMPT in line:
            manifest["shared_prompt_bytes"] += len(SYSTEM_PROMPT.encode())
        manifest["lines"] += 1
    manifest["bytes"] = written
    manifest["shared_prompt_share"] = round(manifest["shared_prompt_bytes"] / max(written, 1), 3)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=100, help="size of the file in MB (10^6 bytes)")
    ap.add_argument("--format", choices=["sft", "dpo"], default="sft")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--broken-rate", type=float, default=0.004)
    ap.add_argument("--dup-rate", type=float, default=0.01)
    ap.add_argument("--prompt-rules", type=int, default=75,
                    help="policy rules in the shared system prompt (75: ~58%% of the bytes, as in performance.md)")
    ap.add_argument("--out", required=True, help="output path, or - for stdout")
    args = ap.parse_args(argv)
    global SYSTEM_PROMPT
    SYSTEM_PROMPT = system_prompt(args.prompt_rules)
    size = int(args.size_mb * 1e6)
    if args.out == "-":
        manifest = generate(sys.stdout.buffer, size, args.format, args.seed, args.broken_rate, args.dup_rate)
    else:
        with open(args.out, "wb") as fh:
            manifest = generate(fh, size, args.format, args.seed, args.broken_rate, args.dup_rate)
        with open(args.out + ".manifest.json", "w") as fh:
            json.dump(manifest, fh, indent=2)
    print(json.dumps(manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
