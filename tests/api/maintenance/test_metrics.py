"""`/mlprep/v1/metrics`: a Prometheus scraper sees what is due, the runs and the counters."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.maintenance.driving import run_to_the_end, start
from tests.asgi import ApiClient

METRICS = "/mlprep/v1/metrics"


def scrape(client: ApiClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of one scrape, by name and labels (no token: scrapers have none)."""
    response = client.get(METRICS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_a_fresh_instrument_reports_everything_due_and_nothing_run(client: ApiClient) -> None:
    samples = scrape(client)

    assert samples[("mlprep_procedure_expired", (("name", "Daily Maintenance"),))] == 1
    assert samples[("mlprep_maintenance_runs", (("state", "Completed"),))] == 0
    assert samples[("mlprep_maintenance_run_active", ())] == 0
    assert samples[("mlprep_channel_counter", (("channel", "Rear"), ("counter", "tipPickUp")))] == 0


def test_a_completed_run_shows_in_the_next_scrape(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    run_id = start(client, admin_headers, "/api/v1", "daily")
    assert run_to_the_end(client, admin_headers, "/api/v1", run_id)["state"] == "Completed"

    samples = scrape(client)

    assert samples[("mlprep_procedure_expired", (("name", "Daily Maintenance"),))] == 0
    assert samples[("mlprep_maintenance_runs", (("state", "Completed"),))] == 1
    front_pick_ups = (("channel", "Front"), ("counter", "tipPickUp"))
    assert samples[("mlprep_channel_counter", front_pick_ups)] == 1
    assert samples[("mlprep_channel_counter_lifetime_total", front_pick_ups)] == 1
    assert samples[("mlprep_events_published_total", ())] > 0
