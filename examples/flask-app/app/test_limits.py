"""Request size limit: a big POST is refused with 413 before its body is read."""

import io
import json

import pytest

from app import MAX_REQUEST_BYTES, create_app
from app.models import MAX_BODY_LENGTH, MAX_TITLE_LENGTH


@pytest.fixture
def client(tmp_path):
    app = create_app(
        {"DATABASE_URL": "", "SQLITE_PATH": str(tmp_path / "notes.sqlite3"), "APP_VERSION": ""}
    )
    return app.test_client()


class UnreadableBody(io.RawIOBase):
    """A body of the given size, without the bytes: reading any of it fails the test."""

    def __init__(self, size):
        super().__init__()
        self.size = size
        self.position = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        raise AssertionError("the app read a body it should have refused unread")


def test_a_note_at_its_limits_fits_under_the_request_limit(client):
    # json.dumps escapes every non-ASCII character as \\uXXXX: the largest a note can be on the wire.
    payload = json.dumps({"title": "é" * MAX_TITLE_LENGTH, "body": "é" * MAX_BODY_LENGTH})
    assert len(payload) <= MAX_REQUEST_BYTES
    response = client.post("/api/notes", data=payload, content_type="application/json")
    assert response.status_code == 201, response.get_json()


def test_a_body_over_the_limit_is_refused_with_413_as_json(client):
    payload = json.dumps({"title": "big", "body": "x" * MAX_REQUEST_BYTES})
    response = client.post("/api/notes", data=payload, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_a_200_mib_post_is_refused_without_reading_it(client):
    response = client.post(
        "/api/notes",
        input_stream=UnreadableBody(200 * 1024 * 1024),
        content_type="application/json",
    )
    assert response.status_code == 413
