"""The load test (`assistant load`): many clients at once through the public app's API, on
loopback only, bounded in time."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from assistant.errors import AssistantError
from assistant.evaluation.load import (
    load_markdown,
    loopback_url,
    parse_clients,
    run_level,
    verdict,
)


@pytest.mark.parametrize("text", ["", "0", "4,x", "1,999", "-2"])
def test_a_bad_number_of_clients_is_one_line(text: str) -> None:
    with pytest.raises(AssistantError, match="--clients"):
        parse_clients(text)


def test_only_apps_on_this_machine_are_driven(capsys) -> None:
    assert loopback_url("http://127.0.0.1:7860/") == "http://127.0.0.1:7860"
    with pytest.raises(AssistantError, match="only this machine"):
        loopback_url("https://example.org")
    assert main(["load", "--url", "http://example.org", "--no-report"]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_the_verdict_reads_the_sixteen_client_level() -> None:
    fast = {"clients": 16, "answers_per_s": 40.0, "p95_ms": 500.0, "errors": 0}
    assert verdict([fast]).startswith("meets")
    assert verdict([{**fast, "errors": 1}]).startswith("misses")
    assert verdict([{**fast, "answers_per_s": 12.0}]).startswith("misses")
    assert verdict([{**fast, "clients": 4}]).startswith("target not measured")


@pytest.mark.slow
def test_clients_at_once_are_answered_without_errors(server, tmp_path) -> None:
    questions = ["How many homicides were there?", "Is crime going up?", "", "What is PACT?"]
    levels = [run_level(server.url, n, 2.0, questions) for n in (1, 4)]
    for level in levels:
        assert level["errors"] == 0, level["first_error"]
        assert level["answers"] >= 4 and level["answers_per_s"] > 0
        assert 0 < level["p50_ms"] <= level["p95_ms"]
    data = {
        "meta": {"date": "d", "commit": "c", "machine": "m", "cpus": 2},
        "app": "test",
        "seconds_per_level": 2.0,
        "levels": levels,
        "rss_mb": None,
        "verdict": verdict(levels),
    }
    markdown = load_markdown(data)
    assert "\n| 4 | " in markdown and "target not measured" in markdown
    json.dumps(data)  # the report's JSON half
