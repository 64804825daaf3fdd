"""Wire model of `/mlprep/v1/health`."""

from __future__ import annotations

from mlprep.contract.base import WireModel


class Health(WireModel):
    """Whether the server and its database answer, and whether the instrument is simulated."""

    status: str
    version: str
    database: str
    simulated: bool
    instrument_id: str
    serial_number: str
