"""Route tests against a real SQLite file, a fresh one per test."""

import shutil

import pytest

from app import create_app


@pytest.fixture
def db_dir(tmp_path):
    return tmp_path / "db"


@pytest.fixture
def app(db_dir):
    # DATABASE_URL is blanked so that a PostgreSQL URL in the caller's environment cannot leak in.
    return create_app(
        {"DATABASE_URL": "", "SQLITE_PATH": str(db_dir / "notes.sqlite3"), "APP_VERSION": ""}
    )


@pytest.fixture
def client(app):
    return app.test_client()


def create(client, **fields):
    response = client.post("/api/notes", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- platform endpoints -------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client, db_dir):
    shutil.rmtree(db_dir)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_503_when_the_database_is_gone(client, db_dir):
    shutil.rmtree(db_dir)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database query failed"}


def test_readyz_is_503_when_the_notes_table_is_missing(client, app):
    import sqlite3

    with sqlite3.connect(app.extensions["settings"].sqlite_path) as conn:
        conn.execute("DROP TABLE notes")
    assert client.get("/readyz").status_code == 503


def test_version_is_dev_when_app_version_is_unset(client):
    assert client.get("/version").get_json() == {"version": "dev"}


def test_version_reports_app_version(db_dir):
    app = create_app(
        {"DATABASE_URL": "", "SQLITE_PATH": str(db_dir / "v.sqlite3"), "APP_VERSION": "1.4.2-abc123"}
    )
    assert app.test_client().get("/version").get_json() == {"version": "1.4.2-abc123"}


# --- creating notes -----------------------------------------------------------------------


def test_create_returns_the_stored_note_and_its_location(client):
    response = client.post("/api/notes", json={"title": "  Deploy canary  ", "body": "10% first"})
    assert response.status_code == 201
    note = response.get_json()
    assert note["title"] == "Deploy canary"  # surrounding blanks are trimmed
    assert note["body"] == "10% first"
    assert isinstance(note["id"], int)
    assert note["created_at"].endswith("+00:00")
    assert response.headers["Location"] == f"/api/notes/{note['id']}"
    assert client.get(response.headers["Location"]).get_json() == note


def test_create_without_body_stores_an_empty_body(client):
    assert create(client, title="only a title")["body"] == ""


@pytest.mark.parametrize(
    "payload, field, message_part",
    [
        ({}, "title", "title is required"),
        ({"title": "   "}, "title", "title is required"),
        ({"title": 42}, "title", "title is required"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"title": "ok", "body": ["not", "text"]}, "body", "body must be a string"),
        ({"title": "ok", "body": "x" * 10_001}, "body", "at most 10000"),
        ({"title": "ok", "titel": "typo"}, "titel", "unknown field(s) titel"),
        (["a", "list"], "body", "expected a JSON object"),
    ],
)
def test_create_rejects_invalid_notes_with_400(client, payload, field, message_part):
    response = client.post("/api/notes", json=payload)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400
    assert error["field"] == field
    assert message_part in error["message"]
    assert client.get("/api/notes").get_json()["notes"] == []


def test_create_accepts_the_longest_allowed_title_and_body(client):
    note = create(client, title="t" * 200, body="b" * 10_000)
    assert len(note["title"]) == 200 and len(note["body"]) == 10_000


def test_create_rejects_malformed_json_with_400(client):
    response = client.post("/api/notes", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "the request body is not valid JSON"


def test_create_rejects_non_json_content_type_with_415(client):
    response = client.post("/api/notes", data="title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.get_json()["error"]["message"]


# --- listing, reading, deleting -----------------------------------------------------------


def test_list_is_empty_on_a_new_database(client):
    assert client.get("/api/notes").get_json() == {"notes": [], "limit": 20}


def test_list_returns_newest_first_and_honours_limit(client):
    for title in ("first", "second", "third"):
        create(client, title=title)
    listing = client.get("/api/notes?limit=2").get_json()
    assert listing["limit"] == 2
    assert [note["title"] for note in listing["notes"]] == ["third", "second"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", ""])
def test_list_rejects_a_bad_limit_with_400(client, limit):
    response = client.get(f"/api/notes?limit={limit}")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "limit"


def test_get_unknown_note_is_404(client):
    response = client.get("/api/notes/999")
    assert response.status_code == 404
    assert response.get_json()["error"] == {"status": 404, "message": "note 999 not found"}


def test_get_with_an_id_beyond_64_bits_is_404_not_500(client):
    assert client.get(f"/api/notes/{2**64}").status_code == 404
    assert client.delete(f"/api/notes/{2**64}").status_code == 404


def test_get_with_a_non_numeric_id_is_a_json_404(client):
    response = client.get("/api/notes/abc")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_delete_removes_the_note_once(client):
    note = create(client, title="temporary")
    first = client.delete(f"/api/notes/{note['id']}")
    assert first.status_code == 204
    assert first.data == b""
    assert client.get(f"/api/notes/{note['id']}").status_code == 404
    assert client.delete(f"/api/notes/{note['id']}").status_code == 404


def test_delete_leaves_other_notes_alone(client):
    keep = create(client, title="keep")
    drop = create(client, title="drop")
    client.delete(f"/api/notes/{drop['id']}")
    assert client.get("/api/notes").get_json()["notes"] == [keep]


def test_notes_survive_an_app_restart_on_the_same_file(app, db_dir):
    note = create(app.test_client(), title="durable")
    restarted = create_app({"DATABASE_URL": "", "SQLITE_PATH": str(db_dir / "notes.sqlite3")})
    assert restarted.test_client().get(f"/api/notes/{note['id']}").get_json() == note


def test_wrong_method_is_a_json_405_with_allow_header(client):
    response = client.put("/api/notes")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_unknown_path_is_a_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.is_json


def test_unhandled_errors_are_json_500s(app, client, db_dir):
    app.testing = False  # in testing mode Flask re-raises instead of answering 500
    shutil.rmtree(db_dir)
    response = client.get("/api/notes")
    assert response.status_code == 500
    assert response.get_json()["error"]["status"] == 500


def test_starts_when_the_database_cannot_open_and_recovers_later(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the database directory should be")
    app = create_app({"DATABASE_URL": "", "SQLITE_PATH": str(blocker / "notes.sqlite3")})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503

    blocker.unlink()  # the volume "comes back": the schema is created on the next request
    assert client.get("/readyz").status_code == 200
    assert client.post("/api/notes", json={"title": "after recovery"}).status_code == 201
