"""What `make run` does after installing: migrate, demo content, serve web and worker, stop on
Ctrl-C. Runs the real commands in subprocesses against a throw-away SQLite file."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def local_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="website.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        WEB_CONCURRENCY="2",
    )
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_serve_runs_web_and_worker_and_ctrl_c_stops_both(local_env, tmp_path):
    manage(local_env, "migrate", "--noinput")
    manage(local_env, "load_initial_data")
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=local_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = serve.stdout.readline()
            if "Serving http://" in line or not line:
                break
        assert f"Serving http://127.0.0.1:{port}/" in line

        for path, expected in [
            ("/", b"Drawing a little every day"),
            ("/healthz", b'"ok"'),
            ("/admin/login/", b"Sign in"),
        ]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                assert r.status == 200
                assert expected in r.read()

        # The worker drains the tasks the demo content enqueued (search and reference index).
        db = sqlite3.connect(tmp_path / "db.sqlite3")
        deadline = time.monotonic() + 60
        pending = None
        while time.monotonic() < deadline:
            pending = db.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE status != 'SUCCESSFUL'"
            ).fetchone()[0]
            if pending == 0:
                break
            time.sleep(0.5)
        db.close()
        assert pending == 0
    finally:
        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, output
    assert "Stopped." in output
    assert not port_open(port)
    workers = subprocess.run(
        ["pgrep", "-f", f"127.0.0.1:{port}"],
        capture_output=True,
        text=True,
    )
    assert workers.stdout.strip() == ""
