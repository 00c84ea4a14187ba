"""Defects a build of the app can carry, chosen when the image is built (build arg APP_DEFECT).

They exist so that a release can be broken the way real releases break, and be caught by what
the app then does: the local stack runs these builds on a real node, and Flightdeck has to notice
from the outside (probes, restarts, HTTP answers, latency). Nothing in Flightdeck looks for them.
The default build has none, and the unit tests of every other module pass either way, as they
would for a real regression.

    notes-500        GET /api/notes fails with 500; /healthz and /readyz stay fine, so the pod
                     is Ready and only an HTTP check of that path sees the failure
    crash-on-start   the app raises while it is being created, so gunicorn exits at once
    slow-notes[:MS]  GET /api/notes sleeps MS milliseconds (default 1500) before answering
"""

import time
from dataclasses import dataclass
from typing import Mapping, Optional

from .config import ConfigurationError

KNOWN_DEFECTS = ("notes-500", "crash-on-start", "slow-notes")
DEFAULT_SLOW_MS = 1500


@dataclass(frozen=True)
class Defect:
    name: str
    delay_ms: int = 0


class DefectiveBuildError(RuntimeError):
    """Raised on purpose by a build that carries the crash-on-start defect."""


def from_environ(environ: Mapping[str, str]) -> Optional[Defect]:
    raw = environ.get("APP_DEFECT", "").strip()
    if not raw:
        return None
    name, _, argument = raw.partition(":")
    if name not in KNOWN_DEFECTS:
        raise ConfigurationError(
            f"APP_DEFECT must be empty or one of {', '.join(KNOWN_DEFECTS)}, got '{raw}'. "
            "It is a build argument of the image; rebuild without it for a working app."
        )
    if name != "slow-notes":
        if argument:
            raise ConfigurationError(f"APP_DEFECT '{name}' takes no ':' argument, got '{raw}'.")
        return Defect(name)
    if not argument:
        return Defect(name, DEFAULT_SLOW_MS)
    if not argument.isdigit() or int(argument) < 1:
        raise ConfigurationError(
            f"APP_DEFECT slow-notes takes a delay in whole milliseconds >= 1, e.g. slow-notes:800, got '{raw}'."
        )
    return Defect(name, int(argument))


def on_start(defect: Optional[Defect]) -> None:
    if defect is not None and defect.name == "crash-on-start":
        raise DefectiveBuildError("this build carries the crash-on-start defect (APP_DEFECT); it cannot start")


def on_list_notes(defect: Optional[Defect]) -> None:
    if defect is None:
        return
    if defect.name == "notes-500":
        # An unhandled error, as a broken query would raise: the app's handler answers 500.
        raise RuntimeError("this build carries the notes-500 defect (APP_DEFECT)")
    if defect.name == "slow-notes":
        time.sleep(defect.delay_ms / 1000)
