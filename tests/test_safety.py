"""The safety router's rules: they work with no index and no model at all."""

from __future__ import annotations

import pytest

from assistant.safety import Wording
from assistant.safety import rules_route as route


@pytest.mark.parametrize(
    ("question", "kind", "must_say"),
    [
        ("Someone is breaking in to my house right now", "emergency", "999"),
        ("there's a man with a knife outside my flat", "emergency", "999"),
        ("my ex is outside saying he's going to kill me", "emergency", "999"),
        ("I want to end my life", "emergency", "116 123"),
        ("i dont want to be alive anymore", "emergency", "Samaritans"),
        ("How do I report a crime?", "report", "101"),
        ("My car was stolen last night, who do I tell?", "report", "online"),
        ("I was assaulted last month and never reported it", "report", "101"),
    ],
    ids=[
        "break-in",
        "knife",
        "threat",
        "self-harm",
        "distress",
        "how-to-report",
        "theft",
        "past-assault",
    ],
)
def test_danger_distress_and_reports_get_fixed_wording(
    question: str, kind: str, must_say: str
) -> None:
    decision = route(question)
    assert decision is not None and decision.kind == kind
    assert must_say in Wording("Essex Police").text(decision.label)


@pytest.mark.parametrize(
    "question",
    [
        "How many homicides were there?",
        "Is crime going up?",
        "How many crimes were reported?",
        "What does the Stop Hate UK reporting line do?",
        "What is the PCC doing about knife crime?",
    ],
    ids=["homicides", "crime-trend", "reported-crimes", "reporting-line", "knife-crime"],
)
def test_ordinary_questions_pass_through(question: str) -> None:
    assert route(question) is None


def test_questions_about_figures_are_not_emergencies() -> None:
    assert route("How many people carrying a knife were arrested?") is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("my partner hit me and I'm scared", "emergency"),
        ("there's been a stabbing outside the shop", "emergency"),
        ("I feel like ending it", "emergency"),
        ("I need the police", "emergency"),
        ("my daughter is missing", "emergency"),
        ("a car just hit someone", "emergency"),
        ("I'm being harassed by my ex, he keeps messaging", "report"),
    ],
    ids=[
        "domestic-abuse-now",
        "stabbing",
        "ending-it",
        "need-police",
        "missing-child",
        "collision",
        "harassment",
    ],
)
def test_more_ways_people_say_it(question: str, kind: str) -> None:
    decision = route(question)
    assert decision is not None and decision.kind == kind


@pytest.mark.parametrize(
    "question",
    [
        "What is being done about people who went missing?",
        "What did police just do about knife crime?",
        "Is the Chief Constable ending his contract?",
    ],
    ids=["missing-people-policy", "just-in-a-question", "ending-a-contract"],
)
def test_questions_about_these_topics_are_not_emergencies(question: str) -> None:
    assert route(question) is None
