"""A labelled set of example pairs for the near-duplicate rule: (first, second, is_near_duplicate).

Positives differ from their original only in case, spacing, punctuation, or one or two words
(replaced, inserted or deleted anywhere); negatives are other conversations, including ones that
share a template or half their text. Deterministic for a seed.
"""

from __future__ import annotations

import random

WORDS = ("order refund shipping parcel address invoice account password delivery return warranty store "
         "customer support payment card tracking number week days city country price discount size colour "
         "product review email phone weekend morning evening help issue problem question answer please "
         "thanks today tomorrow quickly carefully again already still never always usually").split()
GLUE = "the a to of and in for is it on with my your can you we how what when where why".split()


def sentence(r: random.Random, n: int) -> str:
    words = [r.choice(WORDS) if r.random() < 0.6 else r.choice(GLUE) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def conversation(r: random.Random) -> dict:
    return {"messages": [{"role": "user", "content": sentence(r, r.randint(8, 25))},
                         {"role": "assistant", "content": sentence(r, r.randint(12, 45))}]}


def _edit_words(r: random.Random, text: str, kind: str, count: int) -> str:
    words = text.split(" ")
    for _ in range(count):
        i = r.randrange(len(words))
        if kind == "replace":
            words[i] = r.choice(WORDS) + "x"
        elif kind == "insert":
            words.insert(i, r.choice(WORDS) + "y")
        elif len(words) > 3:
            del words[i]
    return " ".join(words)


def variant(r: random.Random, ex: dict, kind: str) -> dict:
    msgs = [dict(m) for m in ex["messages"]]
    target = msgs[r.randrange(2)]
    text = target["content"]
    if kind == "case":
        text = r.choice([text.upper(), text.lower(), text.title()])
    elif kind == "space":
        text = "  " + text.replace(" ", "  ", 3) + " \n"
    elif kind == "punct":
        text = text.replace(".", "!").replace(" ", ", ", 2)
    else:
        text = _edit_words(r, text, kind, r.randint(1, 2))
    target["content"] = text
    return {"messages": msgs}


def pairs(seed: int = 7, n: int = 200) -> list[tuple[dict, dict, bool]]:
    r = random.Random(seed)
    out = []
    kinds = ["case", "space", "punct", "replace", "insert", "delete"]
    for i in range(n):
        base = conversation(r)
        out.append((base, variant(r, base, kinds[i % len(kinds)]), True))
    for i in range(n):
        base = conversation(r)
        other = conversation(r)
        if i % 2:  # same user turn, another answer: a different example
            other["messages"][0] = dict(base["messages"][0])
        out.append((base, other, False))
    return out


def templated(seed: int = 5, n: int = 3000) -> list[dict]:
    """A classification dataset: two instruction templates of 13 and 15 words, each followed by a
    different input of 10 to 30 words, and a one-word label. No two are near duplicates; all share
    a template with half the others."""
    r = random.Random(seed)
    vocabulary = [w + s for w in WORDS for s in ("", "s", "ed", "ing", "er")]
    templates = ["Classify the sentiment of the following customer review as positive or negative. Review: {}",
                 "Read the support ticket below and answer with the team that should handle it. Ticket: {}"]
    out = []
    for i in range(n):
        words = [r.choice(vocabulary) if r.random() < 0.7 else r.choice(GLUE) for _ in range(r.randint(10, 30))]
        out.append({"messages": [{"role": "user", "content": templates[i % 2].format(" ".join(words))},
                                 {"role": "assistant", "content": r.choice(["positive", "negative", "billing"])}]})
    return out
