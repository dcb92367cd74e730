"""Shared fixtures: one real index (real model, real Chroma, real SQLite) per test session."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.assistant import Assistant
from assistant.evaluation.load import free_port
from assistant.index import ensure_index
from assistant.settings import PROJECT_ROOT, Settings
from assistant.statistics import StatRow

REPORT = PROJECT_ROOT / "corpus" / "essex-pcc-annual-report-2016-17.txt"
MANIFEST = PROJECT_ROOT / "corpus" / "essex-pcc-annual-report-2016-17.manifest.json"
TESTSET = PROJECT_ROOT / "evals" / "testset.jsonl"


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose index (of the real report) is built in a temporary folder."""
    settings = Settings(index_dir=tmp_path_factory.mktemp("index"))
    ensure_index(settings)
    return settings


@pytest.fixture(scope="session")
def assistant_session(built_settings: Settings) -> Assistant:
    """An Assistant opened on the session's index."""
    return Assistant.open(built_settings)


@pytest.fixture()
def small_corpus(tmp_path: Path) -> Path:
    """A two-section report with a manifest, small enough to build in a second or two."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(
        "Our first section talks about the Speed Watch volunteers, who ran 752 sessions and "
        "recorded offences across\n\nthe county during the year.\n\n"
        "Second part\n\nThe money spent on roads came to £1,000 in total.\n\n"
        "| Item | 2016/17 |\n|---|---|\n| Road signs | 400 |\n| Total | 1,000 |\n",
        encoding="utf-8",
    )
    manifest = {
        "file": "mini.txt",
        "title": "Mini Report",
        "publisher": "Test publisher",
        "period": {"start": "2016-04-01", "end": "2017-03-31", "label": "2016-17"},
        "sections": [
            {"title": "Volunteers", "pages": "1", "starts_at": "Our first section"},
            {"title": "Spending", "pages": "2-3", "starts_at": "Second part"},
        ],
    }
    (corpus / "mini.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return corpus


STAFF_LOGIN = ("evaluator", "a-long-test-password")
CHROMIUM = Path("/usr/bin/chromium")


def watch_page(tab, seen: SimpleNamespace) -> None:
    """Record on ``seen`` the page's dialogs (dismissed) and every request that would leave
    the machine (``seen.dialogs``, ``seen.outside``)."""
    from urllib.parse import urlparse

    tab.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    tab.on(
        "request",
        lambda r: (
            None
            if urlparse(r.url).hostname in ("127.0.0.1", None) or r.url.startswith("data:")
            else seen.outside.append(r.url)
        ),
    )


# The marks every browser-test module carries: skipped where no Chromium is installed
# (CI installs it, and there a missing browser is an error, not a skip).
BROWSER_TEST_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="/usr/bin/chromium is not installed (apt-get install chromium)",
    ),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium through Playwright, for one test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def server(built_settings: Settings, assistant_session: Assistant) -> Iterator[SimpleNamespace]:
    """The public app and the staff app (behind its log-in) on free loopback ports for one
    test module, sharing one engine, closed at its end."""
    import ui
    from assistant.staff import checker, hash_password

    user, password = STAFF_LOGIN
    settings = built_settings.model_copy(
        update={
            "host": "127.0.0.1",
            "port": free_port(),
            "staff_port": free_port(),
            "staff_users": f"{user}:{hash_password(password)}",
        }
    )
    app = ui.build_app(settings, assistant_session)
    url = ui.launch(app, settings, block=False, quiet=True)
    staff = ui.build_staff_app(app.web)
    staff_url = ui.launch(
        staff, settings, block=False, quiet=True, port=settings.staff_port, auth=checker(settings)
    )
    try:
        yield SimpleNamespace(
            app=app, url=url, staff=staff, staff_url=staff_url, settings=settings, login=STAFF_LOGIN
        )
    finally:
        staff.close()
        app.close()


def load_testset_cases() -> list[dict]:
    """Every case of the evaluation test set."""
    return [
        json.loads(line)
        for line in TESTSET.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def stat_row(
    label: str, value: str, quote: str = "", kind: str = "count", table: str = "Table"
) -> StatRow:
    """A one-period table line for unit tests (quote: its printed line, by default built)."""
    return StatRow(
        document="Doc",
        table_title=table,
        title_quote="",
        section="Figures",
        pages="2",
        label=label,
        columns=("2016/17",),
        values={"2016/17": value},
        footnotes=(),
        quote=quote or f"| {label} | {value} |",
        label_header="",
        notes=(),
        kind=kind,
    )
