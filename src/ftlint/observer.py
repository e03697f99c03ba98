"""Observers: what the one pass over the data measures beside the rules.

An observer is not a rule: it reports no finding. It sees the examples of its formats, keeps a
compact state that merges like a dataset rule's (so it runs in the parallel pass unchanged), and
hands its merged state to whoever asked for it: the cost estimate of ``check`` is one. The engine
runs observers without knowing what they measure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .example import Example


class Observer:
    name: ClassVar[str] = ""
    #: Example formats observed (see :data:`ftlint.rule.FORMATS`).
    formats: ClassVar[frozenset[str]] = frozenset({"sft", "dpo"})

    def new_state(self) -> Any:
        raise NotImplementedError

    def observe(self, state: Any, ex: Example) -> None:
        raise NotImplementedError

    def merge(self, first: Any, second: Any) -> Any:
        """Combine the states of two consecutive parts of the input (``first`` comes first)."""
        raise NotImplementedError

    def fingerprint(self) -> str | None:
        """What decides the measure besides the examples and their roles (a model, settings), as
        text the cache keys parts with; a state must not depend on where a part sits in its file.
        None: runs with this observer are not cached."""
        return None
