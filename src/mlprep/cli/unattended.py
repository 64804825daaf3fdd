"""Answering views with no one to ask (`--answer`, `--input`, `--on-error`): the answers checked
against the procedure's views before the run starts, and a run that goes round in circles
stopped."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.markup import escape

from mlprep.cli.console import out
from mlprep.cli.run_terminal import describe
from mlprep.client import Answer, ClientError, ViewPrompt
from mlprep.client.runs import ERROR_RESULTS, policy_answer
from mlprep.contract.runs import RunStep, StepKind, View, ViewKind

# The same view answered the same way this many times in a row, and asked again: the answers
# make the run go round in circles (`--answer No` on "Deck wiped?", `--on-error retry` on a fault
# that stays), and nothing will change that without a person.
LOOP_LIMIT = 3


class UnattendedAnswerError(ClientError):
    """A view came that the command's options cannot answer (and there is no one to ask)."""


class AnswersGoRoundInCircles(ClientError):
    """The same view keeps coming back with the same answer given (`LOOP_LIMIT` times)."""


def check_unattended(
    procedure_name: str, steps: list[RunStep], result: str | None, text: str | None
) -> str | None:
    """Why these options cannot answer the procedure's views (None when they can), told before
    the run starts rather than after its actions, at the view they cannot answer."""
    views = [step for step in steps if step.kind is StepKind.VIEW]
    allowed = {answer.result.value.lower(): answer.result for s in views for answer in s.answers}
    if result is not None and result.lower() not in allowed:
        offered = ", ".join(dict.fromkeys(r.value for r in allowed.values())) or "none"
        return (
            f"No view of {procedure_name} allows the answer {result!r}; its views allow: "
            f"{offered}. (Error views are answered with --on-error.)"
        )
    for step in views:
        if step.conditional:
            continue  # may not be shown at all
        results = {answer.result.value.lower() for answer in step.answers}
        if (result or "Ok").lower() not in results and "ok" not in results:
            choices = " or ".join(answer.result.value for answer in step.answers)
            return f"The view '{step.title}' of {procedure_name} needs --answer {choices}."
        if step.input_required and text is None:
            return f"The view '{step.title}' of {procedure_name} asks for text: give --input TEXT."
    return None


@dataclass(frozen=True)
class UnattendedAnswers:
    """`--answer` and `--input`: each view gets RESULT where it allows it, else Ok; input views
    get TEXT. (Error views follow `--on-error`.)"""

    result: str | None
    text: str | None
    announce: bool = True

    def __call__(self, prompt: ViewPrompt) -> Answer:
        view = prompt.view
        if self.announce:
            describe(prompt)
        allowed = {result.value.lower(): result for result in view.results}
        wanted = (self.result or "Ok").lower()
        chosen = allowed.get(wanted) or allowed.get("ok")
        if chosen is None:
            raise UnattendedAnswerError(
                f"The view '{view.title}' allows {', '.join(r.value for r in view.results)}; "
                f"answer it with --answer."
            )
        if view.input_required and self.text is None:
            raise UnattendedAnswerError(
                f"The view '{view.title}' asks for input; give it with --input TEXT."
            )
        return Answer(chosen, self.text if view.input_required else None)


@dataclass(frozen=True)
class ErrorPolicyAnswers:
    """`--on-error`: every Error view answered the same way (retry, continue or abort)."""

    policy: str
    announce: bool = True

    def __call__(self, prompt: ViewPrompt) -> Answer:
        if self.announce:
            describe(prompt)
        return policy_answer(self.policy)


def say_answered(view: View, answer: Answer) -> None:
    """The line that says how a view was answered unattended."""
    if view.kind is ViewKind.ERROR:
        policy = next((p for p, r in ERROR_RESULTS.items() if r == answer.result), answer.result)
        out.print(f"[dim]Answered {policy} (--on-error).[/dim]", highlight=False)
        return
    given = f" with {answer.input!r}" if answer.input is not None else ""
    out.print(f"[dim]Answered {answer.result}{escape(given)}.[/dim]", highlight=False)


@dataclass
class LoopGuard:
    """Counts how often the same view is answered the same way in a row."""

    limit: int = LOOP_LIMIT
    _last: tuple[str, str, str, str | None] | None = None
    _count: int = field(default=0)

    def check(self, view: View, answer: Answer) -> None:
        """Note `answer` to `view`. Raises AnswersGoRoundInCircles when it would be the same
        answer to the same view once more than `limit` times in a row."""
        key = (view.kind.value, view.title, str(answer.result), answer.input)
        self._count = self._count + 1 if key == self._last else 1
        self._last = key
        if self._count > self.limit:
            raise AnswersGoRoundInCircles(
                f"'{view.title}' was answered {answer.result} {self.limit} times in a row and "
                "came back again: the unattended answers make this run go round in circles, so "
                "it was aborted (no one would come to answer it). Run it at a terminal, or give "
                "other answers."
            )
