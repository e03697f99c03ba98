"""Configuration: discovery, every key, and clear errors (exit 2) for every mistake."""

from __future__ import annotations

import pytest

from conftest import BAD_WEIGHT, good_lines
from ftlint.config import ConfigError, load_config


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pyproject_is_found_from_a_subfolder(tmp_path, monkeypatch):
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.ftlint]\nignore = ["FT204"]\n')
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path / "data")
    cfg = load_config()
    assert cfg.ignore == ["FT204"] and "pyproject.toml" in cfg.source


def test_pyproject_without_ftlint_table_is_skipped(tmp_path, monkeypatch):
    write(tmp_path, "ftlint.toml", 'method = "dpo"\n')
    write(tmp_path, "sub/pyproject.toml", '[project]\nname = "x"\n')
    monkeypatch.chdir(tmp_path / "sub")
    assert load_config().method == "dpo"


@pytest.mark.parametrize("text, message", [
    ('selct = ["FT1"]\n', "unknown key 'selct' in ftlint's settings; did you mean 'select'?"),
    ('select = "FT1,FT2"\nmethod = "supervised"\n', "'method' must be one of auto, sft, dpo, rft"),
    ('ignore = [1]\n', "'ignore' must be a list of strings"),
    ('select = [\n', "invalid TOML"),
    ('[rules]\nFT204 = 3\n', "'rules' must hold one table per entry"),
])
def test_bad_config_files(tmp_path, monkeypatch, text, message):
    write(tmp_path, "ftlint.toml", text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        load_config()


def test_config_files_in_other_encodings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ftlint.toml").write_bytes(b'\xef\xbb\xbfmethod = "dpo"\n')  # Notepad's UTF-8 with BOM
    assert load_config().method == "dpo"
    (tmp_path / "ftlint.toml").write_bytes('method = "dpo"\n'.encode("utf-16"))
    with pytest.raises(ConfigError, match="ftlint.toml: not UTF-8 \\(byte 1\\), and TOML files must be"):
        load_config()
    # a pyproject.toml above the data that is not UTF-8 is not ftlint's: it is passed over
    (tmp_path / "ftlint.toml").unlink()
    (tmp_path / "pyproject.toml").write_bytes(b"\xff\xfe[\x00")
    assert load_config().source is None


@pytest.mark.parametrize("text, message", [
    ('select = ["FT9"]\n', "'select' names no known rule: 'FT9'"),
    ('ignore = ["invalid-wieght"]\n', "did you mean 'invalid-weight'?"),
    ('[rules.FT204]\nrole = ["user"]\n', "rule FT204 (consecutive-same-role) has no option 'role'; did you mean "
                                         "'roles'?"),
    ('[rules.too-many-images]\nmax-images = "ten"\n', "rules.too-many-images.max-images: expected int"),
    ('[rules.FT2]\nroles = []\n', "must name one rule by code or name, not a prefix"),
    ('[severity]\nFT204 = "fatal"\n', "unknown severity 'fatal'"),
    ('target = "bedrock"\n', "unknown target 'bedrock'; known targets: azure-openai, openai"),
    ('[per-file-ignores]\n"*.jsonl" = ["FT77"]\n', "'per-file-ignores.*.jsonl' names no known rule"),
    ('plugins = ["missing_plugin.py"]\n', "failed to load"),
    ('[rules.FT704]\nsegments = 20\n', "rules.FT704 (near-duplicate): min-words must be at least segments"),
    ('[rules.refusal-ratio]\npatterns = ["(unclosed"]\n', "rules.FT707 (refusal-ratio): invalid refusal pattern"),
])
def test_bad_settings_exit_two_naming_the_key(run, tmp_path, text, message):
    write(tmp_path, "ftlint.toml", text)
    write(tmp_path, "train.jsonl", good_lines())
    result = run("train.jsonl")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_settings_apply(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD_WEIGHT)
    write(tmp_path, "legacy/old.jsonl", BAD_WEIGHT)
    write(tmp_path, "ftlint.toml", '[severity]\n"invalid-weight" = "warning"\n')
    assert run("train.jsonl").exit_code == 0
    assert "FT302 [*] warning" in run("train.jsonl").output
    write(tmp_path, "ftlint.toml", '[per-file-ignores]\n"legacy/*" = ["FT3"]\n')
    assert run("legacy/old.jsonl").exit_code == 0
    assert run("train.jsonl").exit_code == 1
    write(tmp_path, "ftlint.toml", 'exclude = ["legacy"]\n')
    result = run(".", "--format", "json")
    assert '"legacy' not in result.output and result.exit_code == 1
    # explicit paths are linted unless --force-exclude (as pre-commit passes them)
    assert run("legacy/old.jsonl").exit_code == 1
    assert run("legacy/old.jsonl", "--force-exclude").exit_code == 0


def test_rule_options_and_cli_overrides(run, tmp_path):
    text = good_lines(49) + '{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, ' \
        '{"role": "assistant", "content": "c"}]}\n'
    write(tmp_path, "train.jsonl", text)
    assert "FT204" in run("train.jsonl").output
    write(tmp_path, "ftlint.toml", '[rules.consecutive-same-role]\nroles = ["assistant"]\n')
    assert "FT204" not in run("train.jsonl").output
    write(tmp_path, "ftlint.toml", 'target = "azure-openai"\n')
    assert run("train.jsonl").exit_code == 1  # FT204 is an error on Azure
    assert run("train.jsonl", "--target", "openai").exit_code == 0
    assert run("train.jsonl", "--isolated").exit_code == 0


def test_explicit_config_file(run, tmp_path):
    write(tmp_path, "train.jsonl", BAD_WEIGHT)
    write(tmp_path, "conf/strict.toml", 'ignore = ["FT302"]\n')
    assert run("train.jsonl", "--config", "conf/strict.toml").exit_code == 0
    missing = run("train.jsonl", "--config", "nope.toml")
    assert missing.exit_code == 2 and "config file not found: nope.toml" in missing.output
