"""HTTP routes: probes and version for the platform, and the notes JSON API."""

from typing import Any, Dict, Tuple

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from . import defects
from .db import get_connection
from .errors import error_response
from .models import NoteStore, ValidationError, parse_list_limit, parse_new_note

platform = Blueprint("platform", __name__)
notes = Blueprint("notes", __name__, url_prefix="/api/notes")


@platform.get("/healthz")
def healthz() -> Dict[str, Any]:
    # Liveness only: the process answers. The database is /readyz's business, so a database
    # outage takes pods out of the load balancer instead of restarting all of them.
    return {"status": "ok"}


@platform.get("/readyz")
def readyz() -> Tuple[Dict[str, Any], int]:
    try:
        NoteStore(get_connection()).check_readable()
    except Exception as exc:  # any failure, whatever the driver, means "do not send traffic"
        current_app.logger.warning("readiness check failed: %s: %s", type(exc).__name__, exc)
        return {"status": "unavailable", "reason": "database query failed"}, 503
    return {"status": "ready"}, 200


@platform.get("/version")
def version() -> Dict[str, Any]:
    return {"version": current_app.extensions["settings"].app_version}


@notes.post("")
def create_note() -> Response:
    if not request.is_json:
        return error_response(415, "send the note as JSON with Content-Type: application/json")
    payload = request.get_json(silent=True)
    if payload is None:
        return error_response(400, "the request body is not valid JSON")
    try:
        note = NoteStore(get_connection()).create(parse_new_note(payload))
    except ValidationError as exc:
        return error_response(400, exc.message, field=exc.field)
    response = jsonify(note)
    response.status_code = 201
    response.headers["Location"] = url_for("notes.get_note", note_id=note["id"])
    return response


@notes.get("")
def list_notes() -> Any:
    defects.on_list_notes(current_app.extensions["defect"])
    try:
        limit = parse_list_limit(request.args.get("limit"))
    except ValidationError as exc:
        return error_response(400, exc.message, field=exc.field)
    return {"notes": NoteStore(get_connection()).list_newest(limit), "limit": limit}


@notes.get("/<int:note_id>")
def get_note(note_id: int) -> Any:
    note = NoteStore(get_connection()).get(note_id)
    if note is None:
        return error_response(404, f"note {note_id} not found")
    return note


@notes.delete("/<int:note_id>")
def delete_note(note_id: int) -> Any:
    if not NoteStore(get_connection()).delete(note_id):
        return error_response(404, f"note {note_id} not found")
    return "", 204
