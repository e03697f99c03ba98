"""ACME's organisation rules for fine-tuning data, as an ftlint plugin.

ACME001 banned-phrase: assistant answers must not contain phrases the organisation bans.
ACME002 email-in-assistant: assistant answers must not contain e-mail addresses outside the
allowed domains (training data must not teach the model real people's addresses).
"""

from __future__ import annotations

import re

from ftlint import Finding, Option, Rule, Severity, hookimpl

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def assistant_texts(ex):
    """(pointer, text) for every text an assistant says, in plain or content-part form."""
    for pointer, message, _ in ex.iter_messages():
        if message.get("role") != "assistant":
            continue
        content = message.get("content")
        if isinstance(content, str):
            yield f"{pointer}/content", content
        elif isinstance(content, list):
            for i, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield f"{pointer}/content/{i}/text", part["text"]


class BannedPhrase(Rule):
    """# ACME001 banned-phrase

    Assistant answers that contain a phrase the organisation bans (case-insensitive).

    ## Why

    Phrases like "As an AI language model" make a fine-tuned assistant sound generic; the brand
    guide bans them.

    ## Options

    `phrases` (list of strings): the banned phrases.
    """

    code = "ACME001"
    name = "banned-phrase"
    summary = "An assistant answer contains a banned phrase"
    severity = Severity.WARNING
    options = {"phrases": Option(["as an ai language model"], "Banned phrases, matched case-insensitively.",
                                 list, item_type=str)}

    def configure(self):
        self.phrases = [p.lower() for p in self.opts["phrases"]]

    def check(self, ex):
        for pointer, text in assistant_texts(ex):
            lowered = text.lower()
            for phrase in self.phrases:
                if phrase in lowered:
                    yield Finding(pointer, f"assistant answer contains the banned phrase {phrase!r}",
                                  "rewrite the answer in the brand voice")


class EmailInAssistant(Rule):
    """# ACME002 email-in-assistant

    Assistant answers that contain an e-mail address outside the allowed domains.

    ## Options

    `allow-domains` (list of strings): domains whose addresses may appear.
    """

    code = "ACME002"
    name = "email-in-assistant"
    summary = "An assistant answer contains an e-mail address"
    options = {"allow-domains": Option(["example.com"], "Domains whose addresses may appear.", list, item_type=str)}

    def check(self, ex):
        allowed = {d.lower() for d in self.opts["allow-domains"]}
        for pointer, text in assistant_texts(ex):
            for match in EMAIL_RE.finditer(text):
                if match.group(1).lower() not in allowed:
                    yield Finding(pointer, f"assistant answer contains the e-mail address {match.group(0)!r}",
                                  "replace it with an address at an allowed domain, e.g. user@example.com")


@hookimpl
def register_rules(register):
    register(BannedPhrase)
    register(EmailInAssistant)
