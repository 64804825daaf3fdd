"""Both faces against a real server: every operation returns typed values, errors come as
exceptions carrying the problem, either prefix works, and `run_procedure` drives a run to its end
through a callback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mlprep.client import (
    Answer,
    BadRequest,
    Conflict,
    LockedOut,
    NotFound,
    PermissionDenied,
    PrepClient,
    ServerUnreachable,
    Unauthenticated,
    ViewPrompt,
)
from mlprep.contract.maintenance import ProcedureStatus, UvInterval, ViewResult
from mlprep.contract.runs import RunState, ViewKind
from mlprep.contract.users import Role
from tests.client.faces import Face
from tests.e2e.server import ServerProcess
from tests.postgres import free_port
from tests.sessions import ADMIN_PASSWORD


# The tests of behaviour run both faces: `prep` is the face under test's admin client and `face`
# makes the others (see tests/client/faces.py).
@pytest.fixture
def prep(prep: PrepClient, face: Face, instrument: ServerProcess) -> Iterator[PrepClient]:
    """The conftest's `prep` (the instrument set back), in the face under test."""
    if face is PrepClient:
        yield prep
        return
    with face(instrument.base_url, user_name="admin", password=ADMIN_PASSWORD) as client:
        yield client


PNG = b"\x89PNG\r\n\x1a\n"
PROCEDURES = [
    "Daily Maintenance",
    "Weekly Maintenance",
    "UV Decontamination",
    "HEPA Filter Check",
    "Channel Calibration Check",
]


def test_the_vendors_maintenance_operations_answer_typed_values(prep: PrepClient) -> None:
    prep.initialize_maintenance()
    procedures = prep.procedures()
    daily = prep.find_procedure("daily")  # a name's start is enough

    assert [p.name for p in procedures] == PROCEDURES
    assert all(p.status is ProcedureStatus.EXPIRED for p in procedures)  # never executed
    assert prep.procedure(daily.id).name == "Daily Maintenance"
    assert prep.errors() == []
    counters = prep.channel_counters()
    assert [(c.name.value, c.tip_pick_up_counter) for c in counters] == [("Front", 0), ("Rear", 0)]
    options = prep.uv_routine_interval_options()
    assert [o.name for o in options] == list(UvInterval)
    prep.set_uv_routine_settings("daily")
    assert prep.uv_routine_settings().interval is UvInterval.DAILY
    assert prep.image("daily-clear-deck.png").startswith(PNG)
    assert prep.check_authentication() is True


def test_mlprep_s_own_operations_answer_typed_values(prep: PrepClient) -> None:
    health = prep.health()
    assert health.simulated is True and health.status == "Healthy"
    assert "mlprep_info{" in prep.metrics()
    assert prep.current_run() is None

    run = prep.run_procedure("UV Decontamination", lambda prompt: "Ok")

    assert prep.runs().items[0].id == run.id
    assert prep.run(run.id).state is RunState.COMPLETED
    assert prep.audit(limit=500, action="maintenance.start").total >= 1


def test_the_simulator_is_controlled_through_the_client(prep: PrepClient) -> None:
    daily = prep.find_procedure("Daily Maintenance")
    prep.run_procedure(daily.id, lambda prompt: "Yes" if "Yes" in prompt.view.results else "Ok")
    assert prep.procedure(daily.id).status is ProcedureStatus.OK

    advanced = prep.advance_clock(days=2)

    assert advanced.offset_seconds >= 2 * 86_400
    assert prep.procedure(daily.id).status is ProcedureStatus.EXPIRED
    assert prep.set_clock_speed(0).speed == 0
    planned = prep.plan_fault("tip_check", "Front", "Bent tip")
    assert [(f.operation.value, f.message) for f in planned.planned_faults] == [
        ("tip_check", "Bent tip")
    ]
    assert prep.set_fault_rate(0.5, seed=7).fault_seed == 7
    assert prep.clear_faults().planned_faults == []
    before = prep.channel_counters()[0].tip_pick_up_counter
    protocol = prep.simulate_protocol_run(duration_seconds=60, tips=4, transfers=6)
    assert protocol.ended_at > protocol.started_at
    assert prep.channel_counters()[0].tip_pick_up_counter == before + 4
    assert prep.set_channel_counters("Rear", aspirateCounter=99).aspirate_counter == 99
    assert prep.set_hepa_pressure_drop(180).pressure_drop_pa == 180
    assert prep.simulator().hepa_pressure_drop_pa == 180
    assert prep.simulator_clock().speed == 0
    prep.reset_channel_counters("Front")
    assert prep.channel_counters()[0].tip_pick_up_counter == 0


def test_users_are_managed_through_the_client(
    prep: PrepClient, instrument: ServerProcess, face: Face
) -> None:
    alice = prep.add_user("alice", "alices password", "operator")
    assert (alice.user_name, alice.role) == ("alice", Role.OPERATOR)
    assert [u.user_name for u in prep.users()] == ["admin", "alice"]

    with face(instrument.base_url, user_name="alice", password="alices password") as own:
        assert len(own.procedures()) == 5
        with pytest.raises(PermissionDenied) as denied:
            own.users()
        assert denied.value.status == 403 and "ModifyUsers" in denied.value.detail

    assert prep.set_user_role("alice", Role.SERVICE).role is Role.SERVICE
    assert prep.set_user_password("alice", "a new password").user_name == "alice"
    assert prep.unlock_user("alice").locked_until is None
    assert prep.user("ALICE").user_name == "alice"
    prep.remove_user("alice")
    with pytest.raises(NotFound):
        prep.user("alice")


def test_errors_are_exceptions_carrying_the_problem(
    prep: PrepClient, instrument: ServerProcess, face: Face
) -> None:
    with pytest.raises(NotFound) as missing:
        prep.procedure("f" * 32)
    assert missing.value.problem.status == 404 and missing.value.title == "Not Found"
    assert missing.value.problem.traceId

    with pytest.raises(Conflict) as idle:
        prep.abort()
    assert "nothing to abort" in idle.value.detail

    with pytest.raises(BadRequest) as short:
        prep.add_user("bob", "short")
    assert short.value.problem.errors == {"password": ["At least 8 characters."]}

    prep.add_user("carol", "carols password")
    with face(instrument.base_url) as stranger:
        for _ in range(5):
            with pytest.raises(Unauthenticated):
                stranger.login("carol", "wrong password")
        with pytest.raises(LockedOut) as locked:
            stranger.login("carol", "carols password")
    assert locked.value.retry_after is not None and locked.value.retry_after > 0


def test_either_prefix_reaches_the_vendor_operations(instrument: ServerProcess, face: Face) -> None:
    for prefix in ("/api/v1", "/NimbusLite/api/v1"):
        with face(
            instrument.base_url, user_name="admin", password=ADMIN_PASSWORD, prefix=prefix
        ) as client:
            assert len(client.procedures()) == 5
    with (
        face(
            instrument.base_url, user_name="admin", password=ADMIN_PASSWORD, prefix="/nowhere/v1"
        ) as lost,
        pytest.raises(NotFound),
    ):
        lost.procedures()


def test_only_idempotent_calls_are_retried_when_the_server_cannot_be_reached(face: Face) -> None:
    waits: list[float] = []
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with face(url, token="t", retries=2, sleep=waits.append, timeout=2) as client:
        with pytest.raises(ServerUnreachable) as unreachable:
            client.procedures()
        assert waits == [0.2, 0.4]
        assert url in str(unreachable.value)

        waits.clear()
        with pytest.raises(ServerUnreachable):
            client.start_procedure("f" * 32)
        assert waits == []


def test_a_client_with_a_token_only_reports_an_invalid_token(
    instrument: ServerProcess, face: Face
) -> None:
    with face(instrument.base_url, token="not-a-token") as client:
        assert client.check_authentication() is False
        with pytest.raises(Unauthenticated) as refused:
            client.procedures()
    assert refused.value.response is not None
    assert refused.value.response.headers["www-authenticate"].startswith("Bearer")


def test_run_procedure_answers_every_view_through_the_callback(prep: PrepClient) -> None:
    before = {c.name.value: c for c in prep.channel_counters()}
    prompts: list[ViewPrompt] = []

    def answer(prompt: ViewPrompt) -> Answer:
        prompts.append(prompt)
        assert prompt.image().startswith(PNG)
        if prompt.view.input_required:
            return Answer(ViewResult.OK, "LOT-42")
        return Answer("Ok")

    run = prep.run_procedure("Weekly Maintenance", answer)

    assert run.state is RunState.COMPLETED
    assert [p.view.title for p in prompts] == [
        "Clean both tip adapters",
        "Cleaning agent lot number",
    ]
    assert prompts[0].image_url is not None and prompts[0].image_url.startswith(prep.base_url)
    assert run.inputs == {"Cleaning agent lot number": "LOT-42"}
    assert [v.result for v in run.views] == [ViewResult.OK, ViewResult.OK]
    after = {c.name.value: c for c in prep.channel_counters()}
    assert after["Front"].aspirate_counter > before["Front"].aspirate_counter
    assert prep.find_procedure("Weekly Maintenance").status is ProcedureStatus.OK


def test_run_procedure_recovers_from_a_fault_as_on_error_says(prep: PrepClient) -> None:
    prep.plan_fault("leak_check", "Rear")
    errors_seen: list[str] = []

    def on_error(prompt: ViewPrompt) -> str:
        assert prompt.view.kind is ViewKind.ERROR
        errors_seen.append(prompt.view.message)
        return "Yes"  # retry

    run = prep.run_procedure(
        "weekly",
        lambda p: Answer("Ok", "LOT-7" if p.view.input_required else None),
        on_error=on_error,
    )

    assert run.state is RunState.COMPLETED
    assert len(errors_seen) == 1 and "Rear" in errors_seen[0]
    assert [(e.message, e.channel.value if e.channel else None) for e in run.errors] == [
        ("Retry", "Rear")
    ]

    prep.plan_fault("tip_check")
    aborted = prep.run_procedure("daily", lambda p: "Ok", on_error="abort")
    assert aborted.state is RunState.ABORTED


def test_a_callback_that_fails_aborts_the_run(prep: PrepClient) -> None:
    def refuse(prompt: ViewPrompt) -> str:
        raise RuntimeError("operator walked away")

    with pytest.raises(RuntimeError, match="walked away"):
        prep.run_procedure("Daily Maintenance", refuse)

    latest = prep.runs().items[0]
    assert latest.procedure_name == "Daily Maintenance"
    assert latest.state in (RunState.ABORTING, RunState.ABORTED)
    # Read in this order: a run still current may be Aborting; once it is not, it is Aborted.
    current = prep.current_run()
    assert prep.run(latest.id).state is RunState.ABORTED or current is not None


def test_events_arrive_as_they_happen_and_filtered_by_code(prep: PrepClient) -> None:
    with prep.events(codes={"counters"}) as events:
        prep.simulate_protocol_run(tips=2, transfers=3)
        first, second = events.next(timeout=10), events.next(timeout=10)

    assert first is not None and second is not None
    assert {first.data["channel"], second.data["channel"]} == {"Front", "Rear"}
    assert first.data["deltas"]["tipPickUp"] == 2 and first.stream == "events"


def test_a_stream_whose_token_is_revoked_reconnects_with_a_new_login(
    prep: PrepClient, instrument: ServerProcess, face: Face
) -> None:
    prep.add_user("watcher", "watchers password", Role.OPERATOR)
    own = face(instrument.base_url, user_name="watcher", password="watchers password")
    with own, own.events(streams=["events"], codes={"counters"}) as events:
        first_token = own.session.token
        prep.set_user_role("watcher", Role.SERVICE)  # ends the watcher's tokens and streams
        reconnected = events.next(timeout=20)
        prep.simulate_protocol_run(tips=1, transfers=1)
        counted = events.next(timeout=10)

    assert reconnected is not None and reconnected.code == "reconnected"
    assert counted is not None and counted.code == "counters"
    assert own.session.token != first_token


def test_the_client_closes_its_connections() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    client = PrepClient("http://127.0.0.1:9", token="t", transport=transport)
    with client:
        pass
    with pytest.raises(RuntimeError):
        client._http.get("/")  # noqa: SLF001 - a closed httpx client refuses to send
