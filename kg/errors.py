"""One root error class; the CLI prints them as one line, the server maps them to HTTP statuses."""


class KGError(Exception):
    """Anything the user can fix: bad input, a bad query, a missing store."""

    exit_code = 1
    http_status = 400


class InputError(KGError):
    """A source file that cannot be read as a digest. The message names the file."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class VocabularyError(KGError):
    """A vocabulary or pattern file under data/ that is malformed."""

    http_status = 500


class StoreError(KGError):
    """The store folder is missing, not a store, or cannot be written."""

    http_status = 500


class QueryError(KGError):
    """A SPARQL query that does not parse or cannot run; line and column where known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class SelectionError(KGError):
    """An unknown entity or an empty selection; carries the nearest labels as suggestions."""

    http_status = 404

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        self.suggestions = suggestions or []
        if self.suggestions:
            message += " Did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)
