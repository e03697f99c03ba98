"""The HTML report: one safe, self-contained page that draws each flagged example as a
conversation, rendered by a real browser where one is installed."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from conftest import ROOT, good_lines, line

BROKEN = (ROOT / "examples" / "data" / "broken.jsonl").read_bytes()
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(page: str) -> _Text:
    p = _Text()
    p.feed(page)
    return p


def data(tmp_path) -> str:
    rows = [line({"messages": [{"role": "user", "content": f"Question {i}?"},
                               {"role": "assistant", "content": f"Answer {i}."}]}) for i in range(60)]
    rows.append(line({"messages": [{"role": "user", "content": HOSTILE},
                                   {"role": "assistant", "content": "Sure.", "weight": True}]}))
    rows.append(rows[3])  # a copy of line 4
    rows.append(line({"messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]},
        {"role": "assistant", "content": "A cat.", "weight": False}]}))
    (tmp_path / "train.jsonl").write_text("\n".join(rows) + "\n")
    return "train.jsonl"


def test_the_page_draws_examples_marks_the_value_and_escapes_everything(run, tmp_path):
    result = run("check", data(tmp_path), "--format", "html", "-o", "report.html", "--model", "gpt-4o-mini")
    page = (tmp_path / "report.html").read_text()
    assert result.exit_code == 1
    assert "<script" not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page  # nothing may be fetched
    found = parsed(page)
    assert not [a for tag, a in found.tags if tag in ("img", "script", "iframe", "link", "object")]
    text = " ".join(found.text)
    assert "FT302" in text and "invalid-weight" in text and "weight must be the integer 0 or 1" in text
    assert HOSTILE in text  # shown as text, whole
    marked = page.split('class="key hit"')[1][:200]
    assert "weight" in marked and "true" in marked
    # the duplicate beside its first copy
    pair = page.split('<div class="pair">')[1]
    assert "train.jsonl:62" in pair and "train.jsonl:4" in pair and pair.count("Question 3?") == 2
    # an image is a link, never loaded
    assert ('href="https://example.com/cat.png"' in page) and ("Tokens per training example" in text)
    assert "<svg" in page and "Estimated training cost on gpt-4o-mini" in text


def test_a_large_report_stays_bounded(run, tmp_path):
    bad = [line({"messages": [{"role": "user", "content": f"Q{i}"},
                              {"role": "assistant", "content": f"A{i}", "weight": 1.0}]}) for i in range(3000)]
    (tmp_path / "train.jsonl").write_text("\n".join(bad) + "\n")
    run("check", "train.jsonl", "--format", "html", "-o", "r.html")
    page = (tmp_path / "r.html").read_text()
    assert page.count('<div class="transcript">') == 30  # drawn, per rule; the rest listed by line
    assert "2,970 more:" in page and len(page) < 2_000_000


@pytest.mark.skipif(BROWSER is None, reason="no Chromium to render the page (apt-get install chromium)")
def test_a_browser_renders_the_page(run, tmp_path):
    (tmp_path / "broken.jsonl").write_bytes(BROKEN)
    (tmp_path / "more.jsonl").write_text(good_lines(60))
    run("check", "broken.jsonl", data(tmp_path), "--format", "html", "-o", "report.html")
    proc = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                           (tmp_path / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rendered = parsed(proc.stdout)
    text = " ".join(rendered.text)
    assert "ftlint report" in text and "Findings by rule" in text
    assert "unknown role \"human\"" in text and "FT703" in text and HOSTILE in text
    assert not [a for tag, a in rendered.tags if tag == "script"]  # the browser made none of the data
