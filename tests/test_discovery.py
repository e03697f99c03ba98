"""Which files a folder walk lints (gitignore semantics, the folders every tool skips), what
`exclude` and `per-file-ignores` patterns mean, and compressed datasets read as they are."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import subprocess
import sys

import pytest
import zstandard

from conftest import BAD_WEIGHT, good_lines


def linted(run, *args) -> list[str]:
    result = run("check", *args, "--format", "json", "--allow-no-files")
    return sorted(f["path"].removeprefix("./") for f in json.loads(result.stdout)["files"])


def make(tmp_path, *names: str, text: str | None = None) -> None:
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(good_lines(60) if text is None else text)


def test_a_walk_honours_gitignore_files_with_git_semantics(run, tmp_path):
    (tmp_path / ".git").mkdir()  # the walk's root is the repository's top
    make(tmp_path, "data/a.jsonl", "data/a.tmp.jsonl", "data/keep.tmp.jsonl", "data/drafts/b.jsonl",
         "data/sub/c.jsonl", "data/sub/d.jsonl")
    (tmp_path / ".gitignore").write_text("*.tmp.jsonl\n!keep.tmp.jsonl\ndrafts/\n")
    (tmp_path / "data" / "sub" / ".gitignore").write_text("d.jsonl\n")
    assert linted(run, ".") == ["data/a.jsonl", "data/keep.tmp.jsonl", "data/sub/c.jsonl"]
    # .gitignore files above the walked folder count, up to the repository's top
    assert linted(run, "data/sub") == ["data/sub/c.jsonl"]
    # a file named on the command line is linted: the user asked for it
    assert linted(run, "data/sub/d.jsonl") == ["data/sub/d.jsonl"]
    (tmp_path / "ftlint.toml").write_text("respect-gitignore = false\n")
    assert len(linted(run, ".")) == 6


def test_gitignore_files_above_a_folder_outside_any_repository_do_not_count(run, tmp_path):
    make(tmp_path, "project/data/a.jsonl")
    (tmp_path / ".gitignore").write_text("data/\n")  # above the project, in no repository
    (tmp_path / "project" / "ftlint.toml").write_text("")
    assert linted(run, "project/data") == ["project/data/a.jsonl"]


def test_the_folders_every_tool_skips_are_skipped(run, tmp_path):
    make(tmp_path, "a.jsonl", "node_modules/pkg/x.jsonl", "venv/lib/y.jsonl", "myenv/z.jsonl",
         "__pycache__/w.jsonl", ".hidden/v.jsonl")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")  # a virtualenv, whatever its name
    assert linted(run, ".") == ["a.jsonl"]


def test_exclude_patterns_mean_what_they_mean_in_gitignore(run, tmp_path):
    make(tmp_path, "data/a.jsonl", "data/keep.jsonl", "data/drafts/sub/b.jsonl", "other/data/c.jsonl")
    (tmp_path / "ftlint.toml").write_text('exclude = ["data/*.jsonl", "!data/keep.jsonl"]\n')
    # '*' stays within a folder (data/drafts/sub/b.jsonl is not data/*.jsonl) and a pattern with a
    # slash is anchored at the project's root (other/data/c.jsonl is not either)
    assert linted(run, ".") == ["data/drafts/sub/b.jsonl", "data/keep.jsonl", "other/data/c.jsonl"]
    (tmp_path / "ftlint.toml").write_text('exclude = ["data/**/*.jsonl"]\n')
    assert linted(run, ".") == ["other/data/c.jsonl"]
    (tmp_path / "ftlint.toml").write_text('exclude = ["drafts/"]\n')  # a folder, at any depth
    assert "data/drafts/sub/b.jsonl" not in linted(run, ".")


def test_per_file_ignores_patterns_and_negation(run, tmp_path):
    make(tmp_path, "legacy/a.jsonl", "legacy/old/b.jsonl", "new/c.jsonl", text=BAD_WEIGHT)
    (tmp_path / "ftlint.toml").write_text('[per-file-ignores]\n"legacy/*.jsonl" = ["FT302"]\n')
    result = json.loads(run("check", ".", "--format", "json").stdout)
    assert sorted({d["path"].removeprefix("./") for d in result["diagnostics"] if d["code"] == "FT302"}) == \
        ["legacy/old/b.jsonl", "new/c.jsonl"]
    (tmp_path / "ftlint.toml").write_text('[per-file-ignores]\n"!new/**" = ["FT302"]\n')  # all but new/
    result = json.loads(run("check", ".", "--format", "json").stdout)
    assert {d["path"].removeprefix("./") for d in result["diagnostics"] if d["code"] == "FT302"} == {"new/c.jsonl"}


PACKERS = {".gz": gzip.compress, ".zst": lambda b: zstandard.ZstdCompressor().compress(b),
           ".bz2": bz2.compress, ".xz": lzma.compress}


@pytest.mark.parametrize("suffix", sorted(PACKERS))
def test_compressed_datasets_are_read_as_they_are(run, tmp_path, suffix):
    (tmp_path / "plain").mkdir()
    (tmp_path / "packed").mkdir()
    (tmp_path / "plain" / "train.jsonl").write_text(BAD_WEIGHT)
    (tmp_path / "packed" / f"train.jsonl{suffix}").write_bytes(PACKERS[suffix](BAD_WEIGHT.encode()))
    plain = json.loads(run("check", "plain", "--format", "json").stdout)
    packed = json.loads(run("check", "packed", "--format", "json").stdout)
    assert [(d["line"], d["code"], d["message"]) for d in packed["diagnostics"]] == \
        [(d["line"], d["code"], d["message"]) for d in plain["diagnostics"]] != []
    assert packed["files"][0]["examples"] == 50


def test_standard_input_may_be_compressed(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ftlint", "check", "-", "--isolated", "--format", "json"],
                          input=gzip.compress(BAD_WEIGHT.encode()), capture_output=True, cwd=tmp_path)
    assert [d["code"] for d in json.loads(proc.stdout)["diagnostics"]] == ["FT017", "FT302"]  # '<stdin>' says no .gz


def test_a_misnamed_or_damaged_compressed_file_is_said(run, tmp_path):
    (tmp_path / "train.jsonl").write_bytes(gzip.compress(BAD_WEIGHT.encode()))
    result = json.loads(run("check", "train.jsonl", "--format", "json").stdout)
    assert [d["code"] for d in result["diagnostics"]] == ["FT017", "FT302"]  # said, and checked all the same
    assert "name it train.jsonl.gz" in result["diagnostics"][0]["fix"]
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(BAD_WEIGHT.encode())[:-30])
    damaged = run("check", "cut.jsonl.gz")
    assert damaged.exit_code == 1 and "FT017" in damaged.output and "the gzip data is damaged after" in damaged.output
    assert "Traceback" not in damaged.output
    (tmp_path / "a.jsonl").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert [d["code"] for d in json.loads(run("check", "a.jsonl", "--format", "json").stdout)["diagnostics"]] == \
        ["FT017"]


def test_fix_leaves_a_compressed_file_as_it_is(run, tmp_path):
    packed = gzip.compress(BAD_WEIGHT.encode())
    (tmp_path / "train.jsonl.gz").write_bytes(packed)
    result = run("fix", "train.jsonl.gz")
    assert result.exit_code == 2 and "did not fix train.jsonl.gz: the file is gzip-compressed" in result.output
    assert (tmp_path / "train.jsonl.gz").read_bytes() == packed


def test_submit_refuses_a_compressed_file_before_any_request(submit, fake, tmp_path):
    (tmp_path / "train.jsonl.gz").write_bytes(gzip.compress(good_lines(60).encode()))
    result = submit("--yes", data="train.jsonl.gz")
    assert result.exit_code == 2 and "takes plain JSONL" in result.stderr
    assert fake.service.requests == []
