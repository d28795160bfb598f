"""Errors raised by the framework package.

Every error says in one sentence what is wrong and where, so the app can show
it to a person unchanged.
"""

from __future__ import annotations


class FrameworkFileError(ValueError):
    """A definition file that cannot be read or is not valid.

    The message is one sentence: ``"<file>: <json path>: <problem>."``, e.g.
    ``"my-lf.json: domains[1].elements[2].indicators[0].stage: 7 is not a stage
    of this framework (1, 2, 3, 4)."``. ``source`` names the file, ``path`` is
    the JSON path inside it (``""`` for the whole document), ``problem`` says
    what is wrong and ``line`` is set for syntax errors.
    """

    def __init__(self, source: str, path: str, problem: str, line: int | None = None):
        self.source = source
        self.path = path
        self.problem = problem.rstrip(".")
        self.line = line
        where = path or "(document)"
        super().__init__(f"{source}: {where}: {self.problem}.")


class UnknownIRIError(LookupError):
    """The IRI is not under the base URL or names nothing that exists."""


class CrosswalkNotInvertibleError(ValueError):
    """A crosswalk that cannot honestly be read in the reverse direction."""
