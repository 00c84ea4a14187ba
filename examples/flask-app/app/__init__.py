"""The sample app: a small notes JSON API with the probes a Kubernetes rollout needs."""

import os
from typing import Mapping, Optional

from flask import Flask

from . import db, defects
from .config import load_settings
from .errors import register_error_handlers
from .routes import notes, platform

# The largest request body read: a note at its limits (200 + 10,000 characters, each up to six
# bytes as a JSON \uXXXX escape) fits. Anything larger is refused with 413 before it is read,
# so one big POST cannot push a pod past its memory limit.
MAX_REQUEST_BYTES = 64 * 1024


def create_app(environ_overrides: Optional[Mapping[str, str]] = None) -> Flask:
    """Builds the app from the environment; tests pass overrides instead of changing os.environ."""
    app = Flask(__name__, instance_relative_config=True)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    environ = {**os.environ, **(environ_overrides or {})}
    app.extensions["settings"] = load_settings(environ, app.instance_path)
    app.extensions["defect"] = defects.from_environ(environ)
    defects.on_start(app.extensions["defect"])

    db.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(platform)
    app.register_blueprint(notes)
    return app
