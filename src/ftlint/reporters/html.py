"""A self-contained HTML report for the people who review datasets: findings grouped by rule, each
flagged example drawn as a chat transcript with the offending value marked, duplicate and leakage
pairs side by side, and the token histogram with the cost.

One file, no script, nothing fetched: a Content-Security-Policy forbids every source but the
page's own styles, every piece of data is escaped, and images are links, never loaded."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from ..__about__ import __version__
from ..diagnostics import Severity
from ..hookspecs import hookimpl
from . import Reporter, summary_line

#: Findings drawn with their examples, per rule and in all; the rest are listed by line.
DRAWN_PER_RULE = 30
DRAWN_IN_ALL = 400
LISTED_PER_RULE = 5000  # findings past those drawn, listed a row each
MAX_TEXT = 4000  # characters of one value shown

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f8}
header,main{max-width:1100px;margin:0 auto;padding:16px 24px}
header{background:#fff;border-bottom:1px solid #ddd;max-width:none}
h1{font-size:20px;margin:0 0 4px} h2{font-size:17px;margin:0}
.summary{font-weight:600} .muted{color:#666}
table{border-collapse:collapse;margin:8px 0} td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}
details.rule{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:8px 12px}
details.rule>summary{cursor:pointer}
.sev-error{color:#b00020} .sev-warning{color:#8a5a00} .sev-info{color:#0b5cad}
.finding{border-top:1px solid #eee;padding:8px 0}
.where{font-family:ui-monospace,monospace;font-size:12px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.transcript{border:1px solid #e3e3e8;border-radius:6px;padding:6px;background:#fcfcfd}
.msg{border-radius:6px;padding:6px 8px;margin:4px 0;background:#f0f0f4}
.role-user{background:#e8f0fe} .role-assistant{background:#e9f7ef} .role-system,.role-developer{background:#f4efe6}
.role-tool,.role-function{background:#f3e8fd}
.role{font-weight:600;font-size:12px;text-transform:uppercase;color:#555}
pre{white-space:pre-wrap;word-break:break-word;margin:2px 0;font:13px/1.4 ui-monospace,monospace}
.hit{outline:2px solid #d93025;outline-offset:1px;background:#fff4f3}
.keys td{font-size:12px}
.bar{fill:#4c7bd9} .axis{font-size:11px;fill:#555}
"""


def _e(value: Any) -> str:
    import html  # on first use: reporters load with every run

    return html.escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False), quote=True)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"… ({len(text) - MAX_TEXT:,} more characters)"


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]] if pointer else []


def _hit(cls: str, marked: bool) -> str:
    return f' class="{cls} hit"' if marked else f' class="{cls}"'


def _value(value: Any) -> str:
    if isinstance(value, str):
        return f"<pre>{_e(_clip(value))}</pre>" if value.strip() else \
            f'<pre class="muted">({"empty" if not value else "only white space"})</pre>'

    return f"<pre>{_e(_clip(json.dumps(value, ensure_ascii=False, indent=1)))}</pre>"


def _content(content: Any, mark: list[str]) -> str:
    if not isinstance(content, list):
        return _value(content) if content is not None else '<span class="muted">(no content)</span>'
    parts = []
    for i, part in enumerate(content):
        marked = bool(mark) and mark[0] == str(i)
        if isinstance(part, dict) and part.get("type") == "image_url":
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                body = f'image: <a href="{_e(url)}" rel="noreferrer noopener">{_e(_clip(url))}</a>'
            else:
                size = len(url) if isinstance(url, str) else 0
                body = f"image: inline data, {size * 3 // 4 // 1024:,} KB" if size else "image: (no url)"
            parts.append(f"<div{_hit('part', marked)}>{body}</div>")
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(f"<div{_hit('part', marked)}>{_value(part['text'])}</div>")
        else:
            parts.append(f"<div{_hit('part', marked)}>{_value(part)}</div>")
    return "".join(parts)


def _message(m: Any, mark: list[str] | None) -> str:
    """One message; ``mark`` is the rest of the pointer when it points into this message."""
    marked = mark is not None and not mark
    if not isinstance(m, dict):
        return f"<div{_hit('msg', marked)}>{_value(m)}</div>"
    role = m.get("role")
    role_text = role if isinstance(role, str) else "?"
    cls = f"msg role-{''.join(c for c in role_text if c.isalnum())}"
    out = [f"<div{_hit(cls, marked)}>",
           f"<div{_hit('role', bool(mark) and mark[0] == 'role')}>{_e(role_text)}"
           + (f" · {_e(m['name'])}" if isinstance(m.get("name"), str) else "") + "</div>"]
    if "content" in m:
        inner = mark[1:] if mark and mark[0] == "content" else []
        out.append(f"<div{_hit('content', bool(mark) and mark[0] == 'content' and not inner)}>"
                   f"{_content(m['content'], inner)}</div>")
    calls = m.get("tool_calls")
    for i, call in enumerate(calls if isinstance(calls, list) else []):
        fn = call.get("function") if isinstance(call, dict) else None
        fn = fn if isinstance(fn, dict) else {}
        args = fn.get("arguments")
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                pass
        marked_call = bool(mark) and mark[:2] == ["tool_calls", str(i)]
        out.append(f"<div{_hit('call', marked_call)}>calls <b>{_e(fn.get('name', '?'))}</b>{_value(args)}</div>")
    rest = {k: v for k, v in m.items() if k not in ("role", "content", "name", "tool_calls")}
    if rest:
        rows = "".join(f"<tr{_hit('key', bool(mark) and mark[0] == k)}><td>{_e(k)}</td><td>{_value(v)}</td></tr>"
                       for k, v in rest.items())
        out.append(f'<table class="keys">{rows}</table>')
    out.append("</div>")
    return "".join(out)


def transcript(data: Any, raw: str | None, pointer: str) -> str:
    """An example drawn as a conversation, with what ``pointer`` names marked."""
    tokens = _tokens(pointer)
    if not isinstance(data, dict):
        text = raw if raw is not None else json.dumps(data)
        return f'<div class="transcript"><pre class="hit">{_e(_clip(text))}</pre></div>'
    out = ['<div class="transcript">']
    lists = []
    if isinstance(data.get("input"), dict):
        lists.append((["input", "messages"], data["input"].get("messages"), "input"))
    if "messages" in data:
        lists.append((["messages"], data.get("messages"), None))
    for key in ("preferred_output", "non_preferred_output"):
        if key in data:
            lists.append(([key], data.get(key), key.replace("_", " ")))
    shown_keys = {"messages", "input", "preferred_output", "non_preferred_output"}
    for prefix, messages, label in lists:
        if label:
            out.append(f'<div class="muted">{_e(label)}</div>')
        if not isinstance(messages, list):
            out.append(f"<div{_hit('msg', tokens[:len(prefix)] == prefix)}>{_value(messages)}</div>")
            continue
        for i, m in enumerate(messages):
            here = prefix + [str(i)]
            out.append(_message(m, tokens[len(here):] if tokens[:len(here)] == here else None))
    rest = {k: v for k, v in data.items() if k not in shown_keys}
    if isinstance(data.get("input"), dict):
        rest.update({f"input.{k}": v for k, v in data["input"].items() if k != "messages"})
    if rest:
        rows = "".join(f"<tr{_hit('key', tokens[:1] == [k] or tokens[:2] == k.split('.', 1))}><td>{_e(k)}</td>"
                       f"<td>{_value(v)}</td></tr>" for k, v in rest.items())
        out.append(f'<table class="keys">{rows}</table>')
    out.append("</div>")
    return "".join(out)


def _histogram_svg(histogram) -> str:
    if not histogram:
        return ""
    width, height, pad = 640, 180, 30
    top = max(n for _, _, n in histogram)
    step = (width - pad) / len(histogram)
    bars = []
    for i, (lo, hi, n) in enumerate(histogram):
        h = (height - 2 * pad) * n / top
        x = pad + i * step
        bars.append(f'<rect class="bar" x="{x + 2:.1f}" y="{height - pad - h:.1f}" width="{step - 4:.1f}" '
                    f'height="{h:.1f}"><title>{lo:,}-{hi:,} tokens: {n:,} examples</title></rect>'
                    f'<text class="axis" x="{x + step / 2:.1f}" y="{height - pad + 14}" text-anchor="middle">'
                    f'{lo:,}</text><text class="axis" x="{x + step / 2:.1f}" y="{height - pad - h - 4:.1f}" '
                    f'text-anchor="middle">{n:,}</text>')
    return (f'<svg role="img" aria-label="Tokens per training example" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def read_lines(wanted: dict[str, set[int]]) -> dict[tuple[str, int], tuple[Any, str]]:
    """(parsed value or None, text) of the wanted lines of each file, read again from disk (the
    report holds no data). A file that cannot be read again gives nothing."""
    import orjson

    from ..example import FileContext
    from ..reader import open_dataset, utf8_lines

    out: dict[tuple[str, int], tuple[Any, str]] = {}
    for path, lines in wanted.items():
        if path.startswith("<"):
            continue
        last = max(lines)
        try:
            with open_dataset(path) as fh:
                for n, raw in enumerate(utf8_lines(fh, FileContext(path)), 1):
                    if n in lines:
                        text = raw.rstrip(b"\r\n")
                        try:
                            data = orjson.loads(text)
                        except orjson.JSONDecodeError:
                            data = None
                        out[(path, n)] = (data, text.decode("utf-8", "replace"))
                    if n >= last:
                        break
        except OSError:
            continue
    return out


def _listed(diagnostics, code: str, skip: int, most: int):
    """A rule's findings after its first ``skip``, at most ``most`` of them, read in report order."""
    seen = 0
    for d in diagnostics:
        if d.code == code:
            seen += 1
            if seen > skip + most:
                return
            if seen > skip:
                yield d


class HtmlReporter(Reporter):
    name = "html"
    help = "One self-contained HTML page: findings by rule, each example drawn as a conversation."

    def render(self, report, out):
        # A rule's first findings are drawn and the rest listed; the page is written as the
        # findings are read (one pass to count them and keep the first few of each rule, then
        # one for each rule with more), so it holds those few, never the whole report.
        counts: Counter = Counter()
        first: dict[str, list] = {}
        for d in report.diagnostics:
            counts[d.code] += 1
            held = first.get(d.code)
            if held is None:
                first[d.code] = [d]
            elif len(held) < DRAWN_PER_RULE:
                held.append(d)
        order = sorted(first, key=lambda c: (-first[c][0].severity, -counts[c], c))
        drawn, budget = {}, DRAWN_IN_ALL
        for code in order:
            take = first[code][:min(DRAWN_PER_RULE, budget)]
            budget -= len(take)
            drawn[code] = take
        wanted: dict[str, set[int]] = defaultdict(set)
        for diags in drawn.values():
            for d in diags:
                wanted[d.path].add(d.line)
                for path, line in d.related:
                    wanted[path].add(line)
        lines = read_lines(wanted)
        w = out.write
        w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
          "img-src 'none'\"><meta name=\"referrer\" content=\"no-referrer\">"
          f"<title>ftlint report</title><style>{STYLE}</style></head><body>\n")
        w(f"<header><h1>ftlint report</h1><div class=\"summary\">{_e(summary_line(report))}</div>"
          f"<div class=\"muted\">ftlint {_e(__version__)} · target {_e(report.target)}"
          + (f" · model {_e(report.model)}" if report.model else "") + "</div></header><main>\n")
        if report.estimate is not None:
            w(f"<h2>Cost</h2><p>{_e(report.estimate.line())}</p>")
            if report.estimate.histogram:
                w(f"<h2>Tokens per training example</h2>{_histogram_svg(report.estimate.histogram)}")
        if report.errors:
            w("<h2>ftlint could not finish</h2><ul>" + "".join(f"<li>{_e(e.describe())}</li>" for e in report.errors)
              + "</ul>")
        if order:
            w("<h2>Findings by rule</h2><table><tr><th>rule</th><th>name</th><th>severity</th><th>count</th></tr>")
            for code in order:
                d0 = first[code][0]
                w(f'<tr><td><a href="#{_e(code)}">{_e(code)}</a></td><td>{_e(d0.name)}</td>'
                  f'<td class="sev-{d0.severity.label}">{d0.severity.label}</td><td>{counts[code]:,}</td></tr>')
            w("</table>")
        for code in order:
            d0 = first[code][0]
            rule = report.rules.get(code)
            w(f'<details class="rule" id="{_e(code)}"{" open" if d0.severity == Severity.ERROR else ""}><summary>'
              f'<span class="sev-{d0.severity.label}">{_e(code)}</span> {_e(d0.name)} · {counts[code]:,} · '
              f'{_e(rule.summary if rule else "")}</summary>')
            for d in drawn[code]:
                w(self._finding(d, lines))
            rest = counts[code] - len(drawn[code])
            if rest:
                w(f"<p class=\"muted\">{rest:,} more:</p><table>")
                for d in _listed(report.diagnostics, code, len(drawn[code]), LISTED_PER_RULE):
                    w(f'<tr><td class="where">{_e(d.path)}:{d.line}</td><td>{_e(d.message)}</td></tr>')
                w("</table>" + (f"<p class=\"muted\">and {rest - LISTED_PER_RULE:,} more (see --format json)</p>"
                                if rest > LISTED_PER_RULE else ""))
            w("</details>\n")
        w("</main></body></html>\n")

    def _finding(self, d, lines) -> str:
        where = f"{d.path}:{d.line}" + (f":{d.column}" if d.column else "") + (f" {d.pointer}" if d.pointer else "")
        head = (f'<div class="finding"><div class="where">{_e(where)}</div><div>{_e(d.message)}</div>'
                + (f'<div class="muted">fix: {_e(d.fix)}</div>' if d.fix else ""))
        own = lines.get((d.path, d.line))
        # a finding about the file as a whole (too few examples) has no example to draw
        about_example = bool(d.example or d.pointer or d.related)
        drawn = transcript(own[0], own[1], d.pointer) if own and about_example else ""
        if d.related:
            others = []
            for path, line in d.related[:3]:
                other = lines.get((path, line))
                if other:
                    others.append(f'<div><div class="where">{_e(path)}:{line}</div>'
                                  f'{transcript(other[0], other[1], "")}</div>')
            if others and drawn:
                return (head + f'<div class="pair"><div><div class="where">{_e(d.path)}:{d.line}</div>{drawn}</div>'
                        + "".join(others[:1]) + "</div></div>")
        return head + drawn + "</div>"


@hookimpl
def register_reporters(register):
    register(HtmlReporter)
