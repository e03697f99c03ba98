"""The pre-commit hook, run the way a dataset repository runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import BAD_WEIGHT, ROOT, good_lines

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is needed by pre-commit")


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo, home, hook="ftlint"):
    env = {"PRE_COMMIT_HOME": str(home), "PATH": "/usr/bin:/bin:" + str(ROOT), "HOME": str(home),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    import os

    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PIP_NO_INDEX"):
        if key in os.environ:
            env[key] = os.environ[key]
    env["PATH"] = os.path.dirname(sys.executable) + ":" + os.environ.get("PATH", "/usr/bin:/bin")
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files",
                           "--color", "never"], cwd=repo, capture_output=True, text=True, env=env, timeout=900)


def test_manifest_is_valid():
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest",
                           str(ROOT / ".pre-commit-hooks.yaml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_passes_good_and_fails_bad_data(tmp_path, pre_commit_home):
    repo = tmp_path / "datasets"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "train.jsonl").write_text(good_lines())
    (repo / "notes.md").write_text("not a dataset\n")
    git(repo, "add", ".")
    good = try_repo(repo, pre_commit_home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ftlint" in good.stdout and "Passed" in good.stdout

    (repo / "valid.ndjson").write_text(BAD_WEIGHT)
    git(repo, "add", ".")
    bad = try_repo(repo, pre_commit_home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "valid.ndjson:50:102: FT302" in bad.stdout
    assert "notes.md" not in bad.stdout


def test_the_fix_hook_repairs_and_fails_once_then_passes(tmp_path, pre_commit_home):
    repo = tmp_path / "datasets"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "train.jsonl").write_text(BAD_WEIGHT)  # a weight of 1.0: a safe fix
    git(repo, "add", ".")
    first = try_repo(repo, pre_commit_home, "ftlint-fix")
    assert first.returncode == 1, first.stdout + first.stderr  # pre-commit fails a hook that changed files
    assert '"weight": 1}' in (repo / "train.jsonl").read_text()
    git(repo, "add", ".")
    second = try_repo(repo, pre_commit_home, "ftlint-fix")
    assert second.returncode == 0, second.stdout + second.stderr
