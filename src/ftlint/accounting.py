"""Token accounting for chat examples, following OpenAI's cookbook counter.

Exact: message text under the model's tokenizer, the per-message overhead (3 tokens, +1 for a
name) and the 3 reply-priming tokens, as the cookbook verified against the API. Estimates: tool
definitions (the cookbook's fitted constants; nested schemas are not modelled), tool calls (id,
name and arguments are counted as text), and images (the tile formula; remote images cannot be
measured offline and are counted as 1024x1024). How the training side counts any of this is not
published, so every count is what the cookbook's method gives.
"""

from __future__ import annotations

import base64
import math
import struct
from dataclasses import dataclass

from .catalog import Model
from .quote import show
from .tokens import TokenCounter

# func_init, prop_init, prop_key, enum_init, enum_item, func_end (cookbook, "How to count tokens")
TOOL_CONSTANTS = {"gpt-4o": (7, 3, 3, -3, 3, 12), "gpt-3.5": (10, 3, 3, -3, 3, 12)}
PER_MESSAGE, PER_NAME, PRIMING = 3, 1, 3
REMOTE_IMAGE = (1024, 1024)


@dataclass(frozen=True, slots=True)
class ExampleTokens:
    total: int  # everything the example holds (DPO: the input and both outputs)
    trainable: int  # tokens of the messages that are trained
    longest: int  # the longest sequence trained at once (DPO: input plus the longer output)
    first_trained_at: int | None  # tokens before the first trained message (None: nothing trained)
    images: int
    estimated: bool


def image_size(url: str) -> tuple[int, int] | None:
    """Width and height of a base64 data-URL image (PNG, JPEG, GIF, WEBP) from its header."""
    try:
        head = base64.b64decode(url.split(",", 1)[1][:88000] + "===")
    except (ValueError, IndexError):
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", head[6:10])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        chunk = head[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
        if chunk == b"VP8L":
            bits = int.from_bytes(head[21:25], "little")
            return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", head[26:30])
            return w & 0x3FFF, h & 0x3FFF
    if head[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                i += 1
                continue
            marker = head[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", head[i + 5:i + 9])
                return w, h
            i += 2 + struct.unpack(">H", head[i + 2:i + 4])[0]
    return None


def image_tokens(width: int, height: int, detail: str, model: Model) -> int:
    """The tile formula: fit in 2048x2048, shortest side to 768, 512-px tiles."""
    if detail == "low":
        return model.image_base
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = 768 / min(w, h)
    w, h = w * scale, h * scale
    return model.image_base + model.image_tile * math.ceil(w / 512) * math.ceil(h / 512)


def _text(value) -> str:
    """A value as the text the tokenizer counts: a string as it is, anything else (a type given as
    a list, an enum of objects, a value nested a thousand levels deep) in short JSON form."""
    return value if type(value) is str else show(value, 200)


class Accounting:
    """Counts the tokens of examples for one model; shared by every rule of a run."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.count = TokenCounter(model.encoding)
        self.constants = TOOL_CONSTANTS.get(model.tools_family, TOOL_CONSTANTS["gpt-4o"])
        self._tool_blocks: dict[bytes, tuple[int, bool]] = {}  # Example.tools_key -> (tokens, any)

    # -- pieces ------------------------------------------------------------------------------

    def tools(self, functions: list) -> int:
        """The cookbook's count for function definitions; a missing description counts as empty."""
        func_init, prop_init, prop_key, enum_init, enum_item, func_end = self.constants
        count = self.count
        total = 0
        for f in functions:
            if not isinstance(f, dict):
                continue
            name = f.get("name") if isinstance(f.get("name"), str) else ""
            desc = f.get("description") if isinstance(f.get("description"), str) else ""
            total += func_init + count(f"{name}:{desc.removesuffix('.')}")
            params = f.get("parameters")
            props = params.get("properties") if isinstance(params, dict) else None
            if isinstance(props, dict) and props:
                total += prop_init
                for key, p in props.items():
                    p = p if isinstance(p, dict) else {}
                    total += prop_key
                    enum = p.get("enum")
                    if isinstance(enum, list):
                        total += enum_init + sum(enum_item + count(_text(item)) for item in enum)
                    pdesc = p.get("description") if isinstance(p.get("description"), str) else ""
                    total += count(f"{key}:{_text(p.get('type', ''))}:{pdesc.removesuffix('.')}")
        return total + func_end if total else 0

    def _tools_prefix(self, ex) -> tuple[int, bool]:
        """(tokens, whether any) of the example's function definitions. The same definitions
        usually come with every example of a file: they are counted once per distinct block."""
        key = ex.tools_key
        found = self._tool_blocks.get(key) if key is not None else None
        if found is not None:
            return found
        _, holder = ex.tools_container
        functions = []
        tools = holder.get("tools")
        for t in tools if isinstance(tools, list) else ():
            if isinstance(t, dict) and isinstance(t.get("function"), dict):
                functions.append(t["function"])
        if isinstance(holder.get("functions"), list):
            functions.extend(holder["functions"])
        found = (self.tools(functions) if functions else 0, bool(functions))
        if key is not None:
            if len(self._tool_blocks) >= 1024:
                self._tool_blocks.clear()
            self._tool_blocks[key] = found
        return found

    def message(self, m: dict) -> tuple[int, int, bool]:
        """(tokens, images, estimated) for one message."""
        count = self.count
        if len(m) == 2 or (len(m) == 3 and "weight" in m):  # the common shapes, without the general walk
            role, content = m.get("role"), m.get("content")
            if type(role) is str and type(content) is str:
                return PER_MESSAGE + count(role) + count(content), 0, False
        total, images, estimated = PER_MESSAGE, 0, False
        for key, value in m.items():
            if key == "weight":
                continue
            if isinstance(value, str):
                total += count(value)
                if key == "name":
                    total += PER_NAME
            elif key == "content" and isinstance(value, list):
                for part in value:
                    if not isinstance(part, dict):
                        continue
                    kind = part.get("type")
                    if kind == "text" and isinstance(part.get("text"), str):
                        total += count(part["text"])
                    elif kind == "refusal" and isinstance(part.get("refusal"), str):
                        total += count(part["refusal"])
                    elif kind == "image_url" and isinstance(part.get("image_url"), dict):
                        images += 1
                        url = part["image_url"].get("url") or ""
                        size = image_size(url) if isinstance(url, str) and url.startswith("data:") else None
                        if size is None:
                            size, estimated = REMOTE_IMAGE, True
                        total += image_tokens(*size, _text(part["image_url"].get("detail", "auto")), self.model)
            elif key == "tool_calls" and isinstance(value, list):
                estimated = True
                for call in value:
                    if isinstance(call, dict):
                        fn = call.get("function") if isinstance(call.get("function"), dict) else {}
                        for piece in (call.get("id"), fn.get("name"), fn.get("arguments")):
                            if isinstance(piece, str):
                                total += count(piece)
            elif key == "function_call" and isinstance(value, dict):
                estimated = True
                for piece in (value.get("name"), value.get("arguments")):
                    if isinstance(piece, str):
                        total += count(piece)
        return total, images, estimated

    # -- examples ----------------------------------------------------------------------------

    def example(self, ex) -> ExampleTokens:
        prefix, estimated = self._tools_prefix(ex)
        total, trainable, images, first = prefix, 0, 0, None
        for m in ex.messages:
            if not isinstance(m, dict):
                continue
            n, imgs, est = self.message(m)
            if m.get("role") == "assistant" and m.get("weight", 1) != 0 and ex.kind == "sft":
                if first is None:
                    first = total
                trainable += n
            total += n
            images += imgs
            estimated |= est
        total += PRIMING
        longest = total
        if ex.kind == "dpo":
            outputs = []
            for key in ("preferred_output", "non_preferred_output"):
                value = ex.data.get(key)
                n = 0
                for m in value if isinstance(value, list) else ():
                    if isinstance(m, dict):
                        t, imgs, est = self.message(m)
                        n += t
                        estimated |= est
                outputs.append(n)
            first = total - PRIMING
            trainable = sum(outputs)
            longest = total + max(outputs)
            total += sum(outputs)
        return ExampleTokens(total, trainable, longest, first, images, estimated)
