"""The client's multi-step flows, written once as generators and driven by either face.

A flow yields a step (`Exchange`, `Pause`, `NextEvent`, `Ask`) and is sent what the step
produced, as httpx drives its auth flows; `client/drive.py` holds the blocking and the asyncio
driver. Flows compose with `yield from`, so a flow that sends a call renews the token, logs in
again after a 401 and retries a refused connection exactly as `send` does.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from mlprep.client import calls
from mlprep.client.calls import RETRYABLE, Call, retry_delay, url_for
from mlprep.client.errors import ServerUnreachable, Unauthenticated, problem_error
from mlprep.client.runs import Answerer, AnswerLike, ViewPrompt
from mlprep.client.session import Credentials, Session
from mlprep.contract.authenticate import AuthenticateResponse
from mlprep.contract.runs import Run, View

T = TypeVar("T")


@dataclass(frozen=True)
class Exchange:
    """Send this request once; the driver sends back the response, or the TransportError."""

    method: str
    url: str
    json: Any
    params: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class Pause:
    """Wait this long (before a retry); the driver sends back None."""

    seconds: float


@dataclass(frozen=True)
class NextEvent:
    """Wait for the next event of the driver's subscription; sent back the event or None."""

    timeout: float


@dataclass(frozen=True)
class Ask:
    """Ask a caller's answer callback (awaited when it is a coroutine); sent back its reply."""

    answerer: Answerer
    prompt: ViewPrompt


Step = Exchange | Pause | NextEvent | Ask
Flow = Generator[Step, Any, T]


class Flows:
    """The flows of one client: its session, prefix and retries, with no I/O of their own."""

    def __init__(self, base_url: str, prefix: str, session: Session, retries: int) -> None:
        self.base_url = base_url
        self.prefix = prefix
        self.session = session
        self.retries = retries

    def send(self, call: Call[T]) -> Flow[T]:
        """Send one call and read its answer. Raises a ProblemError subclass for an error answer
        and ServerUnreachable when none came."""
        if call.authenticated:
            yield from self.ensure_fresh_token()
        response = yield from self.exchange(call)
        if response.status_code == 401 and call.authenticated and (yield from self.log_in_again()):
            response = yield from self.exchange(call)
        if response.is_success:
            return call.read(response)
        raise problem_error(response)

    def exchange(self, call: Call[Any]) -> Flow[httpx.Response]:
        """Send `call` as it is (no renewal), again after a connection failure if it may be."""
        headers = self.session.headers if call.authenticated else {}
        request = Exchange(
            call.method, url_for(call, self.prefix), call.json, call.params or None, headers
        )
        attempt = 0
        while True:
            outcome = yield request
            if isinstance(outcome, httpx.Response):
                return outcome
            if not (call.retryable and isinstance(outcome, RETRYABLE)) or attempt >= self.retries:
                raise ServerUnreachable(
                    f"No answer from {self.base_url} to {call.method} {call.path}: {outcome}"
                ) from outcome
            yield Pause(retry_delay(attempt))
            attempt += 1

    def ensure_fresh_token(self) -> Flow[None]:
        """Log in, or renew the token, when there is none or it has little life left."""
        session = self.session
        if session.token is None:
            yield from self.log_in_again()
            return
        if not session.due_for_renewal:
            return
        if not session.expired:
            try:
                yield from self.renew_token()
                return
            except Unauthenticated:
                pass
        yield from self.log_in_again()

    def log_in_again(self) -> Flow[bool]:
        """Get a new token from the access key or the password held, if one is (the token was
        refused, or has expired); whether one was held."""
        if self.session.access_key is not None:
            yield from self.login_with_access_key()
            return True
        if self.session.credentials is None:
            return False
        yield from self.login()
        return True

    def stream_headers(self) -> Flow[dict[str, str]]:
        """The headers an event stream connects with, after renewing the token if due."""
        yield from self.ensure_fresh_token()
        return self.session.headers

    def login(
        self, user_name: str | None = None, password: str | None = None
    ) -> Flow[AuthenticateResponse]:
        """Log in with the given credentials, else those held. Raises ValueError without any."""
        if user_name is not None and password is not None:
            self.session.credentials = Credentials(user_name, password)
        credentials = self.session.credentials
        if credentials is None:
            raise ValueError("login() needs a user name and password.")
        answer = yield from self.send(calls.login(credentials.user_name, credentials.password))
        return self._use(answer)

    def login_with_access_key(self, access_key: str | None = None) -> Flow[AuthenticateResponse]:
        """Exchange the given access key, else the one held, for a token."""
        if access_key is not None:
            self.session.access_key = access_key
        key = self.session.access_key
        if key is None:
            raise ValueError("login_with_access_key() needs an access key.")
        answer = yield from self.send(calls.login_with_access_key(key))
        return self._use(answer)

    def _use(self, answer: AuthenticateResponse) -> AuthenticateResponse:
        if answer.token is None:
            raise Unauthenticated.without_response("The server answered the login without a token.")
        self.session.use(answer.token, answer)
        return answer

    def logout(self) -> Flow[None]:
        """Revoke the token on the server; forget it, and the password or access key held."""
        if self.session.token is not None:
            yield from self.exchange(calls.logout())
        self.session.forget()
        self.session.credentials = None
        self.session.access_key = None  # (still valid on the server: see revoke_access_key)

    def renew_token(self) -> Flow[AuthenticateResponse]:
        """Exchange the token for a fresh one, used from now on."""
        response = yield from self.exchange(calls.renew_token())
        if not response.is_success:
            raise problem_error(response)
        answer = calls.renew_token().read(response)
        if answer.token is not None:
            self.session.use(answer.token, answer)
        return answer

    def check_authentication(self) -> Flow[bool]:
        """Whether the token is valid now (no renewal is tried)."""
        response = yield from self.exchange(calls.check_authentication())
        return response.status_code == 200

    def ask(
        self, answerer: Answerer, view: View, run: Run, read_image: Callable[[View], Any]
    ) -> Flow[AnswerLike]:
        """Ask `answerer` about `view`; `read_image(view)` is what `prompt.image()` returns."""
        image_url = None
        if view.image_name:
            image_url = f"{self.base_url}{url_for(calls.image(view.image_name), self.prefix)}"
        reply: AnswerLike = yield Ask(
            answerer, ViewPrompt(view, run, image_url, lambda: read_image(view))
        )
        return reply
