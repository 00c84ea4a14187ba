"""Errors as JSON, so API clients never have to parse Flask's HTML error pages."""

from typing import Optional

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException


def error_response(status: int, message: str, field: Optional[str] = None) -> Response:
    error = {"status": status, "message": message}
    if field is not None:
        error["field"] = field
    response = jsonify({"error": error})
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response:
    response = error_response(exc.code or 500, exc.description or exc.name)
    # Keep what Werkzeug set, e.g. the Allow header of a 405.
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    # Unhandled exceptions reach this handler as InternalServerError, so 500s are JSON too.
    app.register_error_handler(HTTPException, _http_error)
