"""`mlprep procedures run`: a run to its end, asked at the terminal or answered unattended; what
Ctrl-C does (asked: abort the run on the instrument, or leave it waiting); and a run whose
unattended answers go round in circles, stopped."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.prompt import Prompt

from mlprep.cli import console
from mlprep.cli.console import abort, emit_json, err, out
from mlprep.cli.remote import remote
from mlprep.cli.run_terminal import RunDisplay, ask, interactive
from mlprep.cli.unattended import (
    AnswersGoRoundInCircles,
    ErrorPolicyAnswers,
    LoopGuard,
    UnattendedAnswers,
    check_unattended,
    say_answered,
)
from mlprep.client import Answer, ClientError, Conflict, ViewPrompt
from mlprep.client.runs import ERROR_RESULTS, as_answer
from mlprep.contract.runs import Run, RunState, RunStep

if TYPE_CHECKING:
    from rich.console import Console

    from mlprep.client import PrepClient

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
Procedure = Annotated[
    str, typer.Argument(help="The procedure's name (any case, or its start) or id")
]
INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C
ABORT_WAIT_SECONDS = 15.0  # how long to wait for an aborted run's end before saying it will end


@dataclass
class Answering:
    """Every view goes through here: the display settles (no bar under a prompt), then `inner`
    answers, then the guard counts the answer (unattended runs only)."""

    display: RunDisplay
    inner: Callable[[ViewPrompt], Answer]
    guard: LoopGuard | None = None
    announce: bool = False  # say how each view was answered (it was not typed)

    def __call__(self, prompt: ViewPrompt) -> Answer:
        self.display.before_view(prompt.run)
        answer = as_answer(self.inner(prompt))
        if self.guard is not None:
            self.guard.check(prompt.view, answer)
        if self.announce:
            say_answered(prompt.view, answer)
        self.display.after_answer(prompt.run, prompt.view, answer)
        return answer


@dataclass
class Following:
    """The run as last seen, passed on to the display."""

    display: RunDisplay
    run: Run | None = field(default=None)

    def __call__(self, run: Run) -> None:
        self.run = run
        self.display.update(run)


AnswerOption = Annotated[
    str | None,
    typer.Option(help="Answer every view with this result where allowed, else Ok (unattended)"),
]
InputOption = Annotated[
    str | None, typer.Option("--input", help="The text for views that ask for input")
]
OnErrorOption = Annotated[
    str | None,
    typer.Option(help="Answer Error views: retry, continue or abort (unattended: abort)"),
]
# Follows a run to its end with these answerers: run_procedure or follow_run.
Drive = Callable[[Answering, Answering | None, Following], Run]


@dataclass(frozen=True)
class Options:
    """How the views of a run are answered: at the terminal, or from the command's options."""

    answer: str | None
    input_text: str | None
    on_error: str | None
    as_json: bool

    @property
    def unattended(self) -> bool:
        """Whether the options answer the views (else a person does, at the terminal)."""
        given = self.answer is not None or self.input_text is not None
        return self.as_json or given or not interactive()

    def check(self) -> None:
        """Usage errors in the options themselves."""
        if self.on_error is not None and self.on_error.lower() not in ERROR_RESULTS:
            abort(
                f"--on-error must be retry, continue or abort, not {self.on_error!r}.",
                console.USAGE,
            )
        if self.input_text is not None and not self.input_text.strip():
            abort(
                "--input needs some text: an input view cannot be answered with nothing.",
                console.USAGE,
            )

    def check_against(self, name: str, steps: list[RunStep]) -> None:
        """Unattended, whether these options can answer every view of the procedure."""
        if self.unattended:
            problem = check_unattended(name, steps, self.answer, self.input_text)
            if problem is not None:
                abort(problem, console.USAGE)


def run(
    context: typer.Context,
    procedure: Procedure,
    answer: AnswerOption = None,
    input_text: InputOption = None,
    on_error: OnErrorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a procedure to its end, asking each view at the terminal (or answering it from the
    options). Exits 0 when it completed, 1 when it ended Aborted or Failed, 7 when unattended
    answers went round in circles (the run is aborted), 130 after Ctrl-C."""
    options = Options(answer, input_text, on_error, as_json)
    options.check()
    with remote(context) as client:
        found = client.find_procedure(procedure)
        options.check_against(found.name, client.procedure_steps(found.id))
        finished = _drive(
            client,
            options,
            lambda views, errors, following: client.run_procedure(
                found.id,
                views,
                on_error=errors,
                on_update=following,
                poll_seconds=0.5,
                abort_if_stopped=False,  # Ctrl-C asks first; everything else aborts (_drive)
            ),
        )
    _finish(finished, as_json)


def follow(
    context: typer.Context,
    run_id: Annotated[
        str | None, typer.Argument(help="The run's id or its start (default: the one in progress)")
    ] = None,
    answer: AnswerOption = None,
    input_text: InputOption = None,
    on_error: OnErrorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Go on with a run already in progress (one Ctrl-C left waiting, or started in the
    console): its views asked here, to its end. Exits as `procedures run` does; 5 when no run
    is in progress."""
    options = Options(answer, input_text, on_error, as_json)
    options.check()
    with remote(context) as client:
        current = client.current_run()
        if current is None or (run_id is not None and not current.id.startswith(run_id.lower())):
            abort(
                "No such run is in progress; start one with `mlprep procedures run`.",
                console.CONFLICT,
            )
        options.check_against(current.procedure_name, current.steps)
        finished = _drive(
            client,
            options,
            lambda views, errors, following: client.follow_run(
                current.id,
                views,
                on_error=errors,
                on_update=following,
                poll_seconds=0.5,
                abort_if_stopped=False,
            ),
            already_at=current.progress.step,
        )
    _finish(finished, as_json)


def _drive(client: PrepClient, options: Options, drive: Drive, already_at: int = 0) -> Run:
    """Follow a run to its end through `drive`, with the answerers and display the options call
    for; what Ctrl-C and answers going round in circles do."""
    unattended, as_json = options.unattended, options.as_json
    display = RunDisplay(show=not as_json)
    display.reported_up_to(already_at - 1)  # what happened before is not this command's to tell
    guard = LoopGuard() if unattended else None
    announce = unattended and not as_json
    answerer = (
        UnattendedAnswers(options.answer, options.input_text, announce) if unattended else ask
    )
    views = Answering(display, answerer, guard, announce)
    policy = options.on_error or ("abort" if unattended else None)
    errors = None
    if policy is not None:
        errors = Answering(display, ErrorPolicyAnswers(policy, not as_json), guard, not as_json)
    following = Following(display)
    said = err if as_json else out
    try:
        return drive(views, errors, following)
    except (KeyboardInterrupt, EOFError):
        display.close()
        _interrupted(client, following.run, said, ask_first=interactive() and not as_json)
        raise typer.Exit(INTERRUPTED) from None
    except AnswersGoRoundInCircles as error:
        display.close()
        ended = _abort_run(client, following.run)
        err.print(f"[red]error:[/red] {escape(str(error))} ({ended})", highlight=False)
        raise typer.Exit(console.ANSWERS_GO_ROUND) from None
    except BaseException:
        display.close()
        _abort_run(client, following.run)
        raise
    finally:
        display.close()


def _finish(finished: Run, as_json: bool) -> None:
    if as_json:
        emit_json(finished)
    else:
        report(finished)
    if finished.state is not RunState.COMPLETED:
        raise typer.Exit(console.RUN_NOT_COMPLETED)


def report(run: Run) -> None:
    """The outcome of a run: its state, what was entered and measured, and its errors."""
    style = "green" if run.state is RunState.COMPLETED else "red"
    took = ""
    if run.ended_at is not None:
        took = f" in {(run.ended_at - run.started_at).total_seconds():.0f} s"
    out.print(f"{run.procedure_name}: [{style}]{run.state.value}[/{style}]{took}.")
    if run.state is RunState.INTERRUPTED:
        out.print("  [dim]The server stopped while it ran; it is not resumed: run it again.[/dim]")
    for name, value in run.inputs.items():
        out.print(f"  {escape(name)}: {escape(value)}", highlight=False)
    for error in run.errors:
        out.print(
            f"  [red]Error[/red] at step {error.step}: {escape(error.response)} "
            f"(recovery: {error.message})",
            highlight=False,
        )


def _interrupted(client: PrepClient, seen: Run | None, said: Console, ask_first: bool) -> None:
    """Ctrl-C: abort the run on the instrument or leave it waiting (asked, at a terminal), and
    say which was done."""
    if seen is None:
        said.print("Stopped before the run started; nothing was started on the instrument.")
        return
    current = client.current_run()
    if current is None or current.id != seen.id:
        said.print(f"Stopped. {seen.procedure_name} had already ended.")
        return
    choice = _abort_or_leave(current) if ask_first else "abort"
    if choice == "leave":
        said.print(
            f"Left {current.procedure_name} (run {current.id[:8]}) {_where(current)} on the "
            f"instrument. Go on with it here (`mlprep runs follow`) or in the web console "
            f"({client.base_url}/), or end it with `mlprep procedures abort`.",
            highlight=False,
        )
        return
    said.print(f"Aborting {current.procedure_name}: {_abort_run(client, current)}", highlight=False)


def _abort_or_leave(current: Run) -> str:
    out.print()
    out.print(
        f"[bold]Stopped following {escape(current.procedure_name)}[/bold] ({_where(current)})."
    )
    try:
        return Prompt.ask(
            "Abort the run on the instrument, or leave it waiting?",
            choices=["abort", "leave"],
            default="abort",
            case_sensitive=False,
            console=out,
        ).lower()
    except (KeyboardInterrupt, EOFError):  # a second Ctrl-C: go, doing nothing more
        out.print()
        return "leave"


def _where(run: Run) -> str:
    if run.open_view is not None:
        return f"waiting for an answer to '{escape(run.open_view.title)}'"
    title = run.progress.step_title or "its next step"
    return f"at step {run.progress.step}/{run.progress.step_count}, {escape(title)}"


def _abort_run(client: PrepClient, seen: Run | None) -> str:
    """Abort the run if it is still going, wait a while for its end; what became of it."""
    if seen is None:
        return "No run was started."
    try:
        current = client.current_run()
        if current is None or current.id != seen.id:
            return "The run had already ended."
        client.abort()
    except Conflict:
        return "The run had already ended."
    except ClientError as error:
        return f"The run could not be aborted ({error}); end it with `mlprep procedures abort`."
    deadline = time.monotonic() + ABORT_WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            state = client.run(seen.id).state
        except ClientError:
            break
        if state.is_terminal:
            return f"The run ended {state.value}."
        time.sleep(0.2)
    return "The run was asked to abort; it stops at its next safe point."
