"""Errors a user can act on: one family, each shown as a single line."""


class AssistantError(Exception):
    """Base class: str(error) is the one line shown to the user."""


class CorpusError(AssistantError):
    """The corpus folder, a report file or its manifest is missing or malformed."""


class IndexUnavailableError(AssistantError):
    """The index could not be opened or built."""


class InputFileError(AssistantError):
    """A file named on the command line cannot be read or parsed."""
