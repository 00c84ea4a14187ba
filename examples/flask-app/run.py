"""Entry point: `python run.py` for local development, `gunicorn run:app` in the container."""

import os

from app import create_app

app = create_app()

if __name__ == "__main__":
    # Loopback by default: the development server is not meant to be reachable from the network.
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8080")))
