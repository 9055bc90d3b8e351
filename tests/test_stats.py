"""Change indices per version pair and per section."""

import json

import pytest
from click.testing import CliRunner

from policydiff import document_history, load_document
from policydiff.cli import cli
from policydiff.model import CHANGE_TYPES
from policydiff.stats import WHOLE, document_stats


@pytest.fixture(scope="module")
def rows():
    return document_stats(document_history(load_document("food-safety-law")))


def test_one_whole_document_row_per_pair_then_sections(rows):
    whole = [row for row in rows if row["section"] == WHOLE]
    assert [(r["from_version"], r["to_version"]) for r in whole] == [
        ("1995", "2009"),
        ("2009", "2015"),
    ]
    sections = [
        r for r in rows if r["section"] != WHOLE and r["from_version"] == "2009"
    ]
    assert "第九章法律责任" in {r["section"] for r in sections}
    assert sum(r["links"] for r in sections) == whole[1]["links"]


def test_shares_add_up_and_counts_match(rows):
    for row in rows:
        assert sum(row[t] for t in CHANGE_TYPES) == row["links"]
        assert abs(sum(row[f"share_{t}"] for t in CHANGE_TYPES) - 1) < 0.001
        assert row["mean_similarity"] is None or 0 <= row["mean_similarity"] <= 1


def test_measure_classes_are_counted(rows):
    whole = next(
        r for r in rows if r["section"] == WHOLE and r["from_version"] == "2009"
    )
    assert whole["tightened"] >= 10
    assert whole["parameter_changes"] >= 15
    penalties = next(
        r
        for r in rows
        if r["section"] == "第九章法律责任" and r["from_version"] == "2009"
    )
    assert penalties["tightened"] == whole["tightened"] - sum(
        r["tightened"]
        for r in rows
        if r["from_version"] == "2009" and r["section"] not in (WHOLE, "第九章法律责任")
    )


def test_stats_command():
    result = CliRunner().invoke(
        cli, ["stats", "food-safety-law", "--format", "json", "-q"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["stats"][0]["section"] == WHOLE
    result = CliRunner().invoke(cli, ["stats", "food-safety-law", "-q"])
    assert result.exit_code == 0
    assert result.output.startswith("food-safety-law 1995 → 2009\n  (whole document): ")
