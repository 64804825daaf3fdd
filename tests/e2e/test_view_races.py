"""Two clients answer the same open view at the same moment, differently: the first answer wins,
the other is told the view is gone, and the run goes the winner's way. Ten runs, ten races."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.instrument_session import Operator, close_view, receive_until
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, log_in

RACES = 10
OUTCOME_OF = {"Ok": "Completed", "Cancel": "Aborted"}


def race(
    clients: list[tuple[httpx.Client, str]], view_id: str, results: list[str]
) -> list[httpx.Response]:
    """Each client closes `view_id` with its result, all released at once by a barrier."""
    barrier = threading.Barrier(len(clients))

    def answer(client: httpx.Client, token: str, result: str) -> httpx.Response:
        barrier.wait(timeout=10)
        return close_view(client, token, view_id, result)

    with ThreadPoolExecutor(len(clients)) as pool:
        futures = [
            pool.submit(answer, client, token, result)
            for (client, token), result in zip(clients, results, strict=True)
        ]
        return [future.result() for future in futures]


def race_on_the_first_view(
    operator: Operator, clients: list[tuple[httpx.Client, str]], results: list[str]
) -> None:
    """Starts Daily Maintenance, races `clients` answering its first view with `results`, and
    follows the run to its end the winner's way."""
    with operator.events() as events:
        run_id = operator.start("Daily Maintenance")
        view = receive_until(events, "maintenancedata")[-1]["data"]
        assert view["title"] == "Clear the deck"

        responses = race(clients, view["viewId"], results)

        statuses = [response.status_code for response in responses]
        assert sorted(statuses) == [200, 404], [response.text for response in responses]
        winner = results[statuses.index(200)]
        loser = responses[statuses.index(404)]
        assert "closed already by another client" in assert_problem(loser, 404)["detail"]
        closed = receive_until(events, "viewclosed")[-1]["data"]
        assert (closed["viewId"], closed["result"]) == (view["viewId"], winner)
        # The run goes on as the winner said: on to the next view, or to its end.
        if winner == "Ok":
            following = receive_until(events, "maintenancedata")[-1]["data"]
            assert following["title"] == "Empty the tip waste"
            response = close_view(operator.client, operator.token, following["viewId"], "Ok")
            assert response.status_code == 200, response.text
            finished = operator.answer_until_finished(events)[-1]["data"]
        else:
            finished = receive_until(events, "finished")[-1]["data"]

    assert (finished["runId"], finished["outcome"]) == (run_id, OUTCOME_OF[winner])
    run = operator.run(run_id)
    assert (run["state"], run["views"][0]["result"]) == (OUTCOME_OF[winner], winner)


def test_the_first_of_two_simultaneous_answers_wins(operator: Operator) -> None:
    with operator.server.client() as first, operator.server.client() as second:
        # Two sessions, as two operators' clients would have; each connection warmed up by its
        # login, so that the race is between the answers alone.
        clients = [(client, log_in(client, "admin", ADMIN_PASSWORD)) for client in (first, second)]
        for attempt in range(RACES):
            # Alternate who says what, so that neither answer is favoured by its client.
            results = ["Ok", "Cancel"] if attempt % 2 == 0 else ["Cancel", "Ok"]
            race_on_the_first_view(operator, clients, results)
