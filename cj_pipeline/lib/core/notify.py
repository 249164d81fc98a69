"""Tell people when something needs them: a small notifier interface.

The run-failure sensor builds one alert (a flat dict of JSON-safe values) and hands it to a
`Notifier`. The shipped `JsonLinesNotifier` appends it to `<data_dir>/alerts/alerts.jsonl`,
a durable record anyone can tail or a monitoring agent can ship.

Plugging in another channel means writing one class with `send(alert)`, e.g.

- email: `EmailNotifier(host, sender, recipients)` whose `send` builds an
  `email.message.EmailMessage` (subject from `alert["job_name"]` and `alert["status"]`,
  body from `format_alert(alert)`) and sends it with `smtplib.SMTP(host).send_message`;
- Microsoft Teams: `TeamsNotifier(webhook_url)` whose `send` POSTs
  `{"text": format_alert(alert)}` (or an Adaptive Card) to an incoming-webhook or
  Power Automate workflow URL with `urllib.request`;

and passing it, alone or inside `FanOutNotifier`, where the sensor builds its notifier
(`cj_pipeline/defs/alerts.py`, `build_notifier`). Credentials come from environment
variables read there, never from code. Keep the JSON-lines notifier in the fan-out: it is
the record that survives a mail server being down.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

ALERTS_FILE = Path("alerts") / "alerts.jsonl"


@runtime_checkable
class Notifier(Protocol):
    def send(self, alert: dict) -> None:
        """Deliver one alert; raise if it could not be delivered."""


class JsonLinesNotifier:
    """Appends each alert as one JSON line (UTF-8), creating the folder when needed.

    One `write` of a whole line to a file opened for append keeps concurrent writers from
    interleaving inside a line on local filesystems, and fsync makes the record durable
    before the sensor moves on.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> JsonLinesNotifier:
        return cls(Path(data_dir) / ALERTS_FILE)

    def send(self, alert: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(alert, sort_keys=True, ensure_ascii=False, default=str) + "\n"
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def read_all(self) -> list[dict]:
        """Every alert recorded so far, oldest first."""
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]


class FanOutNotifier:
    """Sends to every notifier; one failing channel does not stop the others, but the
    first error is raised at the end so the failure is visible (the sensor tick fails)."""

    def __init__(self, notifiers: Iterable[Notifier]):
        self.notifiers = list(notifiers)

    def send(self, alert: dict) -> None:
        errors = []
        for notifier in self.notifiers:
            try:
                notifier.send(alert)
            except Exception as error:  # noqa: BLE001 - collected and re-raised below
                errors.append(error)
        if errors:
            raise errors[0]


def format_alert(alert: dict) -> str:
    """A plain-text rendering for people (email body, chat message)."""
    lines = [f"Pipeline run {alert.get('status', 'FAILED')}: job {alert.get('job_name')}"]
    for key in ("run_id", "time", "failed_steps", "message"):
        if alert.get(key):
            lines.append(f"{key.replace('_', ' ')}: {alert[key]}")
    return "\n".join(lines)
