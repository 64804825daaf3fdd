"""A run at the terminal: each action as a progress bar with its time left while it runs (a 20 s
tip check or a 15-minute UV lamp never looks frozen), then one line saying how it went (✓ passed,
✗ failed with the error, ↷ skipped), and each view asked as a prompt once the bar is gone."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.prompt import Prompt

from mlprep.cli.console import out
from mlprep.client import Answer, ViewPrompt
from mlprep.contract.maintenance import MaintenanceError, ViewResult
from mlprep.contract.runs import Run, RunState, RunStep, StepKind, StepOutcome, View, ViewKind

ERROR_CHOICES = {
    "retry": "Yes",
    "continue": "Ok",
    "abort": "Abort",
}
ERROR_HELP = "Retry repeats the failed action, Continue skips it, Abort ends the run."
ALMOST_DONE = 0.99


@dataclass
class RunDisplay:
    """Shows a run's actions as `run_procedure` reports the run (`update`), and gets out of the
    way of each view (`before_view`, `after_answer`): no bar is ever live under a prompt."""

    show: bool = True
    _progress: Progress | None = None
    _task: TaskID | None = None
    _bar_step: int | None = None
    _reported: int = 0  # the steps up to this one have been reported (or were views)
    _failures: set[str] = field(default_factory=set)  # errors already shown failed

    def update(self, run: Run) -> None:
        """Hear of the run's latest state."""
        if not self.show:
            return
        progress = run.progress
        failing = _pending_error(run)
        running = progress.action_seconds is not None and run.state is RunState.RUNNING
        if self._bar_step is not None and (not running or self._bar_step != progress.step):
            self._stop_bar()
        if failing is not None:
            self._show_failed(run, failing)
        reached = progress.step_count + 1 if run.state is RunState.COMPLETED else progress.step
        self._report_passed(run, reached)
        if running and not run.state.is_terminal:
            self._show_action(run)

    def reported_up_to(self, step: int) -> None:
        """Take the steps up to `step` as told already (a run followed from its middle)."""
        self._reported = max(self._reported, step)

    def before_view(self, run: Run) -> None:
        """A view is about to be asked: no bar stays on screen, and a failed action says so."""
        if not self.show:
            return
        self._stop_bar()
        failing = _pending_error(run)
        if failing is not None:
            self._show_failed(run, failing)

    def after_answer(self, run: Run, view: View, answer: Answer) -> None:
        """Say what an answer leads to where it is not plain: an action skipped, or the same
        view to be asked again."""
        if not self.show:
            return
        step = run.progress.step
        if view.kind is ViewKind.ERROR:
            if str(answer.result) == ViewResult.OK.value:  # continue: the action is skipped
                out.print(f"[yellow]↷[/yellow] {_step_label(run, step)} skipped.", highlight=False)
                self._reported = max(self._reported, step)
            return
        repeats = _outcome_of(run, view, answer) is StepOutcome.REPEAT
        if repeats:
            onward = _results_going_on(run, view)
            until = f" until it is answered {' or '.join(onward)}" if onward else ""
            out.print(
                f"[yellow]Answered {answer.result}: '{escape(view.title)}' is asked again"
                f"{until}.[/yellow]",
                highlight=False,
            )

    def close(self) -> None:
        """Take any bar off the screen."""
        self._stop_bar()

    def _report_passed(self, run: Run, reached: int) -> None:
        """A line for each action passed since the last look at the run (a fast instrument
        finishes some before a bar could show)."""
        for number in range(self._reported + 1, reached):
            step = _step(run, number)
            if step is not None and step.kind is StepKind.ACTION:
                out.print(f"[green]✓[/green] {_step_label(run, number)}", highlight=False)
        self._reported = max(self._reported, reached - 1)

    def _show_failed(self, run: Run, error: MaintenanceError) -> None:
        if error.id in self._failures:
            return
        self._failures.add(error.id)
        out.print(
            f"[red]✗ {_step_label(run, error.step)} failed:[/red] {escape(error.response)}",
            highlight=False,
        )

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
                transient=True,  # replaced by the line that says how the action went
            )
            self._progress.start()
            self._bar_step = progress.step
            self._task = self._progress.add_task(
                escape(progress.step_title or "action"),
                total=max(total, 0.001),
                step=f"{progress.step}/{progress.step_count}",
            )
        if self._task is not None:
            # Never 100 % while it runs: whether it passed is known only at its end (the ✓ line).
            self._progress.update(self._task, completed=min(done, total * ALMOST_DONE))

    def _stop_bar(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress = None
        self._task = None
        self._bar_step = None


def _pending_error(run: Run) -> MaintenanceError | None:
    """The error the run waits on an answer for, if it does."""
    view = run.open_view
    if view is None or view.kind is not ViewKind.ERROR:
        return None
    pending = [error for error in run.errors if error.resolved_at is None]
    return pending[-1] if pending else None


def _step(run: Run, number: int) -> RunStep | None:
    return run.steps[number - 1] if 0 < number <= len(run.steps) else None


def _step_label(run: Run, number: int) -> str:
    step = _step(run, number)
    title = step.title if step is not None else run.progress.step_title or "action"
    return f"Step {number}/{run.progress.step_count}: {escape(title)}"


def _view_step(run: Run, view: View) -> RunStep | None:
    step = _step(run, run.progress.step)
    if step is None or step.kind is not StepKind.VIEW or step.title != view.title:
        return None
    return step


def _outcome_of(run: Run, view: View, answer: Answer) -> StepOutcome | None:
    step = _view_step(run, view)
    if step is None:
        return None
    chosen = str(answer.result).lower()
    return next((a.then for a in step.answers if a.result.value.lower() == chosen), None)


def _results_going_on(run: Run, view: View) -> list[str]:
    step = _view_step(run, view)
    if step is None:
        return []
    return [a.result.value for a in step.answers if a.then is StepOutcome.NEXT]


def describe(prompt: ViewPrompt) -> None:
    """Print a view as the operator sees it: title, message, its image, what may be answered."""
    view = prompt.view
    out.rule(f"[bold]{escape(view.title)}[/bold]")
    out.print(escape(view.message))
    if prompt.image_url:
        # Never broken across lines: a terminal that wraps it keeps it one link.
        out.print(f"[dim]Image: {escape(prompt.image_url)}[/dim]", soft_wrap=True)
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
    text = _ask_text(view) if view.input_required else None
    results = [result.value for result in view.results]
    if view.input_required and ViewResult.OK in view.results:
        return Answer(ViewResult.OK, text)
    choice = Prompt.ask(
        "Answer", choices=results, default=results[0], case_sensitive=False, console=out
    )
    chosen = next(result for result in results if result.lower() == choice.lower())
    return Answer(chosen, text)


def _ask_text(view: View) -> str:
    """The text an input view asks for, asked again until some is given (as the console does):
    an empty answer is a slip of the Enter key, not a choice to end the run."""
    while True:
        text = Prompt.ask(escape(view.title), console=out).strip()
        if text:
            return text
        out.print(
            f"[yellow]'{escape(view.title)}' needs an answer; type it, or press Ctrl-C to stop "
            "the run.[/yellow]",
            highlight=False,
        )


def interactive() -> bool:
    """Whether there is a person at a terminal to ask."""
    return sys.stdin.isatty()
