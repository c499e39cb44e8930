"""What the reliability scenarios run besides tests/processes.py: the notifier worker,
a Celery worker, and private Redis, RabbitMQ and PostgreSQL servers that a scenario may
stop and start (the shared ones on 6379, 5672 and 5432 are never touched)."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.notifier.conftest import free_port
from tests.processes import Process, child_env, tail, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def worker_env(db_url: str, data_dir: Path, smpp_port: int, **settings: str) -> dict[str, str]:
    """A notifier worker that sends SMS over SMPP fast, with short leases so a
    restarted worker takes over what a dead one held within a second."""
    values = {
        "database_url": db_url,
        "data_dir": str(data_dir),
        "notify_sms_providers": "smpp",
        "notify_smpp_port": str(smpp_port),
        "notify_smpp_window": "20",
        "notify_smpp_max_per_second": "1500",
        "notify_batch_size": "100",
        "notify_delivery_lease_seconds": "1",
        "notify_outbox_lease_seconds": "1",
        "notify_poll_seconds": "0.1",
    }
    values.update(settings)
    return child_env(**values)


WORKER_COMMAND = [sys.executable, "-m", "notifier.worker", "--log-level", "WARNING"]


# -- a private Redis -----------------------------------------------------------------------


class PrivateRedis:
    """redis-server on a free port with an append-only file (as docs/deployment.md runs
    it), so queued tasks survive a stop and start; or, not `persistent`, one that keeps
    nothing, as a cache-style Redis would."""

    def __init__(self, workdir: Path, persistent: bool = True) -> None:
        self.persistent = persistent
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = workdir / f"redis-{self.port}"
        self.dir.mkdir()
        self.process: Process | None = None

    def start(self) -> PrivateRedis:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--dir", str(self.dir), "--appendonly", "yes" if self.persistent else "no",
                   "--save", "",
                   "--protected-mode", "no"]
        self.process = Process(command, os.environ.copy(), self.dir, self.dir / "redis.log")
        wait_for(self.answers, 20, "redis to answer PING", interval=0.05)
        return self

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the append-only file is flushed first."""
        if self.process is not None:
            self.process.stop()
            self.process = None


# -- a private RabbitMQ ----------------------------------------------------------------------

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


class PrivateRabbitMQ:
    """A RabbitMQ node of our own: its own name, ports, data dir and Erlang cookie (HOME
    is its dir), and its own epmd, so the machine's node on 5672 is never reached. The
    data dir is kept from one start to the next, so durable queues and persistent
    messages survive a stop and start."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        self.node = f"gisoutage-test-{secrets.token_hex(4)}@localhost"
        self.dir = workdir / f"rabbitmq-{self.port}"
        self.dir.mkdir()
        config = self.dir / "rabbitmq.conf"
        config.write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (self.dir / "enabled_plugins").write_text("[].\n")
        # An empty env file: the machine's /etc/rabbitmq/rabbitmq-env.conf names its node.
        (self.dir / "rabbitmq-env.conf").write_text("")
        self.epmd_port = free_port()
        self.env = dict(
            os.environ,
            HOME=str(self.dir),
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(free_port()),
            RABBITMQ_MNESIA_BASE=str(self.dir / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.dir / "log"),
            RABBITMQ_LOGS="-",
            RABBITMQ_CONFIG_FILE=str(config),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.dir / "enabled_plugins"),
            RABBITMQ_CONF_ENV_FILE=str(self.dir / "rabbitmq-env.conf"),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
            ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS="127.0.0.1",
        )
        self.log = self.dir / "rabbitmq.log"
        self.process: Process | None = None
        self.epmd: Process | None = None

    def start(self, timeout: float = 120.0) -> PrivateRabbitMQ:
        self.epmd = Process(["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                            self.env, self.dir, self.dir / "epmd.log")
        self.process = Process([str(RABBITMQ_BIN / "rabbitmq-server")], self.env, self.dir,
                               self.log)
        try:
            wait_for(self.answers, timeout, "rabbitmq to accept an AMQP login", interval=0.2)
        except AssertionError:
            self.stop()  # a node that did not come up is not left behind
            raise
        return self

    def answers(self) -> bool:
        """The node takes AMQP logins (its listeners open last, once it has booted)."""
        import kombu

        if self.process is not None and not self.process.alive():
            raise AssertionError(f"rabbitmq-server exited:\n{tail(self.log)}")
        with kombu.Connection(self.url, connect_timeout=2) as connection:
            try:
                connection.connect()
            except connection.connection_errors:
                return False
            return True

    def stop(self) -> None:
        """A clean shutdown (SIGTERM, as systemd stops it): the node writes its queues to
        disk first. At once, where `rabbitmqctl stop` would first boot an Erlang VM."""
        if self.process is not None:
            self.process.stop(timeout=60)
            self.process = None
        if self.epmd is not None:
            self.epmd.stop()
            self.epmd = None


# -- a private PostgreSQL --------------------------------------------------------------------


def _as_postgres() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivatePostgres:
    """A PostgreSQL 15 cluster of our own (initdb in a temporary dir) on a free port,
    with PostGIS (installed system-wide) in its database `gis`."""

    def __init__(self) -> None:
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user cannot enter root's 0700 dirs.
        self.dir = Path(tempfile.mkdtemp(prefix="gis-outage-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/gis"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        done = subprocess.run([*_as_postgres(), *command], capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"{command[0]} failed: {done.stdout}{done.stderr}")

    def init(self) -> PrivatePostgres:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start()
        import psycopg

        with psycopg.connect(self.admin_dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE gis")
        with psycopg.connect(self.admin_dsn("gis"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        return self

    def admin_dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "pg.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """A fast shutdown: open sessions are cut, as in a restart for maintenance."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        yield server.init()
    finally:
        server.destroy()


# -- a Celery worker ---------------------------------------------------------------------------


def celery_command(queue_prefix: str, workdir: Path, concurrency: int = 2) -> list[str]:
    """`celery worker -B` on every queue of this prefix (the deployment's worker and beat
    in one process)."""
    from notifier.celery_app import PURPOSES

    return [
        sys.executable, "-m", "celery", "-A", "notifier.celery_app", "worker", "-B",
        "-Q", ",".join(queue_prefix + p for p in PURPOSES), "-c", str(concurrency),
        "-s", str(workdir / "beat-schedule"), "-n", f"{queue_prefix}@%h",
        "--without-gossip", "--without-mingle",
    ]


# The test numbers (tests.notifier.outage_data.mobile), with or without the +.
_TEST_NUMBER = re.compile(r"35840\d{7}")


def numbers_in_logs(*logs: Path) -> list[str]:
    """Phone numbers that a process wrote to its log: there must be none."""
    return [m for log in logs if log.exists() for m in _TEST_NUMBER.findall(log.read_text())]


def settled(server: Any) -> Callable[[], bool]:
    """A predicate: true once the server's count of received parts held for 0.3 s."""
    seen = {"count": -1, "since": time.monotonic()}

    def check() -> bool:
        count = len(server.received)
        if count != seen["count"]:
            seen.update(count=count, since=time.monotonic())
        return time.monotonic() - seen["since"] >= 0.3

    return check
