"""A helper process for one job of a publication, on the second core.

The spreadsheet (gptables, pure Python, about 2 s with its pandas import) is written by
`python -m cj_pipeline.lib.publish.release_workbook` while this process draws the packs,
the compare page and the snapshot. The worker is started before the warehouse is read,
so its imports overlap that too; it is given its job (pickled: our own data between our
own processes) once the tables exist. A fresh interpreter, not a fork: no copy of
DuckDB's or polars' threads. A worker never given a job sees its stdin close and exits.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading


class Worker:
    def __init__(self, module: str) -> None:
        self.module = module
        self.process = subprocess.Popen(
            [sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.result: dict = {}
        self.thread: threading.Thread | None = None

    def send(self, job: dict) -> None:
        """Hand over the job; the worker may still be importing, so a thread feeds it."""
        data = pickle.dumps(job)

        def talk() -> None:
            self.result["out"], self.result["err"] = self.process.communicate(data)

        self.thread = threading.Thread(target=talk, daemon=True)
        self.thread.start()

    def wait(self) -> str:
        """The worker's output once it is done; a failed worker stops the publication with its reason."""
        if self.thread is None:
            raise RuntimeError(f"{self.module}: no job was sent")
        self.thread.join()
        if self.process.returncode != 0:
            # The error's own last line first (what a person reads), its traceback after (the log).
            told = self.result.get("err", b"").decode(errors="replace").strip()
            last = told.splitlines()[-1] if told else f"exit code {self.process.returncode}"
            raise RuntimeError(f"the helper process {self.module} failed: {last}\n{told[-2000:]}")
        return self.result["out"].decode().strip()

    def stop(self) -> None:
        """Ends the worker if it is still running (the publication failed before it finished)."""
        if self.process.poll() is None:
            self.process.kill()
        if self.thread is not None:
            self.thread.join()
        else:
            self.process.communicate()
