"""The real sensors and intake step give each area its receipts in outbox/<GSS code>/: a drop per
area, a return dropped in the wrong area's folder (its receipt where it was dropped, the other
area's data withheld), hostile file names escaped, and nothing for the flat folder or partners."""

import json
import shutil

import dagster as dg
import pytest

from cj_pipeline.defs.intake.assets import received_files
from cj_pipeline.defs.intake.sensors import partners_sensor, uploads_sensor
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.demo.sample_data import DEFAULT_YEARS, generate_sample_data
from cj_pipeline.lib.intake import receipts
from cj_pipeline.lib.intake.outbox import area_of_folder
from cj_pipeline.settings import get_settings

FIFE, CLACKS = "S12000047", "S12000005"
HOSTILE = "<img src=x onerror=alert(1)>\u202etxt.xlsx"  # markup and a right-to-left override


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    """Fife's return in Fife's folder, Clackmannanshire's in its own, Fife's return again in
    Clackmannanshire's folder (misplaced), a hostile-named non-workbook there too, one return in
    the flat folder and the partner tables; then one tick of each sensor."""
    settings = get_settings(tmp_path_factory.mktemp("outbox") / "data")
    settings.ensure_dirs()
    truth = generate_sample_data(settings.data_dir, years=DEFAULT_YEARS[-2:])
    latest = [path for path in truth.return_files if DEFAULT_YEARS[-1] in path.name]
    by_area = {path.name.split("_")[0]: path for path in latest}
    fife, clacks = by_area["Fife"], by_area["Clackmannanshire"]
    for path in truth.return_files:
        if path not in (fife, clacks) and path.name != "Angus_2024-25.xlsx":
            path.unlink()
    for path in truth.partner_files[1:]:
        path.unlink()
    for folder in (FIFE, CLACKS):
        (settings.uploads_dir / folder).mkdir()
    shutil.copy(fife, settings.uploads_dir / CLACKS / "fife_by_mistake.xlsx")
    fife.rename(settings.uploads_dir / FIFE / fife.name)
    clacks.rename(settings.uploads_dir / CLACKS / clacks.name)
    (settings.uploads_dir / CLACKS / HOSTILE).write_bytes(b"<script>alert(1)</script>")
    resources = {"pipeline_settings": PipelineSettings(data_dir=str(settings.data_dir))}
    ticks = [sensor(dg.build_sensor_context(resources=resources)) for sensor in (uploads_sensor, partners_sensor)]
    on_arrival = _outbox(settings)
    result = dg.materialize([received_files], resources=resources, instance=dg.DagsterInstance.ephemeral())
    assert result.success and all(t.run_requests for t in ticks)
    return settings, on_arrival, _outbox(settings)


def _outbox(settings) -> dict[str, dict[str, str]]:
    """area -> file name -> text, of every file in the outbox."""
    return {
        folder.name: {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}
        for folder in sorted(settings.outbox_dir.iterdir())
    }


def _by_file(files: dict[str, str]) -> dict[str, dict]:
    receipts_ = [json.loads(text) for name, text in files.items() if name.endswith(".json")]
    return {receipt["file"]: receipt for receipt in receipts_}


def test_each_area_gets_its_own_receipts_on_arrival_and_after_loading(dropped):
    settings, on_arrival, final = dropped
    assert set(final) == {FIFE, CLACKS}, "no outbox for the flat folder or for partners"
    for outbox in (on_arrival, final):
        assert set(_by_file(outbox[FIFE])) == {"Fife_2024-25.xlsx"}
        assert set(_by_file(outbox[CLACKS])) == {"Clackmannanshire_2024-25.xlsx", "fife_by_mistake.xlsx", HOSTILE}
    assert {r["stage"] for r in _by_file(on_arrival[CLACKS]).values()} == {receipts.CHECKED_ON_ARRIVAL}
    assert all("stage" not in r for r in _by_file(final[CLACKS]).values())  # the run's receipts replaced them
    # The same names as in receipts/ (text and JSON), and the same receipt for the area's own files.
    in_receipts = {p.name: p.read_text(encoding="utf-8") for p in settings.receipts_dir.iterdir() if p.is_file()}
    for area in (FIFE, CLACKS):
        names = {name for name in final[area] if not name.startswith("status.")}
        assert names <= set(in_receipts)
        assert {name.rsplit(".", 1)[1] for name in names} == {"json", "txt"}
    (fife_name,) = [name for name in final[FIFE] if name.endswith(".json")]
    assert final[FIFE][fife_name] == in_receipts[fife_name]
    assert _by_file(final[FIFE])["Fife_2024-25.xlsx"]["status"] == "accepted"


def test_a_return_in_the_wrong_areas_folder_says_so_and_shows_nothing_of_it(dropped):
    settings, _, final = dropped
    copy = _by_file(final[CLACKS])["fife_by_mistake.xlsx"]
    assert copy["status"] == "rejected" and copy["withheld"] is True
    assert (copy["area_code"], copy["financial_year"], copy.get("summary")) == (None, None, None)
    assert [issue["code"] for issue in copy["issues"]] == ["wrong_area_folder"]
    stem = receipts.stem_of(copy)
    for text in (final[CLACKS][f"{stem}.json"], final[CLACKS][f"{stem}.txt"]):
        assert "another area" in text
        assert FIFE not in text and "Fife" not in text.replace("fife_by_mistake", "")
    # The data team's receipt keeps everything.
    full = json.loads((settings.receipts_dir / f"{stem}.json").read_text())
    assert full["area_code"] == FIFE and "wrong_area_folder" in {i["code"] for i in full["issues"]}
    assert not any("fife_by_mistake" in text for text in final[FIFE].values())


def test_hostile_names_are_escaped_in_receipts_and_status(dropped):
    _, _, final = dropped
    (txt,) = [t for n, t in final[CLACKS].items() if n.endswith(".txt") and "alert" in t and n != "status.txt"]
    assert "\u202e" not in txt and "\\u202e" in txt
    page = final[CLACKS]["status.html"]
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\u202e" not in final[CLACKS]["status.txt"]


def test_only_gss_folders_of_uploads_have_an_outbox():
    assert area_of_folder("raw/uploads/S12000047") == "S12000047"
    assert area_of_folder("raw/uploads/S12000047/2024-25/final") == "S12000047"
    assert area_of_folder("raw/uploads") is None
    assert area_of_folder("raw/uploads/Fife") is None  # a name, not the folder the data team shares
    assert area_of_folder("raw/uploads/S92000003") is None  # Scotland is not an area that returns
    assert area_of_folder("raw/partners/jsws") is None


def test_nothing_in_the_outbox_is_read_back(dropped):
    """A workbook put in an outbox is never an arrival: intake only reads raw/."""
    from cj_pipeline.lib.intake.discovery import discover_partner_files, discover_upload_files

    settings, _, _ = dropped
    shutil.copy(next((settings.uploads_dir / FIFE).glob("*.xlsx")), settings.outbox_dir / FIFE / "sent_here.xlsx")
    found = [r.relative_path for r in discover_upload_files(settings) + discover_partner_files(settings)]
    assert found and not any(path.startswith("outbox/") for path in found)
    resources = {"pipeline_settings": PipelineSettings(data_dir=str(settings.data_dir))}
    tick = uploads_sensor(dg.build_sensor_context(resources=resources))
    assert "sent_here" not in str(tick.run_requests) + str(tick.skip_reason)


def test_an_outbox_copy_lost_in_a_crash_is_written_back_by_the_next_run(dropped, tmp_path):
    """The receipt and its outbox copy are written one after the other: a crash between them
    leaves the receipt alone. The next run restores the copy, and only what was lost."""
    from cj_pipeline.lib.intake.run import ingest_pending

    settings, _, after = dropped
    copy = get_settings(tmp_path / "data")
    shutil.copytree(settings.data_dir, copy.data_dir)
    fife_json = next(name for name in after[FIFE] if name.endswith(".json"))
    lost = copy.outbox_dir / FIFE / fife_json
    kept = {path: path.stat().st_mtime_ns for path in copy.outbox_dir.rglob("*.json") if path != lost}
    lost.unlink()
    ingest_pending(copy, [])
    assert json.loads(lost.read_text(encoding="utf-8")) == json.loads(after[FIFE][fife_json])
    assert {path: path.stat().st_mtime_ns for path in kept} == kept  # nothing else rewritten
