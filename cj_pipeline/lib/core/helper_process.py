"""A helper process for one job, on the second core.

Two jobs use one: the publication's spreadsheet (`python -m cj_pipeline.lib.publish.release_workbook`:
gptables, pure Python, about 2 s with its pandas import) is written while the publishing process
draws the packs, the compare page and the snapshot; and the gate's Great Expectations suites
(`python -m cj_pipeline.lib.quality.expectations`) run in a helper that starts importing GX
(about 4 s) before the gate needs it. A helper is started before its inputs exist, so its
imports overlap that work; it is given its job (pickled: our own data between our own
processes) once they do. A fresh interpreter, not a fork: no copy of DuckDB's or polars'
threads. A helper never given a job sees its stdin close and exits.
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
        """The worker's output, as text, once it is done (see `wait_bytes`)."""
        return self.wait_bytes().decode().strip()

    def wait_bytes(self) -> bytes:
        """The worker's output once it is done; a failed worker stops the caller with its reason."""
        if self.thread is None:
            raise RuntimeError(f"{self.module}: no job was sent")
        self.thread.join()
        if self.process.returncode != 0:
            # The error's own last line first (what a person reads), its traceback after (the log).
            told = self.result.get("err", b"").decode(errors="replace").strip()
            last = told.splitlines()[-1] if told else f"exit code {self.process.returncode}"
            raise RuntimeError(f"the helper process {self.module} failed: {last}\n{told[-2000:]}")
        return self.result["out"]

    def stop(self) -> None:
        """Ends the worker if it is still running (the publication failed before it finished)."""
        if self.process.poll() is None:
            self.process.kill()
        if self.thread is not None:
            self.thread.join()
        else:
            self.process.communicate()
