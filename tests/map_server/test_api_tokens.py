"""API tokens have a life: they expire (`security.token_days`, `create-token --days`), can
be revoked (`revoke-token`), die with their user (`disable-user`), and every change is in
the audit log. An expired or revoked token gets 401 from the running app."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.audit import audit_entries
from gis_outage.storage.db import write_transaction
from gis_outage.storage.errors import ConflictError
from gis_outage.storage.schema import api_tokens, utcnow
from gis_outage.storage.users import (
    create_token,
    create_user,
    disable_user,
    list_tokens,
    revoke_tokens,
    user_for_token,
)
from map_server.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env.update({"GIS_OUTAGE_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args], env=env,
                          capture_output=True, text=True, check=False)


def me(client: TestClient, token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_checking_a_token_takes_no_write_lock_unless_its_use_is_noted(db_engine: Engine) -> None:
    """Guessed tokens only read, so a flood of them cannot hold the database's write lock;
    a right token notes its use at most once a minute."""
    create_user(db_engine, "eng", "engineer")
    token = create_token(db_engine, "eng")
    assert user_for_token(db_engine, token).name == "eng"
    [noted] = list_tokens(db_engine, "eng")
    assert noted.last_used_at is not None

    answers: list[object] = []
    with write_transaction(db_engine) as holder:  # another writer holds the token table
        if db_engine.dialect.name == "postgresql":
            holder.exec_driver_sql("LOCK TABLE api_tokens IN EXCLUSIVE MODE")
        check = threading.Thread(target=lambda: answers.extend(
            [user_for_token(db_engine, "guess-" + token[6:]), user_for_token(db_engine, token)]
        ))
        check.start()
        check.join(timeout=60)  # a wrong answer here is a wait on the lock, not slowness
        locked_out = check.is_alive()
    check.join()
    assert not locked_out, "checking a token waited for the write lock"
    assert answers[0] is None and answers[1].name == "eng"
    assert list_tokens(db_engine, "eng")[0].last_used_at == noted.last_used_at


def test_token_life_in_storage(db_engine: Engine) -> None:
    create_user(db_engine, "eng", "engineer")
    old, new = create_token(db_engine, "eng"), create_token(db_engine, "eng", days=1)
    [first, second] = list_tokens(db_engine, "eng")
    assert first.expires_at - first.created_at == timedelta(days=90)  # the default
    assert second.expires_at - second.created_at == timedelta(days=1)
    assert user_for_token(db_engine, old) is not None
    with db_engine.begin() as conn:  # the token's 90 days have passed
        conn.execute(api_tokens.update().where(api_tokens.c.id == first.id)
                     .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert user_for_token(db_engine, old) is None
    assert user_for_token(db_engine, new) is not None
    assert revoke_tokens(db_engine, "eng", token_id=second.id) == 1
    assert user_for_token(db_engine, new) is None
    again = create_token(db_engine, "eng")
    assert disable_user(db_engine, "eng") == 2  # the expired one is revoked too
    assert user_for_token(db_engine, again) is None
    with pytest.raises(ConflictError, match="'eng' is disabled"):
        create_token(db_engine, "eng")
    actions = [(e.action, e.details) for e in audit_entries(db_engine)]
    assert [a for a, _ in actions] == ["user.create", "token.create", "token.create",
                                       "token.revoke", "token.create", "token.revoke",
                                       "user.disable"]
    assert actions[3][1] == {"count": 1, "token_ids": [second.id]}
    assert actions[5][1]["count"] == 2 and len(actions[5][1]["token_ids"]) == 2
    assert actions[6][1] == {"tokens_revoked": 2}
    assert "expires_at" in actions[1][1]
    for _, details in actions:  # the audit log never holds a token or its hash
        assert old not in str(details) and again not in str(details)


def test_the_commands_and_the_running_app(tmp_path: Path) -> None:
    assert cli(tmp_path, "create-user", "eng", "--role", "engineer").returncode == 0
    made = cli(tmp_path, "create-token", "eng", "--days", "30")
    assert made.returncode == 0, made.stderr
    short = made.stdout.strip()
    default = cli(tmp_path, "create-token", "eng").stdout.strip()
    listed = cli(tmp_path, "tokens").stdout
    assert listed.count("\tvalid") == 2 and short not in listed and default not in listed

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gis-outage.sqlite'}")
    app = create_app(Settings(data_dir=tmp_path), engine=engine)
    with TestClient(app) as client:
        assert me(client, short).status_code == 200
        with engine.begin() as conn:
            conn.execute(api_tokens.update().where(api_tokens.c.id == 1)
                         .values(expires_at=utcnow() - timedelta(minutes=1)))
        expired = me(client, short)
        assert expired.status_code == 401
        assert expired.json()["detail"] == "the API token is not valid, has expired or was revoked"
        # A body is not read for an expired token either.
        posted = client.post("/api/v1/trace", json={"service": "water"},
                             headers={"Authorization": f"Bearer {short}"})
        assert posted.status_code == 401
        assert me(client, default).status_code == 200

        revoked = cli(tmp_path, "revoke-token", "eng", "--id", "2")
        assert revoked.returncode == 0 and "revoked 1 token(s)" in revoked.stdout
        assert me(client, default).status_code == 401

        third = cli(tmp_path, "create-token", "eng").stdout.strip()
        assert me(client, third).status_code == 200
        disabled = cli(tmp_path, "disable-user", "eng")
        assert disabled.returncode == 0 and "revoked 2 token(s)" in disabled.stdout
        assert me(client, third).status_code == 401
    refused = cli(tmp_path, "create-token", "eng")
    assert refused.returncode == 2 and "'eng' is disabled" in refused.stderr
    states = [line.rsplit("\t", 1)[1] for line in cli(tmp_path, "tokens", "eng").stdout
              .splitlines()[1:]]
    assert states == ["revoked"] * 3  # disabling revoked the expired one too
    engine.dispose()
