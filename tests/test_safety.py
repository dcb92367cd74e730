"""The safety router's rules: they work with no index and no model at all."""

from __future__ import annotations

import pytest

from assistant.safety import Policy, Route, Wording, combine, routed, rule_signals
from assistant.safety import rules_route as route
from assistant.safety_classifier import WINDOW_WORDS, piece_label, pieces_of


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


def _probs(none: float, danger: float, distress: float, report: float) -> dict[str, float]:
    return {"none": none, "danger": danger, "distress": distress, "report": report}


@pytest.mark.parametrize(
    ("message", "probs", "expected"),
    [
        # danger words about something over, and a classifier sure it is a report: a report
        ("There was a stabbing outside my house on Friday", _probs(0, 0.01, 0, 0.99), "report"),
        # the same words said to be happening now: danger, whatever the classifier reads
        ("someone is being stabbed outside right now", _probs(0, 0.01, 0, 0.99), "danger"),
        # not sure enough that it is over: the danger words win
        ("There was a stabbing outside my house on Friday", _probs(0, 0.1, 0, 0.9), "danger"),
        # distress always routes
        ("i want to kill myself", _probs(0, 0, 0.01, 0.99), "distress"),
    ],
)
def test_a_sure_report_of_something_over_is_not_turned_into_danger(
    message: str, probs: dict[str, float], expected: str
) -> None:
    found = routed(message, probs, 0.11, Policy(), lambda reading: "danger")
    assert found is not None and found.label == expected


def test_a_danger_sentence_in_a_long_message_still_routes_unless_the_whole_is_a_sure_report() -> (
    None
):
    message = "My car was stolen last week. Anyway he is back outside now with a bat."
    assert routed(
        message, _probs(0.05, 0.3, 0, 0.65), 0.11, Policy(), lambda reading: "danger"
    ).label == ("danger")
    sure = routed(message, _probs(0, 0.005, 0, 0.995), 0.11, Policy(), lambda reading: "danger")
    assert sure is not None and sure.label == "report"


def test_a_message_read_as_danger_more_than_as_ordinary_gets_999() -> None:
    message = "there is an individual carrying what appears to be a firearm in the car park"
    likely = routed(message, _probs(0.15, 0.83, 0.0, 0.02), 0.11, Policy(), lambda reading: None)
    assert likely is not None and likely.label == "danger"
    # more likely ordinary, or under the floor with a report likelier: the threshold decides,
    # and it does not route
    assert (
        routed(message, _probs(0.5, 0.45, 0.0, 0.05), 0.11, Policy(), lambda reading: None) is None
    )
    assert (
        routed(message, _probs(0.3, 0.33, 0.0, 0.37), 0.11, Policy(), lambda reading: None) is None
    )
    # under the floor but the likeliest reading of all four: 999
    likeliest = routed(message, _probs(0.3, 0.4, 0.3, 0.0), 0.11, Policy(), lambda reading: None)
    assert likeliest is not None and likeliest.label == "danger"


def test_how_sure_a_sentence_must_be_depends_on_how_the_whole_message_reads() -> None:
    bars = {"piece_threshold": 0.4, "sure_piece_threshold": 0.003, "report_piece_urgency": 0.98}
    likely = [_probs(0.02, 0.95, 0.01, 0.02)]  # a sentence that reads as danger, not surely
    certain = [_probs(0.0004, 0.99, 0.0, 0.0096)]
    assert piece_label(likely, bars, "unsure") == "danger"
    assert piece_label(likely, bars, "ordinary") is None  # a long ordinary question
    assert piece_label(likely, bars, "report") is None  # one vivid sentence of a report
    assert piece_label(certain, bars, "ordinary") == "danger"
    assert piece_label(certain, bars, "report") == "danger"


def test_a_run_on_message_is_judged_in_overlapping_windows_of_words() -> None:
    words = [f"w{i}" for i in range(WINDOW_WORDS * 3)]
    run_on = " ".join(words)  # no full stop anywhere: one long sentence
    pieces = pieces_of(run_on + ". How many officers are there?")
    windows = pieces[:-1]
    assert pieces[-1] == "How many officers are there?"
    assert all(len(w.split()) == WINDOW_WORDS for w in windows[:-1])
    assert windows[0].split()[0] == "w0" and windows[-1].split()[-1] == words[-1] + "."
    assert windows[1].split()[0] == words[WINDOW_WORDS // 2]  # overlapping by half
    short = "A sentence of ordinary length. And another one of a few words here."
    assert (
        pieces_of(short + " " + short)
        == ["A sentence of ordinary length.", "And another one of a few words here."] * 2
    )


def test_the_whole_message_decides_which_bar_its_sentences_meet() -> None:
    message = "I was reading about PCSOs. I've heard glass smash downstairs. How many are there?"
    readings: list[str] = []

    def piece(reading: str) -> str | None:
        readings.append(reading)
        return "danger" if reading == "ordinary" else None

    found = routed(message, _probs(0.98, 0.01, 0.0, 0.01), 0.11, Policy(), piece)
    assert found is not None and found.label == "danger" and readings == ["ordinary"]
    report = "My shed was broken into last week and I'm scared. How do I report it?"
    routed(report, _probs(0.05, 0.1, 0.0, 0.85), 0.11, Policy(), piece)
    assert readings[-1] == "report"
    # Routed as a report though the classifier is unsure of it: its sentences about what
    # happened must be surer than any of the bank's reports to make it danger now.
    told = "I'd like to report that my ex grabbed me by the throat at the weekend."
    routed(told, _probs(0.3, 0.25, 0.05, 0.4), 0.11, Policy(), piece)
    assert readings[-1] == "report"
    unsure = "I keep hearing noises. Nobody else is home."
    routed(unsure, _probs(0.5, 0.3, 0.1, 0.1), 0.11, Policy(), piece)
    assert readings[-1] == "unsure"


@pytest.mark.parametrize(
    ("message", "now"),
    [
        ("someone is following me right now", True),
        (
            "He followed her home for months. Nothing's happening right now, but she's scared.",
            False,
        ),
        ("he attacked me last week, he is not here at the moment", False),
        # plural weapons and chasing are danger words like their singulars and "following"
        ("a gang with machetes is chasing a lad down our road right now", True),
        ("lads waving knives outside the shop as we speak", True),
        ("how many knives were handed in at the moment of the amnesty?", False),
    ],
)
def test_the_present_said_calm_is_not_danger_now(message: str, now: bool) -> None:
    assert rule_signals(message).now is now


def test_loose_danger_words_with_distress_the_likelier_give_the_samaritans_line() -> None:
    message = "I left him, I'm so tired, I've been saving up my pills and he hit me before"
    found = routed(message, _probs(0.3, 0.1, 0.55, 0.05), 0.11, Policy(), lambda reading: None)
    assert found is not None and found.label == "distress"


def test_being_held_against_ones_will_is_danger() -> None:
    for message in ("they took my passport and they wont let me leave", "I'm locked in a room"):
        assert route(message) == Route("danger")


def test_danger_words_in_a_message_surely_ordinary_are_hyperbole_unless_now() -> None:
    joke = "I swear these council tax rises are going to kill me. Why has the precept gone up?"
    assert route(joke) == Route("danger")  # the rules alone still route it
    assert routed(joke, _probs(0.99, 0.0, 0.0, 0.01), 0.11, Policy(), lambda r: None) is None
    assert routed(joke, _probs(0.9, 0.05, 0.0, 0.05), 0.11, Policy(), lambda r: None) == Route(
        "danger"
    )
    now = "he says he's going to kill me, he is outside right now"
    assert routed(now, _probs(0.99, 0.0, 0.0, 0.01), 0.11, Policy(), lambda r: None) is not None


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("help!", "danger"),
        ("Please help me", "danger"),
        ("someone help us now!!", "danger"),
        ("help with the accounts section", None),
        ("Can you help me find the precept figure?", None),
    ],
)
def test_a_bare_cry_for_help_is_danger_on_rules(message: str, label: str | None) -> None:
    found = rule_signals(message).strict
    assert (found.label if found else None) == label


def test_a_plain_wish_to_report_stays_a_report_when_the_classifier_reads_distress() -> None:
    told = "My partner slapped me a couple of weeks ago. I just want it written down somewhere."
    found = routed(told, _probs(0.0, 0.0, 0.88, 0.12), 0.16, Policy(), lambda r: None)
    assert found == Route("report")
    # Without the wish, or with danger words that may be now, the classifier still decides.
    unsaid = "My partner slapped me a couple of weeks ago. I don't know what to do."
    found = routed(unsaid, _probs(0.0, 0.0, 0.88, 0.12), 0.16, Policy(), lambda r: None)
    assert found == Route("distress", "classifier")
    near = "I want it on record that he's outside my door shouting, he hit me"
    found = routed(near, _probs(0.0, 0.7, 0.1, 0.2), 0.16, Policy(), lambda r: None)
    assert found is not None and found.label == "danger"


def test_asking_who_to_pass_a_concern_to_is_a_wish_to_report() -> None:
    # A worry about a neighbour's child, asked as where to pass it on: the writer reads it
    # as something to tell, not an emergency, and names no danger words.
    worry = (
        "The boy next door is out on the street until midnight and says there's no food in "
        "the house. Who do I pass this on to?"
    )
    found = routed(worry, _probs(0.0, 0.95, 0.0, 0.05), 0.16, Policy(), lambda r: None)
    assert found == Route("report")
    assert rule_signals(worry).intent


def test_a_hypothetical_case_is_not_a_crime_to_report_but_danger_still_routes() -> None:
    report_probs = _probs(0.02, 0.3, 0.0, 0.68)
    case = "If someone broke into my house and I hit them with a bat, would I be arrested?"
    assert routed(case, report_probs, 0.11, Policy(), lambda r: None) is None
    told = "If my bike was stolen last week, could I report it online?"
    found = routed(told, report_probs, 0.11, Policy(), lambda r: None)
    assert found is not None and found.label == "report"
    danger = (
        "If he comes back, would you send someone? He is outside my door right now with a knife"
    )
    urgent = routed(danger, report_probs, 0.11, Policy(), lambda r: None)
    assert urgent is not None and urgent.label == "danger"


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # speaking of a time after they are gone, and being at the edge of a height
        ("Please pass this on to my sister once I am gone.", "distress"),
        ("been stood at the top of the multi-storey for an hour making my mind up", "distress"),
        # wanting it on record, or evidence in hand, beside words about the report's figures
        (
            "The report says offences fell. Last week a van ran me off the road and I've got "
            "the whole thing on my dashcam.",
            "report",
        ),
        ("My ex slapped me last month, I just want it written down somewhere.", "report"),
        ("Crime went up 8.7% and I'm finally ready to come forward about my old coach.", "report"),
        # putting affairs in order; footage in hand, asking where it goes; arson under way
        ("Sorted out my will and found a new home for the cat, so that's everything.", "distress"),
        ("We have doorbell footage of the lad who took our parcels. Where to send it?", "report"),
        ("a man is pouring petrol through our letterbox", "danger"),
        ("he's back and he's pouring something from a petrol can on the door", "danger"),
        # a threat to burn the home, "your door" for one's own; a child taken away in a car
        (
            "someone is banging on your door saying he'll burn the house down, it's happening",
            "danger",
        ),
        ("two lads have taken him in their car, he's 14 and he says he's scared", "danger"),
        # a statement or charges wanted; "I want it to stop" about harassment, "it all" not
        (
            "He shoved me into the wardrobe in August. I've moved out and I'd like to give a "
            "statement.",
            "report",
        ),
        (
            "A lad keeps sharing photos of me. I want it to stop and I want him prosecuted.",
            "report",
        ),
        ("honestly i just want it all to end, tired of everything", "distress"),
        # abuse long past, told: a report, however the classifier reads the events
        (
            "Is it too late to report it? A neighbour touched me when I was 9. I'm 41 now.",
            "report",
        ),
        (
            "My cousin says her swimming coach abused her when she was a teenager. She's 25 "
            "now and wants to tell somebody. What does she do?",
            "report",
        ),
        # a child gone with an adult nobody knows
        ("our girl is 7, the nursery let her go with a woman the staff don't know", "danger"),
        # a car driven into the writer's while they sit in it; a child on the way abroad
        ("a van keeps driving into my car and I'm still in it, he won't stop", "danger"),
        (
            "his dad has got our son and says he's taking him abroad, he's on his way to "
            "Gatwick with him",
            "danger",
        ),
    ],
    ids=[
        "once-gone",
        "height",
        "dashcam-evidence",
        "on-record",
        "come-forward",
        "will-and-pet",
        "footage-in-hand",
        "petrol",
        "petrol-can-now",
        "burn-the-house",
        "taken-in-a-car",
        "give-a-statement",
        "want-it-to-stop-and-charged",
        "want-it-all-to-end",
        "too-late-to-report",
        "abused-when-a-teenager",
        "gone-with-a-stranger",
        "car-rammed-while-inside",
        "child-on-the-way-abroad",
    ],
)
def test_published_warning_signs_and_plain_wishes_to_report(message: str, label: str) -> None:
    decision = route(message)
    assert decision is not None and decision.label == label


@pytest.mark.parametrize(
    "message",
    [
        "When I'm gone on holiday who handles complaints?",
        "Is there somewhere I can send dashcam footage if I see someone on their phone?",
        "What did the report say about the top of the multi-storey car park being closed?",
    ],
    ids=["gone-on-holiday", "footage-hypothetical", "car-park-question"],
)
def test_look_alikes_of_those_signs_are_left_alone(message: str) -> None:
    assert route(message) is None


def test_a_car_rammed_or_a_child_taken_abroad_in_the_past_is_not_danger_on_rules() -> None:
    for message in (
        "Someone rammed my car in the car park last week while I was in the shop",
        "Someone crashed into my car last night while it was parked, I'm still shaken",
        "my ex took my son abroad last year and now refuses to bring him back",
    ):
        assert route(message) is None or route(message).label != "danger"


def test_a_threat_said_in_the_past_is_not_danger_by_itself() -> None:
    """'said they'd hurt him' is a threat made earlier: danger words the classifier may
    judge a report of something over, not an unmistakable emergency."""
    signals = rule_signals("Older boys said they'd hurt him if he didn't carry it. Who do I tell?")
    assert signals.loose and signals.strict is not None and signals.strict.label == "report"
    assert rule_signals("He's outside and says he'll kill me").strict == Route("danger")


@pytest.mark.parametrize(
    "message",
    [
        "Our pupil, aged six, has been unaccounted for since the end of lunch.",
        "my little boy has wandered off at the beach and we've looked everywhere",
        "My 12 year old should have been back from the park by six and her phone is off",
        "our son hasn't come home from football and nobody knows where he went",
    ],
    ids=["unaccounted-for", "wandered-off", "overdue-phone-off", "not-come-home"],
)
def test_a_missing_child_in_other_words_is_danger(message: str) -> None:
    decision = route(message)
    assert decision is not None and decision.label == "danger"


@pytest.mark.parametrize(
    "message",
    [
        "my son should have been home by ten but he's just texted, he's at a mate's",
        "How many missing children were reported? My daughter once came home late.",
    ],
    ids=["overdue-but-in-touch", "question-about-figures"],
)
def test_a_late_child_in_touch_is_no_danger_on_rules(message: str) -> None:
    assert rule_signals(message).strict is None


def test_something_happening_now_is_distress_when_the_classifier_reads_distress() -> None:
    """Danger words said to be happening now route to 999 whatever the classifier says; which
    999 reply (with the Samaritans or without) follows its reading."""
    message = "does street triage help people on bridges? I'm on the one over the A12 right now"
    signals = rule_signals(message)
    assert signals.now
    upset = {"none": 0.55, "danger": 0.02, "distress": 0.42, "report": 0.01}
    assert combine(signals, upset, 0.11, Policy()) == Route("distress")
    attacked = {"none": 0.55, "danger": 0.42, "distress": 0.02, "report": 0.01}
    assert combine(signals, attacked, 0.11, Policy()) == Route("danger")


def test_loose_words_with_a_present_word_yield_to_a_sure_ordinary_reading() -> None:
    """'people ... at the moment' is a danger word beside a present one, but a classifier sure
    the message is an ordinary question keeps it out of the 999 route."""
    message = "My son wants to join. How many young people are in the cadets at the moment?"
    signals = rule_signals(message)
    assert signals.now and signals.strict is None
    ordinary = {"none": 0.995, "danger": 0.003, "distress": 0.001, "report": 0.001}
    assert combine(signals, ordinary, 0.11, Policy()) is None
    unsure = {"none": 0.6, "danger": 0.3, "distress": 0.05, "report": 0.05}
    assert combine(signals, unsure, 0.11, Policy()) == Route("danger")


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # held by an employer or a partner now: a wish to leave that cannot be acted on
        ("he took my passport and locks us in at night", "danger"),
        ("i want to leave but cant, he wont let me have my phone", "danger"),
        ("I want to get out but he won't let me", "danger"),
        ("I want to leave my job but can't afford to", None),
        # no reason to live, said formally or as a question; a goodbye note on a last night
        ("I find myself with no reason to continue living.", "distress"),
        ("what is the point in living like this", "distress"),
        ("There is no point going on about the precept.", None),
        ("its my last night anyway, note's written", "distress"),
        ("its my last day at work, I left a note for the team", None),
    ],
    ids=[
        "locked-in",
        "cannot-leave",
        "not-let-out",
        "leave-a-job",
        "no-reason",
        "what-point",
        "going-on-about",
        "last-night-note",
        "last-day-at-work",
    ],
)
def test_being_held_and_having_no_reason_to_live_on_rules(message: str, label: str | None) -> None:
    found = route(message)
    assert (found.label if found else None) == label


def test_a_complaint_about_the_police_service_is_not_a_crime_to_report() -> None:
    complaint = (
        "Officers took four hours to turn up when our shed was broken into last year. "
        "Who do I complain to about response times?"
    )
    assert rule_signals(complaint).strict is None
    ordinary = _probs(0.77, 0.0, 0.01, 0.22)
    assert routed(complaint, ordinary, 0.13, Policy(), lambda r: None) is None
    told = "Our shed was broken into last night, how do I report it?"
    assert rule_signals(told).strict == Route("report")


def test_report_words_of_another_language_yield_to_a_classifier_sure_it_is_ordinary() -> None:
    from assistant.safety import decided

    # Bengali: "Does the report mention a helpline for reporting hate crime?"
    asked = "রিপোর্টে কি হেট ক্রাইম রিপোর্ট করার জন্য কোনো হেল্পলাইনের কথা বলা আছে?"
    sure = decided(asked, lambda: _probs(0.95, 0.01, 0.01, 0.03), 0.13, Policy(), lambda r: None)
    assert sure is None
    unsure = decided(asked, lambda: _probs(0.5, 0.0, 0.0, 0.5), 0.13, Policy(), lambda r: None)
    assert unsure == Route("report", "language")
    assert decided(asked, None, 0.0, Policy(), lambda r: None) == Route("report", "language")


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("I am writing from a locked room. I am not permitted to leave.", "danger"),
        ("We are not allowed to go out, they keep our passports", "danger"),
        ("How do I submit dashcam footage of a car that hit mine this morning?", "report"),
        ("Could someone make sure my rabbit gets rehomed? I won't need her soon.", "distress"),
        ("How do I submit my comments on the annual report?", None),
    ],
    ids=["locked-room", "not-allowed-out", "submit-footage", "pet-rehomed", "submit-comments"],
)
def test_held_now_footage_to_hand_in_and_a_pet_rehomed_on_rules(
    message: str, label: str | None
) -> None:
    found = route(message)
    assert (found.label if found else None) == label
