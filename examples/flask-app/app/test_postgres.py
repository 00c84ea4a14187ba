"""The same API against a real PostgreSQL, the production (RDS) engine.

Runs when TEST_DATABASE_URL names a disposable database (its notes table is emptied);
scripts/test-postgres.sh starts a throwaway server and sets it.
"""

import os
import socket

import pytest

from app import create_app
from app.db import open_connection

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL (see scripts/test-postgres.sh)"
)


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"DATABASE_URL": TEST_DATABASE_URL, "SQLITE_PATH": str(tmp_path / "unused.sqlite3")}
    )
    conn = open_connection(app.extensions["settings"])
    conn.execute("TRUNCATE notes RESTART IDENTITY")
    conn.commit()
    conn.close()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def unused_local_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_uses_postgres_and_not_the_sqlite_file(app, tmp_path):
    assert open_connection(app.extensions["settings"]).dialect == "postgresql"
    assert not (tmp_path / "unused.sqlite3").exists()


def test_readyz_is_ready(client):
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_starts_but_is_not_ready_while_postgres_is_unreachable(tmp_path):
    unreachable = f"postgresql://nobody:secret@127.0.0.1:{unused_local_port()}/notes"
    client = create_app(
        {"DATABASE_URL": unreachable, "SQLITE_PATH": str(tmp_path / "x.sqlite3")}
    ).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503


def test_create_get_list_delete_round_trip(client):
    created = client.post("/api/notes", json={"title": "rds", "body": "100% of %(title)s :id"})
    assert created.status_code == 201
    note = created.get_json()
    # Percent signs and colon words in values are data, not placeholders.
    assert note["body"] == "100% of %(title)s :id"
    assert note["created_at"].endswith("+00:00")
    assert client.get(created.headers["Location"]).get_json() == note

    second = client.post("/api/notes", json={"title": "second"}).get_json()
    titles = [n["title"] for n in client.get("/api/notes").get_json()["notes"]]
    assert titles == ["second", "rds"]

    assert client.delete(f"/api/notes/{note['id']}").status_code == 204
    assert client.get(f"/api/notes/{note['id']}").status_code == 404
    assert client.get("/api/notes").get_json()["notes"] == [second]


def test_timestamps_are_utc_whatever_the_session_time_zone(tmp_path):
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    tokyo_url = f"{TEST_DATABASE_URL}{separator}options=-c%20TimeZone%3DAsia%2FTokyo"
    app = create_app({"DATABASE_URL": tokyo_url, "SQLITE_PATH": str(tmp_path / "x.sqlite3")})
    client = app.test_client()
    note = client.post("/api/notes", json={"title": "tz"}).get_json()
    assert note["created_at"].endswith("+00:00")

    # The session really is in Tokyo, so without the conversion the API would say +09:00.
    conn = open_connection(app.extensions["settings"])
    row = conn.query_one("SELECT created_at FROM notes WHERE id = :id", {"id": note["id"]})
    conn.close()
    assert row["created_at"].utcoffset().total_seconds() == 9 * 3600


def test_id_beyond_bigint_is_404(client):
    assert client.get(f"/api/notes/{2**63}").status_code == 404
