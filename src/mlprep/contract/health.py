"""Wire model of `/mlprep/v1/health`."""

from __future__ import annotations

from pydantic import Field

from mlprep.contract.base import WireModel
from mlprep.contract.time import InstrumentTime


class Health(WireModel):
    """Whether the server and its database answer, and whether the instrument is simulated."""

    status: str
    version: str
    database: str
    simulated: bool
    instrument_id: str
    serial_number: str
    now: InstrumentTime = Field(description="The instrument's clock (the simulator's, if ahead)")
    driven_by: str | None = Field(
        default=None,
        description="Present only when another mlprep server drives the instrument instead of "
        "this one (it took over on PostgreSQL while this one's lock was lost): that server",
    )
