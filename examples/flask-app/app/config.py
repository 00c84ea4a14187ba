"""Settings read from the environment, checked once at start-up."""

import os
from dataclasses import dataclass
from typing import Mapping, Optional
from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgres", "postgresql")
DEFAULT_SQLITE_FILENAME = "flask-app.sqlite3"


class ConfigurationError(ValueError):
    """A setting is wrong; the message names the variable and how to fix it."""


@dataclass(frozen=True)
class Settings:
    # PostgreSQL connection URL (RDS in production). When unset, the app uses SQLite.
    database_url: Optional[str]
    # SQLite file used when database_url is unset.
    sqlite_path: str
    # Reported by /version; the image sets it from its tag.
    app_version: str
    # Seconds to wait for PostgreSQL before /readyz gives up, so a probe never hangs.
    db_connect_timeout: int


def load_settings(environ: Mapping[str, str], instance_path: str) -> Settings:
    database_url = environ.get("DATABASE_URL", "").strip() or None
    if database_url is not None:
        scheme = urlsplit(database_url).scheme
        if scheme not in POSTGRES_SCHEMES:
            # The URL itself may hold a password, so only its scheme is echoed.
            raise ConfigurationError(
                f"DATABASE_URL must be a postgresql:// URL, got scheme '{scheme}'. "
                "Unset DATABASE_URL to use SQLite at SQLITE_PATH."
            )

    sqlite_path = environ.get("SQLITE_PATH", "").strip() or os.path.join(
        instance_path, DEFAULT_SQLITE_FILENAME
    )

    raw_timeout = environ.get("DB_CONNECT_TIMEOUT", "3").strip()
    if not raw_timeout.isdigit() or int(raw_timeout) < 1:
        raise ConfigurationError(
            f"DB_CONNECT_TIMEOUT must be a whole number of seconds >= 1, got '{raw_timeout}'."
        )

    return Settings(
        database_url=database_url,
        sqlite_path=sqlite_path,
        app_version=environ.get("APP_VERSION", "").strip() or "dev",
        db_connect_timeout=int(raw_timeout),
    )
