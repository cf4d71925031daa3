"""Test helpers shipped with the store: a throwaway PostgreSQL server and a fresh database per test.

Used by the store's contract tests and by anyone who wants the same store fixtures (the lifecycle and
worker tests, a local demo against PostgreSQL). The server listens only on 127.0.0.1 (random free port)
and a private unix socket directory, trusts local connections, skips fsync, and is stopped by its data
directory (`pg_ctl stop`), never by process name. Never use any of this for real data.
"""
from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from uuid import uuid4

from sqlalchemy import create_engine, make_url, text

from bot.errors import StoreError
from bot.store.db import normalise_url

log = logging.getLogger(__name__)

# postgres refuses to run as root; when we are root, run it as this account instead.
POSTGRES_OS_USER = "postgres"
_START_ATTEMPTS = 3


def find_postgres_bin() -> Path | None:
    """The directory holding initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/<v>/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a private PostgreSQL server; yields the admin URL (database `postgres`, user `postgres`)."""
    bindir = find_postgres_bin()
    if bindir is None:
        raise StoreError("no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or under "
                         "/usr/lib/postgresql/*/bin; install postgresql or set NETOPS_TEST_PG_URL")
    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(POSTGRES_OS_USER)
        except KeyError as exc:
            raise StoreError(f"running as root and there is no {POSTGRES_OS_USER!r} OS user to run PostgreSQL "
                             "as; create one or set NETOPS_TEST_PG_URL") from exc
        run_as = ["runuser", "-u", POSTGRES_OS_USER, "--"]
    root = Path(tempfile.mkdtemp(prefix="netops-pg-"))
    data, sockets, logfile = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    if owner is not None:
        for path in (root, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def run(*args: str | Path) -> None:
        try:
            subprocess.run([*run_as, *map(str, args)], cwd=root, check=True, capture_output=True, text=True,
                           timeout=120)
        except subprocess.CalledProcessError as exc:
            server_log = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
            raise StoreError(f"{Path(str(args[0])).name} failed ({exc.returncode}): {exc.stderr.strip()}\n"
                             f"{server_log}".strip()) from exc

    started = False
    try:
        run(bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
            "--no-sync")
        for attempt in range(_START_ATTEMPTS):
            port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
            try:
                run(bindir / "pg_ctl", "-D", data, "-l", logfile, "-o", options, "-w", "-t", "60", "start")
                started = True
                break
            except StoreError:
                # Another process may have taken the port between probing and binding; try another.
                if attempt == _START_ATTEMPTS - 1:
                    raise
        log.info("throwaway PostgreSQL on 127.0.0.1:%s, data in %s", port, data)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            try:
                run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
            except StoreError as exc:
                log.warning("could not stop the throwaway PostgreSQL in %s: %s", data, exc)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """CREATE an empty database with a unique name on the server; yields its URL and drops it after."""
    admin = make_url(normalise_url(admin_url))
    name = f"netops_test_{uuid4().hex[:16]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
