"""`/mlprep/v1/metrics`: the instrument's state in Prometheus' text format, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from mlprep import __version__
from mlprep.contract.maintenance import ProcedureStatus
from mlprep.contract.runs import RunState
from mlprep.events.bus import EventBus
from mlprep.logs import dropped_log_lines
from mlprep.maintenance.channel_counters import ChannelCounters
from mlprep.maintenance.engine import RunEngine
from mlprep.maintenance.procedures import Procedures
from mlprep.maintenance.run_history import RunHistory

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class InstrumentCollector(Collector):
    """Collects gauges from the live services on every scrape (nothing is cached)."""

    def __init__(
        self,
        serial_number: str,
        procedures: Procedures,
        counters: ChannelCounters,
        history: RunHistory,
        engine: RunEngine,
        bus: EventBus,
    ) -> None:
        self._serial_number = serial_number
        self._procedures = procedures
        self._counters = counters
        self._history = history
        self._engine = engine
        self._bus = bus

    def collect(self) -> Iterable[Metric]:
        info = InfoMetricFamily("mlprep", "The server and its (simulated) instrument")
        info.add_metric(
            [], {"version": __version__, "serial_number": self._serial_number, "simulated": "true"}
        )
        yield info

        expired = GaugeMetricFamily(
            "mlprep_procedure_expired", "1 when a maintenance procedure is due", labels=["name"]
        )
        for procedure in self._procedures.all():
            expired.add_metric([procedure.name], float(procedure.status is ProcedureStatus.EXPIRED))
        yield expired

        runs = GaugeMetricFamily("mlprep_maintenance_runs", "Runs by state", labels=["state"])
        counts = self._history.count_by_state()
        for state in RunState:
            runs.add_metric([state.value], counts.get(state, 0))
        yield runs
        yield GaugeMetricFamily(
            "mlprep_maintenance_run_active",
            "1 while a maintenance run is in progress",
            value=float(self._engine.active_run_id is not None),
        )

        counter = GaugeMetricFamily(
            "mlprep_channel_counter",
            "Channel counters as the instrument reports them (u32)",
            labels=["channel", "counter"],
        )
        lifetime = CounterMetricFamily(
            "mlprep_channel_counter_lifetime",
            "Channel counters never reset nor wrapped",
            labels=["channel", "counter"],
        )
        for values in self._counters.with_lifetime():
            for kind, value in values.values.items():
                counter.add_metric([values.channel.value, kind.value], value)
                lifetime.add_metric([values.channel.value, kind.value], values.lifetime[kind])
        yield counter
        yield lifetime

        yield CounterMetricFamily(
            "mlprep_events_published", "Events published on the bus", value=self._bus.published
        )
        yield GaugeMetricFamily(
            "mlprep_event_subscribers",
            "WebSocket and SSE subscribers connected",
            value=self._bus.subscriber_count,
        )
        yield CounterMetricFamily(
            "mlprep_log_records_dropped",
            "Log lines dropped because the server's output did not take them in time",
            value=dropped_log_lines(),
        )


def render(collector: InstrumentCollector) -> bytes:
    """The exposition text for one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry)
