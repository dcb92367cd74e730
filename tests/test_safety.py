"""Safety router and personal-data masking: rules that work with no index at all."""

from __future__ import annotations

import pytest

from assistant.privacy import has_personal_details, mask_personal_details
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


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("email me at jo.bloggs@example.com", "email me at [email]"),
        ("ring 07700 900123 please", "ring [phone] please"),
        ("I live in CM1 1AA", "I live in [postcode]"),
        ("at 12 High Street today", "at [address] today"),
        ("my name is Jane Smith and I was robbed", "my name is [name] and I was robbed"),
        ("How many homicides were there?", "How many homicides were there?"),
    ],
    ids=["email", "phone", "postcode", "address", "name", "nothing-personal"],
)
def test_personal_details_are_masked(text: str, masked: str) -> None:
    assert mask_personal_details(text) == masked
    assert has_personal_details(text) == (text != masked)


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
