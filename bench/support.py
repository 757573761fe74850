"""Helpers the benchmark scripts share: settings, manage.py, Django and gunicorn.

The scripts run as `.venv/bin/python bench/bench_x.py`, so this folder is on
sys.path and they import this module as `support`.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def bench_environment(workdir: Path, *, debug: bool = False, **overrides: str) -> dict[str, str]:
    """Return the environment for manage.py, gunicorn and this process's Django.

    `overrides` add or replace variables; without DATABASE_URL in them or in
    the environment, the database is a SQLite file in `workdir`.
    """
    env = dict(os.environ)
    env.update(
        {
            # Ignore the developer's .env: the benchmark brings its own settings.
            "ENV_FILE": "/dev/null",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true" if debug else "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "EMAIL_URL": "dummymail://",
            # Tasks wait in the database broker, as in production, and no cluster runs
            # them: a benchmark that needs a task's work calls the task function itself.
            "Q_SYNC": "false",
            **overrides,
        }
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    return env


def manage(*args: str, env: dict[str, str], debug: bool | None = None) -> None:
    """Run a manage.py command in a subprocess, quietly; `debug` overrides DEBUG."""
    if debug is not None:
        env = {**env, "DEBUG": "true" if debug else "false"}
    command = [sys.executable, str(BASE_DIR / "manage.py"), *args]
    print(f"$ manage.py {' '.join(args)}", flush=True)
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL)


def migrate(env: dict[str, str]) -> None:
    """Say which database is used, then migrate it and create the cache table."""
    print(f"Database: {env['DATABASE_URL']}", flush=True)
    manage("migrate", "--noinput", env=env)
    manage("createcachetable", env=env)


def setup_django(env: dict[str, str]) -> None:
    """Set up Django in this process with the benchmark's environment."""
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def listening_socket() -> socket.socket:
    """Return a socket listening on a free port of 127.0.0.1, for gunicorn to inherit.

    Connections made before gunicorn is ready wait in the socket's backlog
    instead of being refused, so nobody has to poll for the server to start.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def wait_until_serving(
    url: str,
    server: subprocess.Popen,
    *,
    timeout: float = 60.0,
    http_error_is_answer: bool = False,
) -> None:
    """Make one request, answered once gunicorn is up; with `http_error_is_answer`, 4xx/5xx too.

    The listening socket exists before gunicorn starts, so the request waits
    in its backlog until a worker accepts it.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError:
        if not http_error_is_answer:
            raise
    except (urllib.error.URLError, TimeoutError) as error:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}") from error
        raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s") from error


def stop_process(process: subprocess.Popen, *, timeout: float) -> None:
    """Terminate `process` if it still runs, and kill it if it has not ended in `timeout` s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn_serving(
    workdir: Path,
    env: dict[str, str],
    *,
    workers: int,
    ready_path: str,
    http_error_is_answer: bool = False,
) -> Iterator[str]:
    """Serve the project with gunicorn on a free port until the block ends; yield its URL.

    gunicorn logs to `workdir`/gunicorn.log; if the block fails, its last
    lines are printed before gunicorn is stopped.
    """
    sock = listening_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log_path = workdir / "gunicorn.log"
    server = None
    with log_path.open("w") as log:
        try:
            server = subprocess.Popen(
                [str(gunicorn), "config.wsgi", "-w", str(workers), "-b", f"fd://{sock.fileno()}"],
                cwd=BASE_DIR,
                pass_fds=[sock.fileno()],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            wait_until_serving(
                base_url + ready_path, server, http_error_is_answer=http_error_is_answer
            )
            print(f"gunicorn is serving on {base_url}", flush=True)
            yield base_url
        except Exception:
            print("gunicorn log, last lines:", *log_path.read_text().splitlines()[-20:], sep="\n")
            raise
        finally:
            if server is not None:
                stop_process(server, timeout=15)
            sock.close()


def quantile_ms(seconds: list[float], share: float) -> float:
    """Return the `share` quantile of `seconds` in milliseconds, or NaN if there are none."""
    if not seconds:
        return float("nan")
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def clean_up(workdir: Path, *, keep: bool) -> None:
    """Remove `workdir`, or say where it is when it is kept."""
    if keep:
        print(f"Kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class LoadResult:
    name: str
    path: str
    done: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def latency_ms(self, share: float) -> float:
        return quantile_ms(self.latencies, share)


def load(
    name: str, base_url: str, path: str, *, requests: int, threads: int, time_limit: float
) -> LoadResult:
    """Send `requests` GETs from `threads` threads, stopping early after `time_limit` s."""
    url = base_url + path
    deadline = time.monotonic() + time_limit

    def one(_: int) -> tuple[bool, float] | None:
        if time.monotonic() > deadline:
            return None
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            ok = False
        return ok, time.perf_counter() - started

    for _ in range(threads):  # Warm each worker's caches and connections first.
        one(0)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = [outcome for outcome in pool.map(one, range(requests)) if outcome]
    seconds = time.perf_counter() - started
    return LoadResult(
        name=name,
        path=path,
        done=sum(ok for ok, _ in outcomes),
        errors=sum(not ok for ok, _ in outcomes),
        seconds=seconds,
        latencies=[latency for ok, latency in outcomes if ok],
    )
