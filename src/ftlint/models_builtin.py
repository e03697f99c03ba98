"""ftlint's own model catalog entries, registered through the ``register_models`` hook like any
plugin's. Facts and sources: OpenAI's fine-tuning guides, pricing and deprecations pages, and
Azure OpenAI's fine-tuning documentation (see the README's "Models" section)."""

from __future__ import annotations

import datetime as dt

from .catalog import Model
from .hookspecs import hookimpl

D = dt.date
SFT, DPO, RFT = "supervised", "dpo", "reinforcement"
PRICE = dict(price_date="2025", price_source="OpenAI pricing page, fine-tuning 'Training' column (2025 copies)")
# OpenAI: "Jan 6, 2027: No customer can create new fine-tuning jobs" (deprecations page).
OPENAI_END = D(2027, 1, 6)
END_SRC = "OpenAI deprecations page: no new fine-tuning jobs from 2027-01-06"
OCT23 = D(2026, 10, 23)
OCT23_SRC = "OpenAI deprecations page: shut down on 2026-10-23"
AZ = "Azure OpenAI fine-tuning docs (fine-tune-models.md)"
AZ_RETIRE_SRC = "Azure OpenAI model retirements (retirement/models.md): training retires with the base model"
AZ_4O_SRC = "Azure OpenAI model retirements: 'no earlier than' autumn 2026 for existing customers, no fixed date"
AZ_OPEN_SRC = "Azure OpenAI publishes no end of training for the open models (GlobalStandard tier only)"


def _openai() -> list[Model]:
    def m(name, enc, limit, src, price, methods, until=OPENAI_END, until_src=END_SRC, **kw):
        return Model(name=name, target="openai", encoding=enc, example_limit=limit, limit_source=src,
                     price=price, methods=frozenset(methods), training_until=until,
                     training_until_source=until_src, **({**PRICE, **kw} if price is not None else kw))

    guide = "OpenAI fine-tuning guide (2024): per-example context length"
    return [
        m("gpt-4o-2024-08-06", "o200k_base", 65536, guide, 25.0, (SFT, DPO), vision=True, aliases=("gpt-4o",)),
        m("gpt-4o-mini-2024-07-18", "o200k_base", 65536, guide, 3.0, (SFT,), aliases=("gpt-4o-mini",),
          image_base=2833, image_tile=5667),
        m("gpt-4.1-2025-04-14", "o200k_base", 65536, AZ + " (OpenAI does not state it)", 25.0, (SFT, DPO),
          aliases=("gpt-4.1",)),
        m("gpt-4.1-mini-2025-04-14", "o200k_base", 65536, AZ + " (OpenAI does not state it)", 5.0, (SFT, DPO),
          aliases=("gpt-4.1-mini",)),
        m("gpt-4.1-nano-2025-04-14", "o200k_base", 32768, AZ + " (OpenAI does not state it)", 1.5, (SFT, DPO),
          until=OCT23, until_src=OCT23_SRC, aliases=("gpt-4.1-nano",)),
        m("gpt-3.5-turbo-0125", "cl100k_base", 16385, guide, 8.0, (SFT,), until=OCT23, until_src=OCT23_SRC,
          aliases=("gpt-3.5-turbo",), tools_family="gpt-3.5"),
        m("gpt-3.5-turbo-1106", "cl100k_base", 16385, guide, 8.0, (SFT,), until=OCT23, until_src=OCT23_SRC,
          tools_family="gpt-3.5"),
        m("gpt-3.5-turbo-0613", "cl100k_base", 4096, guide, 8.0, (SFT,), until=OCT23, until_src=OCT23_SRC,
          tools_family="gpt-3.5"),
        m("gpt-4-0613", "cl100k_base", None, "not stated by OpenAI", None, (SFT,), until=OCT23,
          until_src=OCT23_SRC, aliases=("gpt-4",), tools_family="gpt-3.5"),
        m("o4-mini-2025-04-16", "o200k_base", 65536, AZ, 100.0, (RFT,), until=OCT23, until_src=OCT23_SRC,
          price_unit="hour", aliases=("o4-mini",)),
        m("davinci-002", "cl100k_base", None, "", 6.0, (), until=D(2024, 10, 28),
          until_src="OpenAI deprecations page: no new training runs from 2024-10-28", tools_family="gpt-3.5"),
        m("babbage-002", "cl100k_base", None, "", 0.4, (), until=D(2024, 10, 28),
          until_src="OpenAI deprecations page: no new training runs from 2024-10-28", tools_family="gpt-3.5"),
    ]


def _azure() -> list[Model]:
    def m(name, limit, methods, vision=False, aliases=(), until=None, until_src=AZ_RETIRE_SRC, **kw):
        # Azure prices vary by region: the user supplies them in config ([tool.ftlint.models.NAME] price).
        return Model(name=name, target="azure-openai", encoding=kw.pop("encoding", "o200k_base"),
                     example_limit=limit, limit_source=kw.pop("limit_source", AZ), methods=frozenset(methods),
                     vision=vision, aliases=aliases, training_until=until, training_until_source=until_src,
                     price_source="Azure prices vary by region: set it in config", **kw)

    def open_model(name, aliases, tokenizer):
        # Azure names the open models and their tier; it states no per-example limit for them in
        # ftlint's sources, and they tokenize with their own vocabularies, which do not ship here.
        note = (f"counted with o200k_base; {name} uses {tokenizer}" if tokenizer else "")
        return m(name, None, (SFT,), aliases=aliases, until_src=AZ_OPEN_SRC, training_types=("GlobalStandard",),
                 limit_source="not stated in Azure's fine-tuning model table", token_note=note)

    gpt41_end, o4_end = D(2026, 10, 14), D(2026, 10, 16)
    return [
        m("gpt-4o-2024-08-06", 65536, (SFT, DPO), vision=True, aliases=("gpt-4o",), until_src=AZ_4O_SRC),
        m("gpt-4o-mini-2024-07-18", 65536, (SFT,), aliases=("gpt-4o-mini",), image_base=2833, image_tile=5667,
          until_src=AZ_4O_SRC),
        m("gpt-4.1-2025-04-14", 65536, (SFT, DPO), vision=True, aliases=("gpt-4.1",), until=gpt41_end),
        m("gpt-4.1-mini-2025-04-14", 65536, (SFT, DPO), aliases=("gpt-4.1-mini",), until=gpt41_end),
        m("gpt-4.1-nano-2025-04-14", 32768, (SFT, DPO), aliases=("gpt-4.1-nano",), until=gpt41_end),
        m("o4-mini-2025-04-16", 65536, (RFT,), aliases=("o4-mini",), until=o4_end),
        m("gpt-35-turbo-0125", 16385, (SFT,), aliases=("gpt-35-turbo", "gpt-3.5-turbo-0125"),
          encoding="cl100k_base", tools_family="gpt-3.5", until_src=""),
        open_model("Ministral-3B", ("ministral-3b",), "Mistral's tokenizer"),
        open_model("Qwen-32B", ("qwen-32b",), "Qwen's tokenizer"),
        open_model("Llama-3.3-70B", ("llama-3.3-70b", "Llama-3.3-70B-Instruct"), "Llama 3's tokenizer"),
        # gpt-oss tokenizes text with o200k_harmony, o200k_base plus the chat format's special tokens
        open_model("gpt-oss-20b", ("gpt-oss-20B",), ""),
    ]


@hookimpl
def register_models(register):
    for model in _openai() + _azure():
        register(model)
