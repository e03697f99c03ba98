"""FT6xx: tokens and limits under the configured model (set `model`; nothing runs without one)."""

from __future__ import annotations

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import show
from ..rule import Option, Rule

MAX_IMAGE_BYTES = 10_000_000
IMAGE_TYPES = ("data:image/jpeg", "data:image/jpg", "data:image/png", "data:image/webp")


def _where(ex) -> str:
    return ex.conversation[0]


class OverTokenLimit(Rule):
    code = "FT601"
    name = "over-token-limit"
    summary = "An example longer than the model's per-example training limit"
    severity = Severity.WARNING

    def check(self, ex):
        t, model = ex.tokens, ex.ctx.model
        if t is None or not model.example_limit or t.longest <= model.example_limit:
            return None
        return (Finding(_where(ex), f"example has {t.longest:,} tokens, over the {model.example_limit:,}-token limit "
                        f"of {model.name}; training truncates it from the end"
                        + (" (token count estimated)" if t.estimated else ""),
                        "shorten or split the conversation"),)


class NearTokenLimit(Rule):
    code = "FT602"
    name = "near-token-limit"
    summary = "An example close to the model's per-example training limit"
    severity = Severity.INFO
    options = {"ratio": Option(0.9, "Report examples above this share of the limit.", float, min=0, max=1)}

    def check(self, ex):
        t, model = ex.tokens, ex.ctx.model
        if t is None or not model.example_limit:
            return None
        limit = model.example_limit
        if self.opts["ratio"] * limit < t.longest <= limit:
            return (Finding(_where(ex), f"example has {t.longest:,} tokens, {t.longest / limit:.0%} of the "
                            f"{limit:,}-token limit of {model.name}; a tokenizer change or an added tool may "
                            "push it over", "keep a margin below the limit"),)
        return None


class TruncatedTraining(Rule):
    code = "FT603"
    name = "no-trainable-tokens"
    summary = "Truncation at the limit removes every trained token"

    def check(self, ex):
        t, model = ex.tokens, ex.ctx.model
        if t is None or not model.example_limit or t.first_trained_at is None:
            return None
        if t.first_trained_at >= model.example_limit:
            return (Finding(_where(ex), f"the first trained message starts after {t.first_trained_at:,} tokens, "
                            f"beyond the {model.example_limit:,}-token limit of {model.name}: truncation leaves "
                            "nothing to train, yet the example is billed", "shorten the context before the answer"),)
        return None


class ImageOverLimits(Rule):
    code = "FT604"
    name = "image-over-limits"
    summary = "An image larger than 10 MB or not JPEG, PNG or WEBP"
    when = frozenset({"content:list"})
    options = {"max-bytes": Option(MAX_IMAGE_BYTES, "Largest image in bytes (OpenAI: 10 MB).", min=1)}

    def check(self, ex):
        out = None
        for where, _, part in ex.content_parts():
            if not isinstance(part, dict) or part.get("type") != "image_url":
                continue
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str) or not url.startswith("data:"):
                continue
            problem = None
            size = (len(url) - url.find(",") - 1) * 3 // 4
            if not url.lower().startswith(IMAGE_TYPES):
                problem = (f"image type {show(url[5:url.find(';')], 30)} is not supported; fine-tuning takes "
                           "JPEG, PNG and WEBP")
            elif size > self.opts["max-bytes"]:
                problem = f"image is {size / 1e6:.1f} MB, over the {self.opts['max-bytes'] / 1e6:.1f} MB limit"
            if problem:
                out = out or []
                out.append(Finding(where + "/image_url/url", problem, "convert or downscale the image"))
        return out


RULES = (OverTokenLimit, NearTokenLimit, TruncatedTraining, ImageOverLimits)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
