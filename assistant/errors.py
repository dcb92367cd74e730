"""Errors a user can act on: one family, each shown as a single line."""


class AssistantError(Exception):
    """Base class: str(error) is the one line shown to the user."""


class CorpusError(AssistantError):
    """The corpus folder, a report file or its manifest is missing or malformed."""


class IndexUnavailableError(AssistantError):
    """The index could not be opened or built."""


class IndexBusyError(IndexUnavailableError):
    """The index is locked or switching for the moment: the next attempt may well succeed."""


class IndexDamagedError(IndexUnavailableError):
    """A part of the current build cannot be read: rebuilding it is the cure."""

    def __init__(self, message: str, build: str = "") -> None:
        super().__init__(message)
        self.build = build  # the damaged build folder's name


class InputFileError(AssistantError):
    """A file named on the command line cannot be read or parsed."""
