"""FT713-FT714: credentials and personal data inside training examples.

A model trained on a credential can repeat it to anyone who asks the right way. Credentials are
found by their published shapes (prefixes, lengths, alphabets), so a placeholder, a documented
example key or a PEM header without a real body is not one. Personal data (e-mail addresses,
phone numbers) is common and often fine in real data, so that rule runs only when selected.
"""

from __future__ import annotations

import json
import re

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..rule import Rule
from .shared import answer_text

# (what, substrings one of which the line must hold, pattern over the raw JSON line). Each
# pattern is anchored on a word boundary so that a longer random string does not yield a "key"
# from its middle. Patterns compile on first use (re keeps them): most runs never need them.
_B = rb"(?<![A-Za-z0-9_\-])"
_E = rb"(?![A-Za-z0-9_\-])"
SHAPES: tuple[tuple[str, tuple[bytes, ...], bytes], ...] = (
    ("an OpenAI API key", (b"sk-",), _B + rb"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}" + _E),
    ("an OpenAI API key", (b"sk-",), _B + rb"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}" + _E),
    ("an Anthropic API key", (b"sk-ant-",), _B + rb"sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{80,}" + _E),
    ("an AWS access key id", (b"AKIA",), _B + rb"AKIA[0-9A-Z]{16}" + _E),
    # a secret access key has no prefix of its own: found only where it is named
    ("an AWS secret access key", (b"_secret_access_key", b"_SECRET_ACCESS_KEY"),
     rb"(?i:aws_secret_access_key)[\"'\s\\]*[:=][\"'\s\\]*[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"),
    ("a GitHub token", (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"), _B + rb"gh[pousr]_[A-Za-z0-9]{36}" + _E),
    ("a GitHub token", (b"github_pat_",), _B + rb"github_pat_[A-Za-z0-9_]{82}" + _E),
    ("a Slack token", (b"xox",), _B + rb"xox[abposr]-[0-9]{8,}-[0-9A-Za-z\-]{20,}" + _E),
    ("a Slack webhook", (b"hooks.slack.com",),
     rb"https://hooks\.slack\.com/services/T[A-Z0-9]{8,}/B[A-Z0-9]{8,}/[A-Za-z0-9]{24}"),
    ("a Google API key", (b"AIza",), _B + rb"AIza[0-9A-Za-z_\-]{35}" + _E),
    ("a Stripe secret key", (b"_live_",), _B + rb"(?:sk|rk)_live_[0-9A-Za-z]{24,}" + _E),
    # a PEM block with a body of base64 (JSON writes its line breaks as \n); the body is a
    # character class, not a group, so a long line builds no stack
    ("a private key", (b"PRIVATE KEY-----",), rb"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE "
                                               rb"KEY-----([A-Za-z0-9+/=\s\\]{1,65536})-----END"),
)
# the letter after "gh" in GitHub's token prefixes (ghp_, gho_, ghu_, ghs_, ghr_)
_GH = frozenset((b"p", b"o", b"u", b"s", b"r"))
# Keys the providers publish as examples, and the marks of a placeholder.
_PLACEHOLDER = re.compile(rb"EXAMPLE|XXXX|xxxx|0000000000|1234567890|abcdefghij|\.\.\.|your", re.I)


def _real(what: str, match: re.Match) -> bool:
    token = match.group(0)
    if _PLACEHOLDER.search(token):
        return False
    if what == "a private key":
        body = re.sub(rb"\\[nr]|\s", b"", match.group(1))
        # a real key's body is hundreds of varied base64 characters; "MIIE..." is not one
        return len(body) >= 120 and len(set(body)) >= 20
    tail = token[-20:]
    return len(set(tail)) >= 8  # not "sk-proj-aaaaaaaa..."


def redacted(token: bytes) -> str:
    text = token.decode("ascii", "replace")
    return text[:8] + "…" if len(text) > 12 else "…"


def _where(ex, token: str) -> str:
    """The JSON pointer of the message content that holds ``token``, else the example's root."""
    pointer, messages = ex.conversation
    for i, m in enumerate(messages or ()):
        if type(m) is dict:
            if token in answer_text(m) or token in _flat(m.get("tool_calls") or m.get("function_call")):
                return f"{pointer}/{i}"
    return ""


def _candidate(raw: bytes) -> bool:
    """Whether the line holds the start of any shape. Lines with none leave after a few one-byte
    searches, which run at memory speed; a search for a short string runs several times slower,
    and a regular expression a character at a time."""
    i = raw.find(b"-")
    while i >= 0:  # sk-..., xoxb-..., -----BEGIN
        if raw[i - 2:i] == b"sk" or raw[i - 4:i - 1] == b"xox" or raw.startswith(b"-----BEGIN", i):
            return True
        i = raw.find(b"-", i + 1)
    i = raw.find(b"_")
    while i >= 0:  # ghp_..., github_pat_..., sk_live_...
        if (raw[i - 3:i - 1] == b"gh" and raw[i - 1:i] in _GH) or raw[i - 6:i] == b"github" \
                or raw.startswith(b"_live_", i) or raw[i - 3:i] in (b"aws", b"AWS"):
            return True
        i = raw.find(b"_", i + 1)
    return _near(raw, b"K", b"AKIA", 1) or _near(raw, b"z", b"AIza", 2) or _near(raw, b"/", b"hooks.slack.com/", 15)


def _near(raw: bytes, byte: bytes, needle: bytes, back: int) -> bool:
    """``needle in raw``, found from the occurrences of ``byte``, its character at ``back``,
    which is rare in text."""
    i = raw.find(byte)
    while i >= 0:
        if i >= back and raw.startswith(needle, i - back):
            return True
        i = raw.find(byte, i + 1)
    return False


def _flat(value) -> str:
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError, TypeError):  # nested as deep as the parser went
        return ""


class SecretInData(Rule):
    code = "FT713"
    name = "secret-in-data"
    summary = "A credential (API key, token, private key) inside an example"
    formats = frozenset({"sft", "dpo", "rft"})

    def check(self, ex):
        raw = ex.raw
        if not _candidate(raw):  # most lines leave here
            return None
        out = None
        for what, anchors, pattern in SHAPES:
            if not any(a in raw for a in anchors):
                continue
            for match in re.finditer(pattern, raw):
                if not _real(what, match):
                    continue
                token = match.group(0)
                text = token.decode("ascii", "replace")
                out = out or []
                out.append(Finding(_where(ex, text.split("\\n")[0]), f"{what} ({redacted(token)}) in the example; "
                                   "a model trained on it can repeat it to anyone",
                                   "remove it from the data (replace it with a placeholder), and revoke the "
                                   "credential: it has been shared", column=_column(raw, match.start())))
        return out


def _column(raw: bytes, offset: int) -> int:
    """1-based column, in characters, of a byte offset in the line."""
    return len(raw[:offset].decode("utf-8", "replace")) + 1


_EMAIL = re.compile(rb"(?<![\w.+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}"
                    rb"(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}(?![\w])")
_PHONE = re.compile(rb"(?<![\w+])\+?\d{1,3}[ .\-]?\(?\d{2,4}\)?[ .\-]\d{3,4}[ .\-]\d{3,4}(?![\w])")
# domains kept for examples (RFC 2606) say nothing about a person
_EXAMPLE_DOMAINS = re.compile(rb"@(?:[\w\-]+\.)*(?:example\.(?:com|org|net)|example|test|invalid|localhost)$", re.I)


class PersonalData(Rule):
    code = "FT714"
    name = "personal-data"
    summary = "An e-mail address or phone number inside an example (off unless selected)"
    severity = Severity.WARNING
    formats = frozenset({"sft", "dpo", "rft"})
    opt_in = True

    def check(self, ex):
        raw = ex.raw
        out = None
        if b"@" in raw:
            for match in _EMAIL.finditer(raw):
                if _EXAMPLE_DOMAINS.search(match.group(0)):
                    continue
                out = out or []
                text = match.group(0).decode("utf-8", "replace")
                out.append(Finding(_where(ex, text), f"an e-mail address ({text[:3]}…@{text.split('@')[1]}) in "
                                   "the example", "remove or pseudonymise personal data before training",
                                   column=_column(raw, match.start())))
        for match in _PHONE.finditer(raw):
            out = out or []
            text = match.group(0).decode("ascii", "replace")
            out.append(Finding(_where(ex, text), f"a phone number ({text[:4]}…) in the example",
                               "remove or pseudonymise personal data before training",
                               column=_column(raw, match.start())))
        return out


RULES = (SecretInData, PersonalData)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
