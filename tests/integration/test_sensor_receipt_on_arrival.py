"""The real sensors on a sample data folder: each file taken gets its receipt on arrival in the
tick, and the run's intake step then writes its receipt over it (one receipt per arrival, the
same verdict and issues for the same bytes)."""

import json
import shutil

import dagster as dg
import pytest

from cj_pipeline.defs.intake import sensors as sensors_module
from cj_pipeline.defs.intake.assets import received_files
from cj_pipeline.defs.intake.sensors import partners_sensor, uploads_sensor
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.demo.sample_data import DEFAULT_YEARS, generate_sample_data
from cj_pipeline.lib.demo.story import add_mistakes
from cj_pipeline.lib.intake import receipts
from cj_pipeline.settings import get_settings

KEPT_PARTNER_FILES = {"jsws_2023-24.xlsx", "jsws_2023-24_revised.xlsx", "custody_referrals.csv"}


@pytest.fixture
def sample(tmp_path):
    """Sample data cut down to a few files of each kind and outcome: two accepted returns, one
    rejected, one duplicate, a return too deep in its folder, three partner tables (one
    revising another) and a partner file outside any source folder."""
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    truth = generate_sample_data(settings.data_dir, years=DEFAULT_YEARS[-2:])
    rejected, duplicate = add_mistakes(settings, truth)
    original = settings.uploads_dir / duplicate.name.replace(" (copy)", "")
    latest = next(p for p in truth.return_files if p.name.startswith("Fife_") and DEFAULT_YEARS[-1] in p.name)
    for path in truth.return_files:
        if path not in (original, latest):
            path.unlink()
    for path in truth.partner_files:
        if path.name not in KEPT_PARTNER_FILES:
            path.unlink()
    (settings.uploads_dir / "S12000047" / "2024-25").mkdir(parents=True)
    shutil.copy(latest, settings.uploads_dir / "S12000047" / "2024-25" / "deep.xlsx")
    (settings.partners_dir / "loose.csv").write_bytes(b"area,value\n")
    return settings


def _tick(sensor, settings, cursor=None):
    resources = {"pipeline_settings": PipelineSettings(data_dir=str(settings.data_dir))}
    return sensor(dg.build_sensor_context(cursor=cursor, resources=resources))


def _receipts(settings) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in settings.receipts_dir.glob("*.json")}


def test_the_sensor_gives_receipts_on_arrival_that_the_run_replaces(sample):
    settings = sample
    dropped = sorted(p for p in settings.uploads_dir.rglob("*") if p.is_file())
    dropped += sorted(p for p in settings.partners_dir.rglob("*") if p.is_file())
    assert len(dropped) == 9

    ticks = {sensor.name: _tick(sensor, settings) for sensor in (uploads_sensor, partners_sensor)}

    # Files just written are taken in the first tick (the tick waits the rest of the settle time),
    # but for the revised jsws table: the sample gives it an mtime a minute ahead (it supersedes),
    # so it waits for the next look (two looks alike).
    assert [len(t.run_requests) for t in ticks.values()] == [1, 1]
    assert "jsws_2023-24_revised.xlsx" not in ticks["partners_sensor"].run_requests[0].tags["cj/files"]
    (revised,) = _tick(partners_sensor, settings, ticks["partners_sensor"].cursor).run_requests
    assert revised.tags["cj/files"] == "jsws/jsws_2023-24_revised.xlsx"
    on_arrival = _receipts(settings)
    assert len(on_arrival) == len(dropped)  # one receipt per file, before any run
    assert {r["stage"] for r in on_arrival.values()} == {receipts.CHECKED_ON_ARRIVAL}
    assert not settings.warehouse_path.exists()
    by_file = {r["file"]: r for r in on_arrival.values()}
    assert by_file["deep.xlsx"]["status"] == "rejected" and by_file["loose.csv"]["status"] == "rejected"
    assert by_file["Fife_2024-25.xlsx"]["status"] == "accepted"
    assert sorted(r["status"] for r in on_arrival.values()).count("rejected") == 3

    result = dg.materialize(  # the intake step of the run the sensor requested
        [received_files],
        resources={"pipeline_settings": PipelineSettings(data_dir=str(settings.data_dir))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success

    final = _receipts(settings)
    assert set(final) == set(on_arrival), "the run's receipts carry the same names: one per arrival"
    assert len(list(settings.receipts_dir.glob("*.txt"))) == len(dropped)
    assert receipts.all_notes(settings.receipts_dir) == []
    duplicates = 0
    for name, checked in on_arrival.items():
        loaded = final[name]
        assert "stage" not in loaded, name
        for key in ("event_id", "file", "sha256", "received_at", "status", "area_code", "financial_year"):
            assert loaded[key] == checked[key], (name, key)
        if loaded["duplicate_of"]:  # only the run knows the bytes were accepted before
            duplicates += 1
            assert [i["code"] for i in loaded["issues"]] == ["duplicate_file"]
        else:
            assert loaded["issues"] == checked["issues"], name
    assert duplicates == 1
    assert sum("changes" in r for r in final.values()) == 1  # the revised jsws table, known to the run only

    # The cursor reset: the same arrivals, already recorded, are neither checked again nor a new run.
    again = _tick(uploads_sensor, settings)
    assert again.run_requests[0].run_key == ticks["uploads_sensor"].run_requests[0].run_key
    assert _receipts(settings) == final and receipts.all_notes(settings.receipts_dir) == []


def test_a_failed_check_on_arrival_never_stops_the_run_request(tmp_path, monkeypatch):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    (settings.uploads_dir / "return.xlsx").write_bytes(b"not a workbook")

    def broken(settings, path, parsers=None):
        raise OSError("the disk hiccuped")

    monkeypatch.setattr(sensors_module, "check_on_arrival", broken)
    context = dg.build_sensor_context(
        resources={"pipeline_settings": PipelineSettings(data_dir=str(settings.data_dir))}
    )
    warnings = []
    monkeypatch.setattr(context.log, "warning", warnings.append)
    (request,) = uploads_sensor(context).run_requests
    assert request.tags["cj/files"] == "return.xlsx"
    assert _receipts(settings) == {}  # no receipt on arrival; the run writes the receipt
    assert warnings == [
        "raw/uploads: return.xlsx could not be checked on arrival (OSError: the disk hiccuped); "
        "the run will write its receipt."
    ]


@pytest.mark.parametrize("failure", ["garbage file", "any error reading it"])
def test_an_unreadable_warehouse_does_not_stop_the_check_or_the_run_request(tmp_path, monkeypatch, failure):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    settings.warehouse_path.write_bytes(b"not a DuckDB file, truncated by a crash")  # the run repairs it
    if failure == "any error reading it":

        def unreadable(path):
            raise RuntimeError("something DuckDB did not expect")

        monkeypatch.setattr(sensors_module, "recorded_file_events", unreadable)
    (settings.uploads_dir / "return.xlsx").write_bytes(b"not a workbook")
    (request,) = _tick(uploads_sensor, settings).run_requests
    assert request.tags["cj/files"] == "return.xlsx"
    (receipt,) = _receipts(settings).values()
    assert receipt["stage"] == receipts.CHECKED_ON_ARRIVAL and receipt["status"] == "rejected"
