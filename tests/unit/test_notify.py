"""The notifier interface and the JSON-lines alert log (lib/core/notify.py)."""

import json
import threading

import pytest

from cj_pipeline.lib.core.notify import FanOutNotifier, JsonLinesNotifier, Notifier, format_alert


def test_json_lines_notifier_appends_one_line_per_alert(tmp_path):
    notifier = JsonLinesNotifier.for_data_dir(tmp_path)
    assert isinstance(notifier, Notifier)
    assert notifier.read_all() == []
    notifier.send({"job_name": "build_warehouse", "run_id": "r1", "message": "Café failed\nline two"})
    notifier.send({"job_name": "build_warehouse", "run_id": "r2"})
    path = tmp_path / "alerts" / "alerts.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["message"] == "Café failed\nline two"
    assert [a["run_id"] for a in notifier.read_all()] == ["r1", "r2"]


def test_concurrent_senders_never_interleave_lines(tmp_path):
    notifier = JsonLinesNotifier(tmp_path / "a.jsonl")
    payload = "x" * 5000

    def send_many(worker):
        for i in range(50):
            notifier.send({"worker": worker, "i": i, "payload": payload})

    threads = [threading.Thread(target=send_many, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alerts = notifier.read_all()
    assert len(alerts) == 200
    assert {(a["worker"], a["i"]) for a in alerts} == {(w, i) for w in range(4) for i in range(50)}


class _Broken:
    def send(self, alert):
        raise ConnectionError("mail server down")


def test_fan_out_delivers_to_the_others_then_raises(tmp_path):
    record = JsonLinesNotifier(tmp_path / "a.jsonl")
    with pytest.raises(ConnectionError, match="mail server down"):
        FanOutNotifier([_Broken(), record]).send({"run_id": "r"})
    assert record.read_all() == [{"run_id": "r"}]


def test_format_alert_names_job_run_and_message():
    text = format_alert({"status": "FAILURE", "job_name": "build_warehouse", "run_id": "abc", "message": "boom"})
    assert "build_warehouse" in text and "abc" in text and "boom" in text
