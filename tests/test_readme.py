"""The README stays true: its first commands and every setting."""

from __future__ import annotations

from assistant.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_run_and_test_commands() -> None:
    block = README.split("```")[1]
    assert block.split()[:1] == ["make"] and "make run" in block and "make test" in block


def test_every_setting_is_documented() -> None:
    missing = [n for n in Settings.model_fields if f"`ASSISTANT_{n.upper()}`" not in README]
    assert missing == []
