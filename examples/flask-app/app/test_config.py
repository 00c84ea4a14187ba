"""Start-up settings: bad values fail with a message naming the variable."""

import pytest

from app import create_app
from app.config import ConfigurationError, load_settings


def test_defaults_use_sqlite_under_the_instance_folder():
    settings = load_settings({}, "/srv/instance")
    assert settings.database_url is None
    assert settings.sqlite_path == "/srv/instance/flask-app.sqlite3"
    assert settings.app_version == "dev"
    assert settings.db_connect_timeout == 3


def test_postgres_url_is_accepted():
    settings = load_settings({"DATABASE_URL": "postgresql://u:p@db:5432/notes"}, "/i")
    assert settings.database_url == "postgresql://u:p@db:5432/notes"


def test_non_postgres_url_is_refused_without_echoing_it():
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"DATABASE_URL": "mysql://admin:s3cret@db/notes"}, "/i")
    message = str(raised.value)
    assert "DATABASE_URL" in message and "'mysql'" in message
    assert "s3cret" not in message


@pytest.mark.parametrize("timeout", ["0", "soon", "-2"])
def test_bad_connect_timeout_is_refused(timeout):
    with pytest.raises(ConfigurationError, match="DB_CONNECT_TIMEOUT"):
        load_settings({"DB_CONNECT_TIMEOUT": timeout}, "/i")


def test_create_app_fails_fast_on_bad_settings(tmp_path):
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app({"DATABASE_URL": "sqlite:///x.db", "SQLITE_PATH": str(tmp_path / "x")})


def test_sqlite_directory_is_created_at_start(tmp_path):
    path = tmp_path / "nested" / "deeper" / "notes.sqlite3"
    create_app({"DATABASE_URL": "", "SQLITE_PATH": str(path)})
    assert path.exists()
