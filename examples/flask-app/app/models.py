"""Notes: validation of what clients send, and the SQL that stores them."""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from .db import Connection

MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 10_000
DEFAULT_LIST_LIMIT = 20
MAX_LIST_LIMIT = 100
# Ids are 64-bit in both engines; a larger number in a URL cannot name a note.
MAX_NOTE_ID = 2**63 - 1
NOTE_FIELDS = ("title", "body")


class ValidationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewNote:
    title: str
    body: str


def parse_new_note(payload: Any) -> NewNote:
    if not isinstance(payload, dict):
        raise ValidationError("body", 'expected a JSON object such as {"title": "...", "body": "..."}')

    unknown = sorted(set(payload) - set(NOTE_FIELDS))
    if unknown:
        raise ValidationError(
            unknown[0], f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(NOTE_FIELDS)}"
        )

    title = payload.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title", "title is required and must be a non-empty string")
    title = title.strip()
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationError("title", f"title must be at most {MAX_TITLE_LENGTH} characters")

    body = payload.get("body", "")
    if not isinstance(body, str):
        raise ValidationError("body", "body must be a string")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError("body", f"body must be at most {MAX_BODY_LENGTH} characters")

    return NewNote(title=title, body=body)


def parse_list_limit(raw: Optional[str]) -> int:
    if raw is None:
        return DEFAULT_LIST_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST_LIMIT:
        raise ValidationError("limit", f"limit must be a whole number from 1 to {MAX_LIST_LIMIT}")
    return int(raw)


def _as_json(row: Dict[str, Any]) -> Dict[str, Any]:
    created_at = row["created_at"]
    # PostgreSQL hands back a datetime in the session's time zone; SQLite, the text we stored.
    if isinstance(created_at, datetime):
        created_at = created_at.astimezone(timezone.utc).isoformat()
    return {"id": row["id"], "title": row["title"], "body": row["body"], "created_at": created_at}


class NoteStore:
    def __init__(self, conn: Connection):
        self._conn = conn

    def create(self, note: NewNote) -> Dict[str, Any]:
        row = self._conn.query_one(
            "INSERT INTO notes (title, body, created_at) VALUES (:title, :body, :created_at) "
            "RETURNING id, title, body, created_at",
            {
                "title": note.title,
                "body": note.body,
                "created_at": datetime.now(timezone.utc).isoformat(),
            },
        )
        self._conn.commit()
        assert row is not None  # INSERT ... RETURNING always yields the new row
        return _as_json(row)

    def list_newest(self, limit: int) -> List[Dict[str, Any]]:
        rows = self._conn.query_all(
            "SELECT id, title, body, created_at FROM notes ORDER BY id DESC LIMIT :limit",
            {"limit": limit},
        )
        return [_as_json(row) for row in rows]

    def get(self, note_id: int) -> Optional[Dict[str, Any]]:
        if note_id > MAX_NOTE_ID:
            return None
        row = self._conn.query_one(
            "SELECT id, title, body, created_at FROM notes WHERE id = :id", {"id": note_id}
        )
        return _as_json(row) if row else None

    def delete(self, note_id: int) -> bool:
        if note_id > MAX_NOTE_ID:
            return False
        deleted = self._conn.execute("DELETE FROM notes WHERE id = :id", {"id": note_id})
        self._conn.commit()
        return deleted == 1

    def check_readable(self) -> None:
        """Raises if the notes table cannot be queried: the readiness probe's real query."""
        self._conn.query_all("SELECT id FROM notes LIMIT 1")
