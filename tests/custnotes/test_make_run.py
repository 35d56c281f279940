"""`make run` serves web, worker and scheduler under honcho (Procfile.dev); Ctrl-C stops all three
within a few seconds, each on its own, with no forced kill (honcho kills what is left after five)."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests import clock
from tests.celery_worker import database_url_of_test_db

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
            return response.status == 200
    except OSError:
        return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ctrl_c_stops_web_worker_and_beat_without_a_forced_kill(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "custnotes.settings.test",
        "DATABASE_URL": database_url_of_test_db(),
        "CUSTNOTES_VAR_DIR": str(tmp_path),  # its own filesystem queue
        "CELERY_QUEUE": f"test-{uuid.uuid4().hex[:8]}",
        "CUSTNOTES_PORT": str(port),
    }
    env.pop(clock.NOW_VARIABLE, None)
    log = tmp_path / "honcho.log"
    with log.open("w") as out:
        # a session of its own, as a terminal gives `make run`: Ctrl-C signals the whole group
        honcho = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "honcho"), "-f", "Procfile.dev", "start"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = wait_for(
            lambda: (
                answers(f"http://127.0.0.1:{port}/accounts/login/")
                and " ready." in log.read_text()
                and "beat: Starting" in log.read_text()
            ),
            90,
        )
        assert started, log.read_text()
        os.killpg(honcho.pid, signal.SIGINT)  # what Ctrl-C does
        honcho.wait(timeout=30)
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
    output = log.read_text()
    assert "SIGINT received" in output
    assert "SIGKILL" not in output, output
    for name in ("web", "worker", "beat"):
        assert re.search(rf"{name}\.1 stopped", output), (name, output)
    pids = [int(pid) for pid in re.findall(r"sending SIGTERM to \w+\.1 \(pid (\d+)\)", output)]
    assert len(pids) == 3
    for pid in pids:  # nothing is left running
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
