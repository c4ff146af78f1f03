"""Run the web server and the background worker together; Ctrl-C stops both cleanly."""

import signal
import subprocess
import sys
import time
import urllib.request
from urllib.error import URLError

from django.core.management.base import BaseCommand

DEFAULT_BIND = "127.0.0.1:8000"
# A server bound to every interface is reached on this machine through the loopback address.
ANY_INTERFACE = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}  # noqa: S104 (read, not bound)


def address_url(bind: str) -> str:
    """The address a browser on this machine opens for gunicorn's `--bind` value
    ("0.0.0.0:9000" -> "http://127.0.0.1:9000"). `demo_editor --bind` prints the same."""
    host, _, port = bind.rpartition(":")
    host = ANY_INTERFACE.get(host, host)
    return f"http://{host}:{port}" if port.isdigit() else f"http://{bind}"


class Command(BaseCommand):
    help = "Start gunicorn and the db_worker side by side (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=DEFAULT_BIND, help="host:port (gunicorn's --bind)")

    def handle(self, *args, **options):
        bind = options["bind"]
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "-c",
                "python:website.gunicorn_conf",
                "--bind",
                bind,
                "website.wsgi",
            ],
            "worker": [
                python,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--worker-id",
                f"serve-{bind}",
            ],
        }
        # Own sessions: the terminal's Ctrl-C reaches only this process, which then stops
        # both children in order instead of racing them.
        processes = {
            name: subprocess.Popen(command, start_new_session=True)  # noqa: S603
            for name, command in commands.items()
        }
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        url = address_url(bind)
        self.wait_until_ready(f"{url}/healthz", processes["web"])
        self.stdout.write(self.style.SUCCESS(f"Serving {url}/  (admin: {url}/admin/)"))
        self.stdout.write("Background worker running. Press Ctrl-C to stop both.")

        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with code {process.returncode}; stopping.")
                    exit_code = process.returncode or 1
                    stopping = True
            time.sleep(0.3)

        self.stdout.write("Stopping web server and worker ...")
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in processes.items():
            try:
                process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                process.kill()
        self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)

    def wait_until_ready(self, url, web, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and web.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (URLError, OSError):
                pass
            time.sleep(0.3)
