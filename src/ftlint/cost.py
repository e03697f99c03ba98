"""Epochs, billed tokens and cost: OpenAI's formula with the cookbook's auto-epochs heuristic."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .catalog import Model
from .observer import Observer

TARGET_EPOCHS, MIN_EXAMPLE_PASSES, MAX_EXAMPLE_PASSES, MIN_EPOCHS, MAX_EPOCHS = 3, 100, 25000, 1, 25


def auto_epochs(examples: int) -> int:
    """The cookbook's mirror of ``n_epochs: "auto"`` (not an official algorithm): 3 epochs, raised
    so small files see 100 example passes and lowered so large ones stay under 25,000."""
    epochs = TARGET_EPOCHS
    if examples <= 0:
        return epochs
    if examples * epochs < MIN_EXAMPLE_PASSES:
        epochs = min(MAX_EPOCHS, MIN_EXAMPLE_PASSES // examples)
    elif examples * epochs > MAX_EXAMPLE_PASSES:
        epochs = max(MIN_EPOCHS, MAX_EXAMPLE_PASSES // examples)
    return epochs


@dataclass(frozen=True)
class Estimate:
    model: Model
    examples: int
    tokens_per_epoch: int  # sum over examples of min(limit, tokens)
    epochs: int
    epochs_auto: bool
    billed_tokens: int
    cost: float | None  # USD; None when the price is unknown or not per token
    #: Training examples by their tokens: (from, to, count) for each power-of-two range that has any.
    histogram: tuple[tuple[int, int, int], ...] = ()

    def line(self) -> str:
        how = "auto heuristic" if self.epochs_auto else "set"
        head = (f"Estimated training cost on {self.model.name}: {self.tokens_per_epoch:,} tokens × "
                f"{self.epochs} epochs ({how}) = {self.billed_tokens:,} billed tokens")
        note = f" Token counts are approximate: {self.model.token_note}." if self.model.token_note else ""
        if self.cost is None:
            why = ("the price is per hour of training" if self.model.price_unit == "hour"
                   else f"no price known ({self.model.price_source or 'set one in config'})")
            return f"{head}; cost unknown: {why}.{note}"
        return f"{head} ≈ ${self.cost:,.2f} (price ${self.model.price:g}/1M tokens, {self.model.price_source}, " \
               f"{self.model.price_date or 'undated'}).{note}"


def estimate(model: Model, examples: int, tokens_per_epoch: int, epochs: int | None = None) -> Estimate:
    chosen = epochs if epochs is not None else auto_epochs(examples)
    billed = chosen * tokens_per_epoch
    cost = None
    if model.price is not None and model.price_unit == "1M tokens":
        cost = billed / 1e6 * model.price
    return Estimate(model, examples, tokens_per_epoch, chosen, epochs is None, billed, cost)


def billable(model: Model, tokens: int) -> int:
    """Tokens billed for one example: over-limit examples are truncated, and so billed at the limit."""
    return min(tokens, model.example_limit) if model.example_limit else tokens


HISTOGRAM_BUCKETS = 40


class Billing(Observer):
    """Counts what training on the data bills: Σ min(limit, tokens) over the training examples.
    Validation examples are not billed."""

    name = "billing"

    def __init__(self, model: Model) -> None:
        self.model = model

    def new_state(self) -> list:
        # examples counted, billable tokens, examples whose tokens could not be counted, and the
        # examples by tokens in power-of-two ranges (what a histogram of any dataset needs: 40 ints)
        return [0, 0, 0, [0] * HISTOGRAM_BUCKETS]

    def observe(self, state: list, ex) -> None:
        if ex.ctx.role != "train":
            return
        tokens = ex.tokens
        if tokens is None:  # no tokenizer could be loaded
            state[2] += 1
            return
        state[0] += 1
        state[1] += billable(self.model, tokens.total)
        state[3][min(tokens.total.bit_length(), HISTOGRAM_BUCKETS - 1)] += 1

    def merge(self, first: list, second: list) -> list:
        return [a + b for a, b in zip(first[:3], second[:3])] + [[a + b for a, b in zip(first[3], second[3])]]

    def fingerprint(self) -> str:
        return repr(self.model)

    def estimate(self, state: list[int], epochs: int | None) -> Estimate | None:
        """The estimate, or None when tokens could not be counted."""
        counted, tokens, missing, buckets = state
        if missing and not counted:
            return None
        ranges = tuple(((1 << (b - 1)) if b else 0, (1 << b) - 1, n) for b, n in enumerate(buckets) if n)
        return dataclasses.replace(estimate(self.model, counted, tokens, epochs), histogram=ranges)
