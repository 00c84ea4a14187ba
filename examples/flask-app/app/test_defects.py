"""The build-time defects: each does what it says, and the default build carries none."""

import pytest

from app import create_app, defects
from app.config import ConfigurationError


def make_app(tmp_path, defect):
    return create_app({"DATABASE_URL": "", "SQLITE_PATH": str(tmp_path / "notes.sqlite3"), "APP_DEFECT": defect})


def test_the_default_build_has_no_defect(tmp_path):
    client = make_app(tmp_path, "").test_client()
    assert client.get("/api/notes").status_code == 200


def test_notes_500_breaks_one_path_and_leaves_the_probes_alone(tmp_path):
    client = make_app(tmp_path, "notes-500").test_client()
    response = client.get("/api/notes")
    assert response.status_code == 500
    assert response.get_json()["error"]["status"] == 500
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_crash_on_start_fails_while_the_app_is_made(tmp_path):
    with pytest.raises(defects.DefectiveBuildError, match="crash-on-start"):
        make_app(tmp_path, "crash-on-start")


def test_slow_notes_sleeps_before_answering(tmp_path, monkeypatch):
    slept = []
    monkeypatch.setattr(defects.time, "sleep", slept.append)
    client = make_app(tmp_path, "slow-notes:800").test_client()
    assert client.get("/api/notes").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert slept == [0.8]


def test_slow_notes_has_a_default_delay():
    assert defects.from_environ({"APP_DEFECT": "slow-notes"}) == defects.Defect("slow-notes", 1500)


@pytest.mark.parametrize("raw", ["notes-404", "slow-notes:fast", "slow-notes:0", "notes-500:1"])
def test_an_unknown_or_malformed_defect_is_refused_with_the_fix(raw):
    with pytest.raises(ConfigurationError, match="APP_DEFECT"):
        defects.from_environ({"APP_DEFECT": raw})
