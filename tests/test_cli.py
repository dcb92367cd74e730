"""The command line: answers with sources, JSON, and one-line errors with no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import Settings


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        timeout=240,
    )


@pytest.fixture(scope="module")
def index_env(built_settings: Settings) -> dict[str, str]:
    return {"ASSISTANT_INDEX_DIR": str(built_settings.index_dir)}


def test_ask_prints_the_answer_and_its_sources(index_env: dict[str, str]) -> None:
    result = _run(
        "ask", "How many homicides were there in the 12 months to March 2017?", env=index_env
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Number of homicides went down: 15 in the 12 months to Mar 2017")
    assert "[1] Annual Report 2016-17, Performance data, p. 23" in lines


def test_ask_json_gives_the_answer_contract(index_env: dict[str, str]) -> None:
    result = _run("ask", "How many homicides were there?", "--json", env=index_env)
    answer = json.loads(result.stdout)
    assert list(answer) == [
        "question",
        "kind",
        "text",
        "citations",
        "statistics",
        "conflicts",
        "elapsed_ms",
    ]
    assert answer["kind"] == "statistic" and answer["citations"][0]["pages"] == "23"


def test_ingest_reports_an_up_to_date_index(index_env: dict[str, str]) -> None:
    result = _run("ingest", env=index_env)
    assert result.returncode == 0
    assert result.stdout.startswith("Index up to date: ")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"ASSISTANT_CORPUS_DIR": "/nonexistent/corpus"},
            "error: /nonexistent/corpus: corpus folder not found",
        ),
        (
            {"ASSISTANT_PORT": "not-a-port"},
            "error: invalid setting ASSISTANT_PORT: Input should be a valid integer, unable to "
            "parse string as an integer",
        ),
    ],
    ids=["missing-corpus", "bad-setting"],
)
def test_errors_are_one_line_without_traceback(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = _run(
        "ask", "How many homicides?", env={"ASSISTANT_INDEX_DIR": str(tmp_path / "index"), **env}
    )
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert result.stdout == ""
