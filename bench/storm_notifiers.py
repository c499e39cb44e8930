"""The notifier a storm measures: the embedded worker in the bench's own process, or
Celery workers, one per role as deployed, on the broker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bench.notify import OURS_ID
from bench.procmem import tree_memory

ROOT = Path(__file__).resolve().parents[1]


def notify_section(port: int, window: int | None) -> dict[str, Any]:
    """The notifier's settings of a storm: SMS to the loopback SMSC at any hour."""
    extra = {"smpp_window": window} if window else {}
    return {
        "sms_providers": "smpp",
        "smpp_host": "127.0.0.1",
        "smpp_port": port,
        "smpp_system_id": OURS_ID,
        "quiet_hours_start": None,
        "quiet_hours_end": None,  # the same figures at any hour
        **extra,
    }


class EmbeddedNotifier:
    """The embedded default: notifier.worker's thread, in this process."""

    name = "embedded worker"

    def __init__(self, engine: Engine, folder: Path, smpp_port: int, window: int | None):
        from gis_outage.config import Settings
        from notifier.worker import start_embedded_worker

        url = engine.url.render_as_string(hide_password=False)
        settings = Settings(data_dir=folder / "notifier", database_url=url,
                            notify=notify_section(smpp_port, window))
        worker = start_embedded_worker(settings, engine)
        assert worker is not None
        self.worker = worker

    def wake(self) -> None:
        self.worker.wake()  # in this process: no need to wait for its next poll

    def memory(self) -> list[dict[str, Any]]:
        """This process (the worker's threads, and the bench's own set-up and clients)."""
        return tree_memory("bench process with the " + self.name, os.getpid())[:1]

    def wait_done(self, event_id: int, timeout: float) -> bool:
        return self.worker.wait_done(event_id, timeout)

    def stop(self) -> None:
        self.worker.stop()


class CeleryNotifier:
    """Production: a Celery worker per role on the broker, queues of their own, as
    deploy/ runs them (docs/deployment.md): `resolve` (one process, with beat draining
    the outbox every 0.5 s), the send queues (prefork, `concurrency` processes: the
    ones that hold SMPP binds) and `receipts` (one process)."""

    name = "Celery workers"

    def __init__(
        self, engine: Engine, folder: Path, smpp_port: int, window: int | None,
        broker: str, concurrency: int, extra_env: dict[str, str] | None = None,
        nice: int = 0,
    ) -> None:  # fmt: skip
        from gis_outage.config import NotifySettings

        self.engine = engine
        prefix = f"storm-{os.getpid()}-"  # queues of our own on a shared broker
        self.prefix, self.broker = prefix, broker
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
        env.update({
            "GIS_OUTAGE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "GIS_OUTAGE_DATA_DIR": str(folder / "notifier"),
            "GIS_OUTAGE_BROKER_URL": broker,
            "GIS_OUTAGE_NOTIFY_QUEUE_PREFIX": prefix,
            "GIS_OUTAGE_NOTIFY_DRAIN_SECONDS": "0.5",
            "GIS_OUTAGE_NOTIFY_SMS_PROVIDERS": "smpp",
            "GIS_OUTAGE_NOTIFY_SMPP_PORT": str(smpp_port),
            "GIS_OUTAGE_NOTIFY_SMPP_SYSTEM_ID": OURS_ID,
            "GIS_OUTAGE_NOTIFY_SMPP_WINDOW": str(
                notify_section(smpp_port, window).get("smpp_window")
                or NotifySettings().smpp_window
            ),
            "PYTHONPATH": str(ROOT),
        } | (extra_env or {}))  # fmt: skip
        (folder / "notifier").mkdir(exist_ok=True)
        # (role, queues, processes, beat): one worker service per role.
        self.roles = [
            ("resolve", ("resolve",), 1, True),
            ("send", ("send-sms", "send-email", "send-voice"), concurrency, False),
            ("receipts", ("receipts",), 1, False),
        ]
        self.log_path = folder / "celery.log"
        self._log = self.log_path.open("w")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        for role, queues, processes, beat in self.roles:
            command = [
                sys.executable, "-m", "celery", "-A", "notifier.celery_app", "worker",
                "-Q", ",".join(prefix + q for q in queues), "-c", str(processes),
                "--loglevel", "WARNING", "-n", f"{prefix}{role}@%h",
                "--without-gossip", "--without-mingle",
            ]  # fmt: skip
            if beat:
                command += ["-B", "-s", str(folder / "notifier" / "beat-schedule")]
            if nice:  # below the web workers' CPU priority, as docs/deployment.md advises
                command = ["nice", "-n", str(nice), *command]
            self.processes[role] = subprocess.Popen(
                command, env=env, cwd=folder, stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its children
            )  # fmt: skip

    def wake(self) -> None:
        """Beat drains the outbox on its own schedule."""

    def _exited(self) -> None:
        if any(p.poll() is not None for p in self.processes.values()):
            raise RuntimeError(f"celery exited: {self.log_path.read_text()[-2000:]}")

    def ready(self, timeout: float = 120.0) -> float:
        """Wait until every worker answers a ping over the broker and its pool (and
        beat) are up (on a loaded machine that takes seconds); the seconds it took."""
        from celery import Celery

        started = time.monotonic()
        names = {f"{self.prefix}{role}@{socket.gethostname()}" for role, *_ in self.roles}
        # Each worker, its pool, and beat's process.
        processes = sum(1 + n + beat for _role, _q, n, beat in self.roles)
        control = Celery(broker=self.broker)
        try:
            while time.monotonic() - started < timeout:
                self._exited()
                replies = control.control.ping(destination=sorted(names), timeout=1.0)
                answered = {name for reply in replies for name in reply}
                if answered >= names and len(self.memory()) >= processes:
                    return time.monotonic() - started
                time.sleep(0.2)
        finally:
            control.close()
        raise RuntimeError(f"celery did not answer within {timeout:g} s")

    def memory(self) -> list[dict[str, Any]]:
        """Each worker, its pool and beat: RSS now and peak, per process."""
        return [row for role, process in self.processes.items()
                for row in tree_memory(f"Celery {role}", process.pid)]

    def wait_done(self, event_id: int, timeout: float) -> bool:
        """The last batch of the event marks its outbox row processed."""
        from gis_outage.storage.outbox import pending_outbox

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._exited()
            if not any(r.event_id == event_id for r in pending_outbox(self.engine)):
                return True
            time.sleep(0.2)  # the database is the only place that knows
        return False

    def stop(self) -> None:
        running = [p for p in self.processes.values() if p.poll() is None]
        for process in running:
            os.killpg(process.pid, signal.SIGTERM)
        for process in running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._log.close()
