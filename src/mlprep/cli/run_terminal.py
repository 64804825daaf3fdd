"""A run at the terminal: each step as it starts, a progress bar with the time left while an
action runs (a 20 s tip check or a 15-minute UV lamp never looks frozen), and each view asked as
a prompt, or answered unattended from the command's options."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.prompt import Prompt

from mlprep.cli.console import out
from mlprep.client import Answer, ClientError, ViewPrompt
from mlprep.client.runs import policy_answer
from mlprep.contract.maintenance import ViewResult
from mlprep.contract.runs import Run, RunState, StepKind, ViewKind

ERROR_CHOICES = {
    "retry": "Yes",
    "continue": "Ok",
    "abort": "Abort",
}
ERROR_HELP = "Retry repeats the failed action, Continue skips it, Abort ends the run."


class UnattendedAnswerError(ClientError):
    """A view came that the command's options cannot answer (and there is no one to ask)."""


@dataclass
class RunDisplay:
    """Shows each action of a run as a progress bar with its time left, as `run_procedure`
    reports the run (its `on_update`); views are shown by the answerer."""

    show: bool = True
    _progress: Progress | None = None
    _task: TaskID | None = None
    _step: tuple[int, str | None] | None = None
    _passed: int = 0  # the steps up to this one have been shown (or were views)

    def update(self, run: Run) -> None:
        if not self.show:
            return
        progress = run.progress
        step = (progress.step, progress.step_title)
        if step != self._step:
            self._finish_bar()
            self._step = step
            self._show_actions_passed(run)
        if progress.action_seconds is not None and not run.state.is_terminal:
            self._show_action(run)
            self._passed = max(self._passed, progress.step)
        if run.state.is_terminal:
            self._finish_bar()

    def _show_actions_passed(self, run: Run) -> None:
        """Name the actions the run went through between two looks at it (a fast instrument
        finishes them before a progress bar could show)."""
        progress = run.progress
        reached = progress.step_count + 1 if run.state is RunState.COMPLETED else progress.step
        for number in range(self._passed + 1, reached):
            step = run.steps[number - 1] if number <= len(run.steps) else None
            if step is not None and step.kind is StepKind.ACTION:
                out.print(f"[dim]Step {number}/{progress.step_count}:[/dim] {step.title}")
        self._passed = max(self._passed, reached - 1)

    def _show_action(self, run: Run) -> None:
        progress = run.progress
        total = progress.action_seconds or 0.0
        done = total - (progress.action_remaining_seconds or 0.0)
        if self._progress is None:
            self._progress = Progress(
                TextColumn("[dim]Step {task.fields[step]}:[/dim] {task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=out,
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                progress.step_title or "action",
                total=max(total, 0.001),
                step=f"{progress.step}/{progress.step_count}",
            )
        if self._task is not None:
            self._progress.update(self._task, completed=min(done, total))

    def _finish_bar(self) -> None:
        if self._progress is not None and self._task is not None:
            task = self._progress.tasks[0]
            self._progress.update(self._task, completed=task.total)
            self._progress.stop()
        self._progress = None
        self._task = None

    def close(self) -> None:
        self._finish_bar()


def describe(prompt: ViewPrompt) -> None:
    """Print a view as the operator sees it: title, message, its image, what may be answered."""
    view = prompt.view
    out.rule(f"[bold]{view.title}[/bold]")
    out.print(view.message)
    if prompt.image_url:
        out.print(f"[dim]Image: {prompt.image_url}[/dim]")
    if view.kind is ViewKind.ERROR:
        out.print(f"[dim]{ERROR_HELP}[/dim]")


def ask(prompt: ViewPrompt) -> Answer:
    """Ask the operator at the terminal."""
    describe(prompt)
    view = prompt.view
    if view.kind is ViewKind.ERROR:
        choice = Prompt.ask(
            "Retry, continue or abort?",
            choices=list(ERROR_CHOICES),
            default="retry",
            case_sensitive=False,
            console=out,
        )
        return Answer(ERROR_CHOICES[choice.lower()])
    text = None
    if view.input_required:
        text = Prompt.ask(view.title, console=out)
    results = [result.value for result in view.results]
    if view.input_required and ViewResult.OK in view.results:
        return Answer(ViewResult.OK, text)
    choice = Prompt.ask(
        "Answer", choices=results, default=results[0], case_sensitive=False, console=out
    )
    chosen = next(result for result in results if result.lower() == choice.lower())
    return Answer(chosen, text)


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
        text = self.text if view.input_required else None
        if self.announce:
            given = f" with {text!r}" if text is not None else ""
            out.print(f"[dim]Answered {chosen.value}{given}.[/dim]")
        return Answer(chosen, text)


@dataclass(frozen=True)
class ErrorPolicyAnswers:
    """`--on-error`: every Error view answered the same way (retry, continue or abort)."""

    policy: str
    announce: bool = True

    def __call__(self, prompt: ViewPrompt) -> Answer:
        answer = policy_answer(self.policy)
        if self.announce:
            describe(prompt)
            out.print(f"[dim]Answered {self.policy} (--on-error).[/dim]")
        return answer


def interactive() -> bool:
    """Whether there is a person at a terminal to ask."""
    return sys.stdin.isatty()
