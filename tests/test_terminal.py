"""What ftlint draws on a terminal: a progress line that fits the pane and moves at -j 1, and
colour as NO_COLOR and FORCE_COLOR ask."""

from __future__ import annotations

import io
import os

import pytest

from conftest import good_lines
from ftlint.config import Config
from ftlint.progress import Progress
from ftlint.session import Session


class Pane(io.StringIO):
    """A terminal of a given width (what os.get_terminal_size reports for its descriptor)."""

    def fileno(self):
        return 99


def test_the_progress_line_fits_a_narrow_pane(monkeypatch):
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((44, 20)))
    out = Pane()
    p = Progress(out, min_interval=0)
    p.start(2_000_000_000)
    p.advance(500_000_000)
    drawn = out.getvalue().split("\r\x1b[2K")[-1]
    assert 0 < len(drawn) <= 43 and drawn.startswith("ftlint: 500 of 2,000 MB")


def test_progress_moves_while_one_process_reads_one_file(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text(good_lines(60000))  # about 6 MB: one part, one process
    out = io.StringIO()
    progress = Progress(out, min_interval=0)
    Session.create(config=Config()).lint([str(data)], jobs=1, progress=progress)
    shares = [int(part.split("(")[1].split("%")[0]) for part in out.getvalue().split("\r\x1b[2K") if "(" in part]
    assert shares and min(shares) < 100  # a line drawn before the end
    assert shares == sorted(shares)


@pytest.mark.parametrize("force, colour", [("1", True), ("0", False), ("false", False), ("", False)])
def test_force_color(run, tmp_path, monkeypatch, force, colour):
    (tmp_path / "train.jsonl").write_text(good_lines(60).replace('"Answer 3."}', '"Answer 3.", "weight": true}'))
    monkeypatch.setenv("FORCE_COLOR", force)
    assert ("\x1b[" in run("check", "train.jsonl").output) is colour
