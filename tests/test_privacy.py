"""Personal details: masked in any case and in the usual forms, and never written unmasked."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.privacy import has_personal_details, mask_personal_details

CASES = [
    ("my name is John Smith", "my name is [name]"),
    ("My name is John Smith and I was robbed", "My name is [name] and I was robbed"),
    ("MY NAME IS JOHN SMITH", "MY NAME IS [name]"),
    ("my name is jane doe and i want to complain", "my name is [name] and i want to complain"),
    ("my name's sam", "my name's [name]"),
    ("my names sam, how many police are there", "my names [name], how many police are there"),
    ("I'm called Mary Jones", "I'm called [name]"),
    ("im called mary", "im called [name]"),
    ("I am called Ahmed Khan", "I am called [name]"),
    ("call me Al", "call me [name]"),
    ("this is Dave Brown speaking", "this is [name] speaking"),
    ("This is dave speaking, I have a question", "This is [name] speaking, I have a question"),
    ("It's Jo here", "It's [name] here"),
    ("Dave here, quick question about crime", "[name] here, quick question about crime"),
    ("Priya Shah here: is crime up?", "[name] here: is crime up?"),
    ("Yours sincerely,\nJane Smith", "Yours sincerely\n[name]"),
    ("Kind regards,\nTom", "Kind regards\n[name]"),
    ("Thanks\nJohn", "Thanks\n[name]"),
    ("Best wishes\nmary o'neill", "Best wishes\n[name]"),
    ("Mr Patel said the bins were full", "[name] said the bins were full"),
    ("I spoke to mrs jones", "I spoke to [name]"),
    ("Dr. Okafor told me", "[name] told me"),
    ("my name is Anne-Marie O'Brien, I live in Basildon", "my name is [name], I live in Basildon"),
    ("email me at jo.bloggs@example.com", "email me at [email]"),
    ("JO.BLOGGS@EXAMPLE.CO.UK is my email", "[email] is my email"),
    ("ring 07700 900123 please", "ring [phone] please"),
    ("call 01245 291600", "call [phone]"),
    ("my number is +44 7700 900123", "my number is [phone]"),
    ("I live in CM1 1AA", "I live in [postcode]"),
    ("postcode ss0 7ab", "postcode [postcode]"),
    ("at 12 High Street today", "at [address] today"),
    ("I live at 4 Oak Tree Close", "I live at [address]"),
    ("42 victoria road, chelmsford", "[address], chelmsford"),
    ("How many homicides were there?", "How many homicides were there?"),
    ("Is this the right place to ask?", "Is this the right place to ask?"),
    ("this is the report for 2016-17", "this is the report for 2016-17"),
    ("its me again", "its me again"),
    ("What did the Commissioner say about Operation Raptor?", None),
    ("How much was spent on Police Grant?", None),
    ("Who is Roger Hirst?", None),
    ("Call 101 to report a crime", None),
]


@pytest.mark.parametrize(
    ("text", "masked"), CASES, ids=[f"case-{i:02d}" for i in range(len(CASES))]
)
def test_personal_details_are_masked(text: str, masked: str | None) -> None:
    expected = text if masked is None else masked
    assert mask_personal_details(text) == expected
    assert has_personal_details(text) == (expected != text)


TYPED = {
    "name": "my name is Zebedee Quillfeather",
    "lower-name": "i'm called orlando wigglesworth",
    "phone": "call me on 07700 900456",
    "email": "write to zebedee.q@example.org",
    "address": "I live at 17 Marigold Crescent",
    "postcode": "my postcode is CM2 9ZZ",
}
SECRETS = (
    "Zebedee",
    "Quillfeather",
    "orlando",
    "wigglesworth",
    "900456",
    "zebedee.q@",
    "Marigold",
    "9ZZ",
)


@pytest.mark.slow
def test_nothing_typed_is_written_unmasked(server, tmp_path: Path) -> None:
    """Questions, votes and comments through the app: grep every file it wrote."""
    from gradio_client import Client

    client = Client(server.url, verbose=False, download_files=False)
    web = server.app.web
    for text in TYPED.values():
        answer = client.predict(f"{text}. How many homicides were there?", api_name="/ask")
        assert not any(s.lower() in str(answer).lower() for s in SECRETS)
    item = web.store.record(f"{TYPED['name']} asks", "answer", "text", "down")
    web.store.set_comment(item, f"{TYPED['email']} {TYPED['phone']} {TYPED['lower-name']}")
    folders = (server.settings.index_dir, web.downloads)
    written = [
        p
        for folder in folders
        for p in Path(folder).rglob("*")
        if p.is_file() and "builds" not in p.relative_to(folder).parts  # the report's index
    ]
    assert written, "the app wrote nothing: the check would prove nothing"
    for path in written:
        data = path.read_bytes().lower()
        found = [s for s in SECRETS if s.lower().encode() in data]
        assert found == [], f"{path} holds {found}"
