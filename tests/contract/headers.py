"""The headers a fuzzed case is sent with."""

from __future__ import annotations

from schemathesis import Case
from schemathesis.generation.meta import GenerationMode, ParameterLocation

# Headers that frame the message itself. The HTTP client sets them from the request it sends;
# a fuzzed value (a `content-length: k[` made up for a negated Authorization header) makes the
# bytes on the wire no HTTP request at all, which the HTTP server refuses before any operation
# of the contract is reached.
FRAMING = frozenset({"content-length", "transfer-encoding", "host", "connection", "upgrade"})


def without_framing(case: Case) -> Case:
    """`case` with any generated header that frames the message left out (see FRAMING)."""
    for name in [name for name in case.headers or {} if name.lower() in FRAMING]:
        del case.headers[name]
    return case


def token_unless_negated(case: Case, token_headers: dict[str, str]) -> dict[str, str]:
    """`token_headers`, unless the case's headers are its negated part and carry no
    Authorization header of their own: the negation may be the missing token itself, and adding
    it back would make the request valid (the server must then refuse it: 401)."""
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    negated = header is not None and header.mode is GenerationMode.NEGATIVE
    if negated and "authorization" not in {name.lower() for name in case.headers or {}}:
        return {}
    return token_headers
