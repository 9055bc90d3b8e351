import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import policydiff.cli
from policydiff.cli import cli
from policydiff.corpus import read_text_file
from policydiff.diff import layout_free
from policydiff.normalize import matching_key

REPO = Path(__file__).resolve().parents[1]
VERSIONS = REPO / "versions"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
README = REPO / "README.md"

FOOD = "food-safety-law"
BEIJING = "beijing-services-pilot"
ARTICLE_LABEL = re.compile(r"第[一二三四五六七八九十百零]+条")
PLAN_2015 = (
    "北京市服务业扩大开放综合试点总体方案\n"
    "一、总体要求\n"
    "推进文化行业扩大对外开放，探索设立外资演出经纪机构。\n"
    "二、主要任务\n"
    "（一）文化教育服务领域\n"
    "大力发展文化贸易。\n"
)


def runner() -> CliRunner:
    # click < 8.2 mixes stderr into output unless told not to; 8.2 keeps both apart.
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def invoke(*args):
    return runner().invoke(cli, [str(a) for a in args], prog_name="policydiff")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden and temporary ones too), by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@contextlib.contextmanager
def unchanged(root: Path):
    before = snapshot(root)
    yield
    assert snapshot(root) == before


def assert_ok(result) -> None:
    assert result.exit_code == 0, result.output
    assert result.exception is None


def assert_error(result, line: str, code: int = 1) -> None:
    """One ``Error: …`` line on stderr, the exit code, and no traceback anywhere."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    assert line in result.stderr.splitlines(), result.stderr
    assert "Traceback" not in result.output + result.stderr


def assert_error_line(result, prefix: str, suffix: str = "", code: int = 1) -> None:
    """As :func:`assert_error`, for a line whose middle comes from another library."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(prefix) and errors[0].endswith(suffix), errors[0]
    assert "Traceback" not in result.output + result.stderr


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the bundled corpus, for commands that write or for breaking it."""
    return Path(shutil.copytree(VERSIONS, tmp_path / "versions"))


def break_checksum(corpus: Path) -> Path:
    path = corpus / FOOD / "2009.txt"
    path.write_bytes(path.read_bytes() + "附则。\n".encode())
    return path


def break_manifest(corpus: Path) -> Path:
    manifest = corpus / FOOD / "manifest.toml"
    manifest.write_bytes(manifest.read_bytes() + b'\n[[versions]\nlabel = "2021"\n')
    return manifest


def toml_error(path: Path) -> str:
    try:
        tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as e:
        return str(e)
    raise AssertionError(f"{path} is valid TOML")


def source_text(folder: Path, label: str) -> str:
    return read_text_file(folder / f"{label}.txt")


# ---------------------------------------------------------------------------- group


def test_help_and_version():
    result = invoke("-h")
    assert_ok(result)
    assert "Examples:" in result.stdout
    for name in cli.commands:
        assert name in result.stdout
    result = invoke("--version")
    assert_ok(result)
    assert result.stdout.startswith("policydiff, version ")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_help(name):
    result = invoke(name, "--help")
    assert_ok(result)
    assert result.stdout.startswith(f"Usage: policydiff {name} ")
    assert "Examples:" in result.stdout
    assert_ok(invoke(name, "-h"))


def test_every_option_has_help():
    for name, command in cli.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (name, param.opts)
                long_options = [o for o in param.opts if o.startswith("--")]
                assert long_options, (name, param.opts)
                for option in long_options + param.secondary_opts:
                    assert re.fullmatch(r"--[a-z]+(-[a-z]+)*", option), option


def test_python_dash_m():
    result = subprocess.run(
        [sys.executable, "-m", "policydiff", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: policydiff" in result.stdout


def test_unknown_command_is_usage_error():
    result = invoke("frobnicate")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------- versions


def test_versions_bundled():
    result = invoke("versions", "--corpus", VERSIONS)
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert "beijing-services-pilot  北京市服务业扩大开放综合试点" in lines
    missing = next(line for line in lines if line.startswith("  2015  missing"))
    assert "2015-05-21" in missing and "国函〔2015〕81号" in missing
    assert "北京市服务业扩大开放综合试点总体方案" in missing
    hints = [line.strip() for line in lines if "the text with" in line]
    assert hints == [
        f"fetch the text with: policydiff fetch beijing-services-pilot 2015 --corpus {VERSIONS}",
        (
            f"add the text with: policydiff add beijing-services-pilot FILE --label 2017"
            f" --corpus {VERSIONS}"
        ),
    ]
    assert any(line.startswith("  2019  present  2019-02-22") for line in lines)
    assert any(line.startswith("  1995  present  1995-10-30") for line in lines)


def test_versions_default_corpus(monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("versions", BEIJING)
    assert_ok(result)
    assert (
        "add the text with: policydiff add beijing-services-pilot FILE --label 2017"
        in result.stdout
    )
    assert FOOD not in result.stdout


def test_versions_json():
    result = invoke("versions", "--corpus", VERSIONS, "--format", "json")
    assert_ok(result)
    data = json.loads(result.stdout)
    documents = {d["slug"]: d for d in data["documents"]}
    assert sorted(documents) == [BEIJING, FOOD]
    beijing = {v["label"]: v for v in documents[BEIJING]["versions"]}
    assert beijing["2015"]["status"] == "missing"
    assert beijing["2015"]["doc_number"] == "国函〔2015〕81号"
    assert beijing["2015"]["add_command"].startswith(
        "policydiff add beijing-services-pilot FILE --label 2015"
    )
    assert beijing["2019"]["status"] == "present"
    assert beijing["2019"]["add_command"] is None
    assert [v["label"] for v in documents[FOOD]["versions"]] == ["1995", "2009", "2015"]


def test_versions_shared_corpora():
    result = invoke("versions", "--corpus", CORPORA)
    assert_ok(result)
    assert "animal-epidemic-prevention-law" in result.stdout
    assert "  2020-draft-1  present" in result.stdout
    result = invoke("versions", CORPORA / FOOD, "--format", "json")
    assert_ok(result)
    (document,) = json.loads(result.stdout)["documents"]
    assert [v["label"] for v in document["versions"]] == ["1995", "2009", "2015"]


# ---------------------------------------------------------------------------- add


def test_add_fills_missing_version(corpus, tmp_path):
    text_file = tmp_path / "plan-2015.txt"
    text_file.write_text(PLAN_2015, encoding="utf-8")
    result = invoke(
        "add",
        BEIJING,
        text_file,
        "--label",
        "2015",
        "--date",
        "2015-05-21",
        "--source",
        "http://www.gov.cn/",
        "--corpus",
        corpus,
    )
    assert_ok(result)
    stored = corpus / BEIJING / "2015.txt"
    sha256 = hashlib.sha256(PLAN_2015.encode("utf-8")).hexdigest()
    lines = result.stdout.splitlines()
    assert lines[0] == f"Added version 2015 of {BEIJING}: {stored}"
    assert f"  sha256: {sha256}" in lines
    assert "  source: http://www.gov.cn/" in lines
    assert "  doc_number: 国函〔2015〕81号" in lines  # kept from the missing entry
    assert stored.read_text("utf-8") == PLAN_2015

    versions = invoke("versions", BEIJING, "--corpus", corpus)
    assert "  2015  present  2015-05-21" in versions.stdout
    assert_ok(invoke("check", "--corpus", corpus))
    diff = invoke("diff", BEIJING, "--from", "2015", "--to", "2019", "--corpus", corpus)
    assert_ok(diff)
    assert diff.stdout.startswith(f"{BEIJING} 2015 → 2019: ")


def test_add_new_document(corpus, tmp_path):
    text_file = tmp_path / "law.txt"
    text_file.write_text(source_text(CORPORA / FOOD, "2015"), encoding="utf-8")
    result = invoke(
        "add",
        "new-law",
        text_file,
        "--label",
        "2015",
        "--title",
        "中华人民共和国食品安全法",
        "--doc-number",
        "主席令第二十一号",
        "--issuer",
        "全国人民代表大会常务委员会",
        "--corpus",
        corpus,
    )
    assert_ok(result)
    assert (corpus / "new-law" / "manifest.toml").is_file()
    data = json.loads(
        invoke("versions", "new-law", "--corpus", corpus, "--format", "json").stdout
    )
    (version,) = data["documents"][0]["versions"]
    assert version["doc_number"] == "主席令第二十一号"
    assert version["title"] == "中华人民共和国食品安全法"


def test_add_says_what_it_does_when_slow(corpus, tmp_path, monkeypatch):
    add_version = policydiff.cli.add_version

    def slow_add_version(*args, **kwargs):  # a long PDF, say
        info = add_version(*args, **kwargs)
        time.sleep(0.3)
        return info

    monkeypatch.setattr(policydiff.cli, "add_version", slow_add_version)
    monkeypatch.setattr(policydiff.cli, "SLOW", 0.05)
    text_file = tmp_path / "law.txt"
    text_file.write_text(source_text(CORPORA / FOOD, "2015"), encoding="utf-8")
    args = ["add", "law", text_file, "--label", "2015", "--corpus", corpus]
    result = invoke(*args)
    assert_ok(result)
    assert result.stderr == f"Importing {text_file}…\n"
    result = invoke(*args[:3], "--label", "2015b", "--quiet", "--corpus", corpus)
    assert_ok(result)
    assert result.stderr == ""
    assert result.stdout.startswith("Added version 2015b of law")


def test_add_present_version_needs_replace(corpus, tmp_path):
    text_file = tmp_path / "2019.txt"
    text_file.write_text(PLAN_2015, encoding="utf-8")
    stored = corpus / BEIJING / "2019.txt"
    with unchanged(tmp_path):
        result = invoke(
            "add", BEIJING, text_file, "--label", "2019", "--corpus", corpus
        )
    assert_error(
        result,
        f"Error: {stored}: version 2019 of {BEIJING} already has a text;"
        " use --replace to replace it (the old text is kept as .bak)",
    )
    old = stored.read_bytes()
    result = invoke(
        "add", BEIJING, text_file, "--label", "2019", "--replace", "--corpus", corpus
    )
    assert_ok(result)
    assert stored.read_text("utf-8") == PLAN_2015
    assert (corpus / BEIJING / "2019.txt.bak").read_bytes() == old


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.txt", None, "no such file; check the path"),
        ("empty.txt", b"", "file is empty"),
        (
            "blank.txt",
            " \n\u3000\n\t\n".encode(),
            "file holds only whitespace (or invisible characters)",
        ),
        (
            "invisible.txt",
            "\u200b\n\ufeff\n".encode(),
            "file holds only whitespace (or invisible characters)",
        ),
        (
            "binary.txt",
            b"\x7fELF\x02\x01\x00binary",
            (
                "binary file (NUL byte at offset 6); give a text, HTML, Word (.docx) or PDF"
                " file"
            ),
        ),
        (
            "archive.txt",
            b"PK\x03\x04\x00\x00binary",
            "a ZIP archive, not a Word .docx file; unpack it and give the file inside",
        ),
        (
            "gb18030.txt",
            "第一条　为保证食品安全，制定本法。\n".encode("gb18030"),
            (
                "not UTF-8 text (byte 0xb5 at offset 0); check --encoding, or leave it out"
                " to detect it"
            ),
        ),
    ],
)
def test_add_bad_file(corpus, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    options = ["--encoding", "utf-8"] if name == "gb18030.txt" else []
    with unchanged(tmp_path):
        result = invoke(
            "add", BEIJING, path, "--label", "2015", *options, "--corpus", corpus
        )
    assert_error(result, f"Error: {path}: {message}")


def test_add_bad_date(corpus, tmp_path):
    text_file = tmp_path / "plan.txt"
    text_file.write_text(PLAN_2015, encoding="utf-8")
    with unchanged(tmp_path):
        result = invoke(
            "add",
            BEIJING,
            text_file,
            "--label",
            "2015",
            "--date",
            "2015-13-01",
            "--corpus",
            corpus,
        )
    assert_error(
        result,
        "Error: Invalid value for '--date': '2015-13-01' is not a date;"
        " use YYYY-MM-DD, YYYY-MM or YYYY; see policydiff add --help",
        code=2,
    )


def test_add_bad_label(corpus, tmp_path):
    text_file = tmp_path / "plan.txt"
    text_file.write_text(PLAN_2015, encoding="utf-8")
    with unchanged(tmp_path):
        result = invoke(
            "add", BEIJING, text_file, "--label", "2015 草案", "--corpus", corpus
        )
    assert_error(
        result,
        "Error: bad version label '2015 草案'; use letters, digits, '.', '_' or '-'"
        " (2019, 2020-draft-1)",
    )


def test_add_needs_label(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke("add", BEIJING, tmp_path / "plan.txt", "--corpus", corpus)
    assert_error(
        result, "Error: Missing option '--label'; see policydiff add --help", code=2
    )


# ---------------------------------------------------------------------------- check


def test_check_bundled():
    result = invoke("check", "--corpus", VERSIONS)
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert (
        "  2017  warning: text missing; add it with"
        " policydiff add beijing-services-pilot FILE --label 2017"
    ) in lines
    sources = [line for line in lines if line.startswith("  2009  ok, source: ")]
    assert sources and "Copied byte for byte" in sources[0]
    assert lines[-1] == "2 documents, 6 versions: 0 errors, 2 warnings"


def test_check_one_document_of_shared_corpora():
    result = invoke("check", FOOD, "--corpus", CORPORA)
    assert_ok(result)
    assert "  2015  ok, source: not recorded" in result.stdout.splitlines()
    assert_ok(invoke("check", "--corpus", CORPORA))


def test_check_json():
    result = invoke("check", "--corpus", VERSIONS, "--format", "json")
    assert_ok(result)
    data = json.loads(result.stdout)
    assert {(p["label"], p["severity"]) for p in data["problems"]} == {
        ("2015", "warning"),
        ("2017", "warning"),
    }


def test_checksum_mismatch(corpus, tmp_path):
    path = break_checksum(corpus)
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    message = (
        f"{path}: sha256 is {actual[:12]}…, the manifest records 32a784fb2a7a…;"
        f" if the text was changed on purpose, re-add it with"
        f" policydiff add {FOOD} FILE --label 2009 --replace"
    )
    with unchanged(tmp_path):
        result = invoke("check", "--corpus", corpus)
    assert_error(result, "Error: 1 error in the corpus; fix the problem above")
    assert f"  2009  error: {message}" in result.stdout.splitlines()
    assert "  2015  ok, source: Copied" in result.stdout

    with unchanged(tmp_path):
        result = invoke(
            "diff", FOOD, "--from", "2009", "--to", "2015", "--corpus", corpus
        )
    assert_error(result, f"Error: {message}")
    assert result.stdout == ""
    with unchanged(tmp_path):
        result = invoke("show", FOOD, "2009", "--corpus", corpus)
    assert_error(result, f"Error: {message}")


def test_broken_manifest(corpus, tmp_path):
    manifest = break_manifest(corpus)
    error = toml_error(manifest)
    line = f"Error: {manifest}: invalid TOML: {error}; fix the manifest"
    for args in (
        ["versions"],
        ["diff", FOOD],
        ["show", FOOD, "2009"],
        ["history", FOOD, "食品"],
        ["build", tmp_path / "new.db"],
    ):
        with unchanged(tmp_path):
            result = invoke(*args, "--corpus", corpus)
        assert_error(result, line)
    assert not (tmp_path / "new.db").exists()
    # check reports it under its document and goes on (test_check_goes_on_past_…).


# ---------------------------------------------------------------------------- diff


def diff_json(*args) -> dict:
    result = invoke("diff", *args, "--format", "json")
    assert_ok(result)
    return json.loads(result.stdout)


def test_diff_json_bundled():
    data = diff_json(FOOD, "--from", "2009", "--to", "2015", "--corpus", VERSIONS)
    assert (data["document"], data["from"], data["to"]) == (FOOD, "2009", "2015")
    sources = {
        "from": source_text(VERSIONS / FOOD, "2009"),
        "to": source_text(VERSIONS / FOOD, "2015"),
    }
    types = {change["type"] for change in data["changes"]}
    assert {"unchanged", "modified", "added", "deleted"} <= types
    assert len(data["changes"]) == sum(data["counts"].values())
    for change in data["changes"]:
        assert {"type", "similarity", "from", "to", "diff"} <= set(change)
        assert 0 <= change["similarity"] <= 1
        for side in ("from", "to"):
            for clause in change[side]:
                assert {"id", "label", "text"} <= set(clause)
                if clause["kind"] == "article":
                    assert ARTICLE_LABEL.fullmatch(clause["label"]), clause["label"]
                assert clause["text"] in sources[side]
        old = "".join(text for op, text in change["diff"] if op != 1)
        new = "".join(text for op, text in change["diff"] if op != -1)
        # The diff reads the layout-free text: indentation and space widths set aside.
        assert old == "\n".join(layout_free(c["text"]) for c in change["from"])
        assert new == "\n".join(layout_free(c["text"]) for c in change["to"])
    articles = [c for ch in data["changes"] for c in ch["from"] + ch["to"]]
    assert sum(c["kind"] == "article" for c in articles) > 200
    for change in data["changes"]:
        ids = {c["id"] for c in change["from"]}, {c["id"] for c in change["to"]}
        for old_id, new_id in change["pairs"]:
            assert old_id in ids[0] | {None} and new_id in ids[1] | {None}
    regrouped = next(
        ch for ch in data["changes"] if len(ch["from"]) > 1 and len(ch["to"]) > 1
    )
    assert ["2009:a85", "2015:a123"] in regrouped["pairs"]


def test_diff_changed_only():
    every = diff_json(FOOD, "--from", "2009", "--to", "2015", "--corpus", VERSIONS)
    changed = diff_json(
        FOOD, "--from", "2009", "--to", "2015", "--changed-only", "--corpus", VERSIONS
    )
    assert every["counts"]["unchanged"] > 0
    assert all(c["type"] != "unchanged" for c in changed["changes"])
    assert (
        len(changed["changes"]) == len(every["changes"]) - every["counts"]["unchanged"]
    )


def test_diff_folder_path_matches_corpus():
    bundled = diff_json(FOOD, "--from", "2009", "--to", "2015", "--corpus", VERSIONS)
    folder = diff_json(CORPORA / FOOD, "--from", "2009", "--to", "2015")
    assert folder["counts"] == bundled["counts"]
    assert folder["changes"] == bundled["changes"]


def test_diff_text():
    result = invoke(
        "diff", FOOD, "--from", "2009", "--to", "2015", "--corpus", VERSIONS
    )
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("food-safety-law 2009 → 2015: ")
    assert "\x1b[" not in result.stdout
    assert any(line.startswith("= unchanged ") for line in lines)
    assert any(line.startswith("~ modified  第") for line in lines)
    assert "[-" in result.stdout and "{+" in result.stdout
    changed = invoke(
        "diff",
        FOOD,
        "--from",
        "2009",
        "--to",
        "2015",
        "--changed-only",
        "--corpus",
        VERSIONS,
    )
    assert not any(
        line.startswith("= unchanged ") for line in changed.stdout.splitlines()
    )


def test_diff_color():
    args = ["diff", FOOD, "--from", "2009", "--to", "2015", "--corpus", VERSIONS]
    result = invoke(*args, "--color")
    assert_ok(result)
    assert "\x1b[" in result.stdout
    assert "[-" not in result.stdout
    result = invoke(*args, "--no-color")
    assert "\x1b[" not in result.stdout


def test_diff_sentence_unit():
    result = invoke(
        "diff",
        FOOD,
        "--from",
        "2009",
        "--to",
        "2015",
        "--unit",
        "sentence",
        "--corpus",
        VERSIONS,
    )
    assert_ok(result)
    assert re.search(r"^  [=~] \w+ +第.+条\(\d+\)", result.stdout, re.MULTILINE)


@pytest.mark.parametrize(
    "fmt, marks",
    [
        ("markdown", ("<del>", "<ins>", "# food-safety-law: 2009 → 2015")),
        ("html", ("<ins>", "<del>", "<article")),
    ],
)
def test_diff_markdown_and_html(fmt, marks):
    result = invoke(
        "diff",
        FOOD,
        "--from",
        "2009",
        "--to",
        "2015",
        "--format",
        fmt,
        "--corpus",
        VERSIONS,
    )
    assert_ok(result)
    for mark in marks:
        assert mark in result.stdout


def test_diff_output_file(tmp_path):
    out = tmp_path / "changes.json"
    args = ["diff", FOOD, "--from", "1995", "--to", "2009", "--format", "json"]
    result = invoke(*args, "-o", out, "--corpus", VERSIONS)
    assert_ok(result)
    assert result.stdout == ""
    assert json.loads(out.read_text("utf-8")) == json.loads(
        invoke(*args, "--corpus", VERSIONS).stdout
    )
    text_out = tmp_path / "changes.txt"
    assert_ok(
        invoke("diff", FOOD, "--color", "--output", text_out, "--corpus", VERSIONS)
    )
    assert "\x1b[" not in text_out.read_text("utf-8")


@pytest.mark.parametrize(
    "name,start",
    [("changes.html", "<!DOCTYPE html>"), ("changes.md", "# "), ("changes.json", "{")],
)
def test_diff_format_follows_the_output_suffix(tmp_path, name, start):
    out = tmp_path / name
    assert_ok(invoke("diff", FOOD, "-o", out, "--corpus", VERSIONS))
    assert out.read_text("utf-8").startswith(start)


def test_an_output_suffix_that_names_no_format_is_refused(tmp_path):
    out = tmp_path / "changes.pdf"
    with unchanged(tmp_path):
        result = invoke("diff", FOOD, "-o", out, "--corpus", VERSIONS)
    assert_error(
        result,
        f"Error: {out}: cannot tell the format from '.pdf'; name the file .txt,"
        " .html, .md, .json, or give --format; see policydiff diff --help",
        code=2,
    )


def test_diff_says_what_it_does_when_slow(monkeypatch):
    monkeypatch.setattr(policydiff.cli, "SLOW", 0.0)
    args = ["diff", FOOD, "--format", "json", "--corpus", VERSIONS]
    result = invoke(*args)
    assert_ok(result)
    assert result.stderr == "Comparing food-safety-law…\n"
    json.loads(result.stdout)
    result = invoke(*args, "--quiet")
    assert result.stderr == ""


def test_diff_default_pair_shared_corpora():
    result = invoke(
        "diff", CORPORA / "animal-epidemic-prevention-law", "--changed-only"
    )
    assert_ok(result)
    assert result.stdout.startswith(
        "animal-epidemic-prevention-law 2020-draft-2 → 2021: "
    )
    result = invoke("diff", FOOD, "--to", "2009", "--corpus", CORPORA)
    assert_ok(result)
    assert result.stdout.startswith("food-safety-law 1995 → 2009: ")


def test_diff_unknown_document(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke("diff", "nope", "--corpus", corpus)
    assert_error(
        result,
        f"Error: no document 'nope' in {corpus}; the documents are:"
        " beijing-services-pilot, food-safety-law",
    )


def test_diff_unknown_version(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke(
            "diff", FOOD, "--from", "2009", "--to", "2021", "--corpus", corpus
        )
    assert_error(
        result,
        "Error: document food-safety-law has no version '2021';"
        " its versions are: 1995, 2009, 2015",
    )


def test_diff_missing_version(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke(
            "diff", BEIJING, "--from", "2015", "--to", "2019", "--corpus", corpus
        )
    assert_error(
        result,
        "Error: version 2015 of beijing-services-pilot: text missing (the manifest has"
        " only its metadata); add it with policydiff add beijing-services-pilot FILE"
        " --label 2015",
    )


def test_diff_needs_two_versions(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke("diff", BEIJING, "--corpus", corpus)
    assert_error(
        result,
        "Error: beijing-services-pilot: needs two versions with text to compare,"
        " has 2019; add one with policydiff add",
    )


def test_diff_missing_corpus(tmp_path):
    result = invoke("diff", FOOD, "--corpus", tmp_path / "nowhere")
    assert_error(
        result,
        f"Error: no document 'food-safety-law': it is not a folder and corpus folder"
        f" {tmp_path / 'nowhere'} does not exist; pass --corpus PATH",
    )


def test_diff_bad_format(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke("diff", FOOD, "--format", "pdf", "--corpus", corpus)
    assert_error_line(
        result,
        "Error: Invalid value for '--format': 'pdf' is not one of 'text', 'html',",
        code=2,
    )
    with unchanged(tmp_path):
        result = invoke(
            "diff", FOOD, "--format", "json", "--unit", "sentence", "--corpus", corpus
        )
    assert_error(
        result,
        "Error: --unit sentence works only with --format text;"
        " see policydiff diff --help",
        code=2,
    )


# ---------------------------------------------------------------------------- show


def test_show_plan_tree():
    result = invoke("show", BEIJING, "2019", "--corpus", VERSIONS)
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert "二、主要任务" in lines
    assert "  （二）立足文化中心建设，提升文化软实力和国际影响力。" in lines
    assert "    二（二）推进文化行业扩大对外开放  [2.2.p1]" in lines
    heading = lines.index("二、主要任务")
    assert lines.index("    二（二）推进文化行业扩大对外开放  [2.2.p1]") > heading


def test_show_law_tree_json():
    result = invoke("show", FOOD, "2015", "--format", "json", "--corpus", CORPORA)
    assert_ok(result)
    data = json.loads(result.stdout)
    assert (data["document"], data["version"]) == (FOOD, "2015")
    assert data["headings"][0]["label"] == "第一章"
    articles = [c for c in data["clauses"] if c["kind"] == "article"]
    assert [c["label"] for c in articles[:2]] == ["第一条", "第二条"]
    source = source_text(CORPORA / FOOD, "2015")
    assert all(c["text"] in source for c in data["clauses"])


@pytest.mark.parametrize(
    "query", ["第十二条", "a12", "2009:a12", "第12条", "第一二条", "第 12 條"]
)
def test_show_clause(query):
    result = invoke("show", FOOD, "2009", query, "--corpus", VERSIONS)
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "第十二条  [2009:a12]"
    assert lines[1] == "第二章　食品安全风险监测和评估"
    assert lines[3].startswith("第十二条　国务院农业行政、质量监督")
    assert "Sentences:" in lines
    assert (
        lines[-1]
        == "  2. 国务院卫生行政部门会同有关部门对信息核实后，应当及时调整食品安全风险监测计划。"
    )


def test_show_by_number_is_not_the_article_inserted_after_it(tmp_path):
    """A synthetic copy of 2015 whose 第十一条 is renamed 第十条之一, as an amendment
    inserts articles: 第10条 is 第十条, not both."""
    text = (VERSIONS / FOOD / "2015.txt").read_text(encoding="utf-8")
    folder = tmp_path / "inserted"
    folder.mkdir()
    (folder / "2015.txt").write_text(
        re.sub(r"(?m)^(\s*)第十一条", r"\1第十条之一", text), encoding="utf-8"
    )
    result = invoke("show", folder, "2015", "第10条")
    assert_ok(result)
    assert result.stdout.splitlines()[0] == "第十条  [2015:a10]"


def test_show_plan_clause_json():
    result = invoke(
        "show",
        BEIJING,
        "2019",
        "二（二）推进文化行业扩大对外开放",
        "--format",
        "json",
        "--corpus",
        VERSIONS,
    )
    assert_ok(result)
    data = json.loads(result.stdout)
    assert data["id"] == "2019:2.2.p1"
    assert data["text"] in source_text(VERSIONS / BEIJING, "2019")
    assert "".join(data["sentences"]) in data["text"].replace("\n", "")  # in order
    assert len(data["sentences"]) > 1


def test_show_unknown_clause(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke("show", FOOD, "2009", "第九百条", "--corpus", corpus)
    assert_error(
        result,
        "Error: food-safety-law 2009 has no clause '第九百条'; near: 第九条, 第十九条,"
        " 第九十条, 第一百条, 第四十九条; list them with policydiff show food-safety-law 2009",
    )


def test_show_missing_version(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke("show", BEIJING, "2015", "--corpus", corpus)
    assert_error(
        result,
        "Error: version 2015 of beijing-services-pilot: text missing (the manifest has"
        " only its metadata); add it with policydiff add beijing-services-pilot FILE"
        " --label 2015",
    )


# ---------------------------------------------------------------------------- history


def history_json(*args) -> dict:
    result = invoke("history", *args, "--format", "json")
    assert_ok(result)
    return json.loads(result.stdout)


def test_history_json():
    data = history_json(FOOD, "食品安全风险评估", "--corpus", VERSIONS)
    assert data["versions"] == ["1995", "2009", "2015"]
    spanning = [
        lin
        for lin in data["lineages"]
        if {"2009", "2015"} <= {entry["version"] for entry in lin["clauses"]}
    ]
    assert len(spanning) >= 3
    key = matching_key("食品安全风险评估")
    for lineage in data["lineages"]:
        texts = [c["text"] for e in lineage["clauses"] for c in e["clauses"]]
        assert any(key in matching_key(text) for text in texts)
    first = spanning[0]
    step = next(s for s in first["steps"] if (s["from"], s["to"]) == ("2009", "2015"))
    assert step["type"] in ("unchanged", "modified", "moved", "split", "merged")
    assert 0 < step["similarity"] <= 1
    assert step["diff"]


def test_history_text():
    result = invoke("history", FOOD, "食品安全风险评估", "--corpus", VERSIONS)
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("Lineage 2009:")
        and line.endswith("runs to 2015, the latest version")
        for line in lines
    )
    assert any(
        re.match(r"  2015  第.+条  \w+, similarity \d\.\d\d$", line) for line in lines
    )
    assert "\x1b[" not in result.stdout


def test_history_normalises_query():
    plain = history_json(FOOD, "食品安全风险评估", "--corpus", VERSIONS)
    spaced = history_json(FOOD, "食品安全 风险评估", "--corpus", VERSIONS)
    traditional = history_json(FOOD, "食品安全風險評估", "--corpus", VERSIONS)
    assert plain["lineages"] == spaced["lineages"] == traditional["lineages"]


def test_history_by_label_and_deletion():
    data = history_json(FOOD, "第二条", "--corpus", VERSIONS)
    assert data["lineages"]
    deleted = [lin for lin in data["lineages"] if lin["deleted_in"]]
    for lineage in deleted:
        assert lineage["span"].endswith(f"deleted in {lineage['deleted_in']}")


def test_history_shared_corpora():
    result = invoke(
        "history", CORPORA / "animal-epidemic-prevention-law", "动物防疫监督"
    )
    assert_ok(result)
    assert "Lineage " in result.stdout
    assert "2020-draft-1" in result.stdout


def test_history_no_match(corpus, tmp_path):
    with unchanged(tmp_path):
        result = invoke("history", FOOD, "区块链", "--corpus", corpus)
    assert_error(
        result,
        "Error: no clause of food-safety-law contains '区块链'; try a shorter query",
    )


# ---------------------------------------------------------------------------- build


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"select count(*) from [{table}]").fetchone()[0]
            for table in (
                "documents",
                "versions",
                "clauses",
                "changes",
                "lineages",
                "measures",
            )
        }
    finally:
        conn.close()


def test_build(corpus, tmp_path):
    db = tmp_path / "policydiff.db"
    result = invoke("build", db, "--corpus", corpus)
    assert_ok(result)
    counts = table_counts(db)
    assert counts["documents"] == 2 and counts["versions"] == 6
    assert counts["clauses"] > 300 and counts["changes"] > 200
    summary = (
        f"Built {db}: 2 documents, 6 versions, {counts['clauses']} clauses,"
        f" {counts['changes']} changes, {counts['lineages']} lineages,"
        f" {counts['measures']} measures"
    )
    assert counts["measures"] > 1000
    assert result.stdout.splitlines() == [summary]
    assert "food-safety-law 2009 → 2015" in result.stderr  # progress
    # Twice is safe, and --quiet shows no progress.
    result = invoke("build", db, "--quiet", "--corpus", corpus)
    assert_ok(result)
    assert result.stderr == ""
    assert table_counts(db) == counts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policydiff.db", "versions"]


def test_build_one_document_of_shared_corpora(tmp_path):
    db = tmp_path / "laws.db"
    result = invoke("build", db, "--document", FOOD, "--corpus", CORPORA, "-q")
    assert_ok(result)
    assert table_counts(db)["documents"] == 1
    assert result.stdout.startswith(f"Built {db}: 1 document, 3 versions, ")


@pytest.mark.parametrize("breakage", ["checksum", "manifest", "document"])
def test_build_over_broken_corpus_keeps_database(corpus, tmp_path, breakage):
    db = tmp_path / "policydiff.db"
    assert_ok(invoke("build", db, "--quiet", "--corpus", corpus))
    if breakage == "checksum":
        break_checksum(corpus)
        args = []
    elif breakage == "manifest":
        break_manifest(corpus)
        args = []
    else:
        args = ["--document", "nope"]
    with unchanged(tmp_path):
        result = invoke("build", db, *args, "--quiet", "--corpus", corpus)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1
    assert "Traceback" not in result.output + result.stderr


def test_build_refuses_a_device_or_pipe(tmp_path):
    """`build /dev/null` must not turn a device into a database file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = invoke("build", fifo, "--quiet", "--corpus", VERSIONS)
    assert_error(
        result,
        f"Error: {fifo}: is not a regular file (a device or a pipe); give a file name",
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("corpus_kind", ["document folder", "empty folder"])
def test_build_from_a_corpus_without_documents_keeps_database(
    corpus, tmp_path, corpus_kind
):
    """Pointing --corpus at a document folder (an easy slip) or at an empty folder is an
    error, not an empty database written over a good one."""
    db = tmp_path / "policydiff.db"
    assert_ok(invoke("build", db, "--quiet", "--corpus", corpus))
    wrong = corpus / FOOD
    if corpus_kind == "empty folder":
        wrong = tmp_path / "empty"
        wrong.mkdir()
    with unchanged(tmp_path):
        result = invoke("build", db, "--quiet", "--corpus", wrong)
    expected = (
        "is a document folder, not a corpus"
        if corpus_kind == "document folder"
        else "no documents to build"
    )
    assert result.exit_code == 1 and expected in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_output_cut_short_by_a_closed_pipe_ends_quietly():
    """`policydiff history … | head -1`, on output longer than a pipe holds: no error
    about a broken pipe, exit 0."""
    process = subprocess.Popen(
        [sys.executable, "-m", "policydiff", "history", FOOD, "食品"]
        + ["--corpus", VERSIONS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.readline().decode("utf-8").startswith("Lineage 1995:a1: ")
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""


def test_build_db_is_a_folder(tmp_path):
    result = invoke("build", tmp_path, "--corpus", VERSIONS)
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr


# ---------------------------------------------------------------------------- serve


def test_serve_missing_database(tmp_path):
    db = tmp_path / "policydiff.db"
    result = invoke("serve", db)
    assert_error(
        result,
        f"Error: {db}: no such database; build it first with policydiff build {db}",
    )
    assert not db.exists()


def test_serve_calls_web(tmp_path, monkeypatch):
    import policydiff.web

    calls = []
    monkeypatch.setattr(
        policydiff.web, "serve", lambda db, host, port: calls.append((db, host, port))
    )
    db = tmp_path / "policydiff.db"
    assert_ok(invoke("build", db, "--quiet", "--corpus", VERSIONS))
    assert_ok(invoke("serve", db, "--port", "8123"))
    assert calls == [(db, "127.0.0.1", 8123)]


def test_serve_bad_port(tmp_path):
    result = invoke("serve", tmp_path / "x.db", "--port", "http")
    assert result.exit_code == 2
    assert "'--port'" in result.stderr


# ---------------------------------------------------------------------------- README


def documented() -> list[tuple[str, str | None]]:
    """Every command, and every long option of the group and of each command."""
    items: list[tuple[str, str | None]] = []
    for param in cli.params:
        items.extend(
            ("", o) for o in param.opts + param.secondary_opts if o.startswith("--")
        )
    for name, command in sorted(cli.commands.items()):
        items.append((name, None))
        for param in command.params:
            if isinstance(param, click.Option):
                options = param.opts + param.secondary_opts
                items.extend((name, o) for o in options if o.startswith("--"))
    return items


@pytest.mark.parametrize(
    "command, option",
    [
        pytest.param(c, o, id=f"{c or 'policydiff'} {o or ''}".strip())
        for c, o in documented()
    ],
)
def test_readme_documents_commands_and_options(command, option):
    readme = README.read_text("utf-8")
    if option is None:
        assert re.search(rf"policydiff {command}\b", readme), f"policydiff {command}"
    else:
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", readme), (
            command,
            option,
        )


def test_check_goes_on_past_a_broken_manifest(corpus):
    manifest = corpus / FOOD / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + 'title = "x\n', encoding="utf-8"
    )
    result = invoke("check", "--corpus", corpus)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == BEIJING and any(line.startswith("  2019  ok") for line in lines)
    assert any("manifest.toml: invalid TOML" in line for line in lines)
    assert (
        result.stderr.strip() == "Error: 1 error in the corpus; fix the problem above"
    )


def test_stats_of_a_document_with_one_version_is_an_error():
    result = invoke("stats", BEIJING, "--corpus", VERSIONS)
    assert_error(
        result,
        "Error: beijing-services-pilot: needs two versions with text to compare, has"
        " 2019; add one with policydiff add",
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["history", FOOD, "  "],
            "Invalid value for QUERY: give some text to look for",
        ),
        (
            ["table", FOOD, "--versions", ","],
            (
                "Invalid value for --versions: name two versions or more, separated by"
                " commas (2009,2015)"
            ),
        ),
        (
            ["table", FOOD, "--versions", "2009"],
            (
                "Invalid value for --versions: name two versions or more, separated by"
                " commas (2009,2015)"
            ),
        ),
    ],
)
def test_empty_queries_and_single_versions_are_usage_errors(args, message):
    result = invoke(*args, "--corpus", VERSIONS)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {message}; see policydiff {args[0]} --help"
    ]


def test_versions_json_gives_the_fetch_command_when_the_manifest_has_a_url():
    data = json.loads(
        invoke("versions", BEIJING, "--corpus", VERSIONS, "--format", "json").stdout
    )
    beijing = {v["label"]: v for v in data["documents"][0]["versions"]}
    assert beijing["2015"]["fetch_command"].startswith(
        "policydiff fetch beijing-services-pilot 2015"
    )
    assert beijing["2017"]["fetch_command"] is None
