"""Wire models of access keys (`/mlprep/v1/users/{userName}/access-keys`): long-lived, revocable
credentials for the CLI and CI, exchanged for tokens at `/mlprep/v1/authenticate/access-key`."""

from __future__ import annotations

from pydantic import Field

from mlprep.contract.base import WireModel
from mlprep.contract.time import InstrumentTime


class AccessKey(WireModel):
    """A key as it is listed: never its secret, which is shown once, when it is made."""

    id: str
    user_name: str
    label: str = Field(description="What the key is for, e.g. 'mlprep CLI on lab-pc-3'")
    hint: str = Field(description="The key's last four characters, to tell keys apart")
    created_at: InstrumentTime
    last_used_at: InstrumentTime | None = Field(
        default=None, description="When it was last exchanged for a token"
    )


class IssuedAccessKey(AccessKey):
    """A key just made, with its secret: the only time the server shows it."""

    key: str = Field(description="The whole key; keep it like a password")


class NewAccessKey(WireModel):
    """A key to make."""

    label: str = Field(min_length=1, max_length=200)


class AccessKeyLogin(WireModel):
    """`POST /mlprep/v1/authenticate/access-key` body."""

    access_key: str = Field(max_length=200)
