"""Cited answers about the published reports in the corpus (their passages and tables)."""

from assistant.answer import Answer, Citation, Conflict, Statistic
from assistant.errors import AssistantError
from assistant.settings import Settings

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Conflict", "Settings", "Statistic"]


def __getattr__(name: str):  # lazy: importing the package must not load the model
    if name == "Assistant":
        from assistant.assistant import Assistant

        return Assistant
    raise AttributeError(name)
