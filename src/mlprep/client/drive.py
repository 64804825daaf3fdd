"""The two drivers of a flow (`client/flows.py`): one blocking, one for asyncio. They do the
I/O a step asks for and nothing else; what to send, when to retry and when to log in again is
the flow's."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from mlprep.client.events import AsyncEventSubscription, EventSubscription
from mlprep.client.flows import Exchange, Flow, NextEvent, Pause, Step

T = TypeVar("T")


def drive(
    flow: Flow[T],
    http: httpx.Client,
    sleep: Callable[[float], None],
    events: EventSubscription | None = None,
) -> T:
    """Run `flow` to its end, blocking; its result. An exception a step raises is thrown into
    the flow, so the flow decides what it means."""
    outcome: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = flow.throw(error) if error is not None else flow.send(outcome)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        outcome, error = None, None
        try:
            outcome = _perform(step, http, sleep, events)
        except BaseException as raised:  # noqa: BLE001 - the flow re-raises what it does not handle
            error = raised


def _perform(
    step: Step,
    http: httpx.Client,
    sleep: Callable[[float], None],
    events: EventSubscription | None,
) -> Any:
    if isinstance(step, Exchange):
        try:
            return http.request(
                step.method, step.url, json=step.json, params=step.params, headers=step.headers
            )
        except httpx.TransportError as failure:
            return failure
    if isinstance(step, Pause):
        return sleep(step.seconds)
    if isinstance(step, NextEvent):
        assert events is not None, "a flow waited for an event without a subscription"
        return events.next(timeout=step.timeout)
    return step.answerer(step.prompt)


async def drive_async(
    flow: Flow[T],
    http: httpx.AsyncClient,
    sleep: Callable[[float], Awaitable[None]],
    events: AsyncEventSubscription | None = None,
) -> T:
    """Run `flow` to its end on the running loop; its result (as `drive` does)."""
    outcome: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = flow.throw(error) if error is not None else flow.send(outcome)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        outcome, error = None, None
        try:
            outcome = await _perform_async(step, http, sleep, events)
        except BaseException as raised:  # noqa: BLE001 - the flow re-raises what it does not handle
            error = raised


async def _perform_async(
    step: Step,
    http: httpx.AsyncClient,
    sleep: Callable[[float], Awaitable[None]],
    events: AsyncEventSubscription | None,
) -> Any:
    if isinstance(step, Exchange):
        try:
            return await http.request(
                step.method, step.url, json=step.json, params=step.params, headers=step.headers
            )
        except httpx.TransportError as failure:
            return failure
    if isinstance(step, Pause):
        return await sleep(step.seconds)
    if isinstance(step, NextEvent):
        assert events is not None, "a flow waited for an event without a subscription"
        return await events.next(timeout=step.timeout)
    reply = step.answerer(step.prompt)
    return await reply if inspect.isawaitable(reply) else reply
