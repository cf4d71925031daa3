"""Git object plumbing for the audit branch: encode blobs, trees and commits, write them as loose
objects, read them back through one long-lived `git cat-file --batch`, and run git commands.

Objects are encoded byte for byte as `git hash-object -w` / `mktree` / `commit-tree` would write them,
which keeps an append at a handful of file writes instead of a dozen process starts. Refs are only
ever moved by `git update-ref` with the expected old value (see `gitstore`). Knows nothing of records.
"""
from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator, Mapping, Sequence

from bot.errors import AuditWriteError

TREE_MODE = "40000"
FILE_MODE = "100644"
ZERO_OID = "0" * 40


class GitFailed(AuditWriteError):
    """A git command exited non-zero; `stderr` holds its message."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args)} failed ({returncode}): {stderr.strip()[:500]}")
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr


def run_git(repo: Path, *args: str, input: bytes | None = None, check: bool = True,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, env=full_env,
                              check=False)
    except OSError as exc:
        raise AuditWriteError(f"cannot run git ({exc}); install git 2.30 or later on this host") from exc
    if check and proc.returncode != 0:
        raise GitFailed(args, proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str

    @property
    def is_tree(self) -> bool:
        return self.mode == TREE_MODE


def _sort_key(item: tuple[str, TreeEntry]) -> bytes:
    # Git orders tree entries by name, comparing a subtree as if its name ended in "/".
    name, entry = item
    return (name + "/" if entry.is_tree else name).encode("utf-8")


def encode_tree(entries: Mapping[str, TreeEntry]) -> bytes:
    return b"".join(f"{e.mode} {name}".encode("utf-8") + b"\0" + bytes.fromhex(e.sha)
                    for name, e in sorted(entries.items(), key=_sort_key))


def decode_tree(data: bytes) -> dict[str, TreeEntry]:
    entries: dict[str, TreeEntry] = {}
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        mode = data[pos:space].decode("ascii")
        entries[data[space + 1:nul].decode("utf-8", "surrogateescape")] = TreeEntry(
            TREE_MODE if mode in ("40000", "040000") else mode, data[nul + 1:nul + 21].hex())
        pos = nul + 21
    return entries


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    committed_at: int


def encode_commit(tree: str, parents: Iterable[str], message: str, identity: str, epoch: int) -> bytes:
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents),
             f"author {identity} {epoch} +0000", f"committer {identity} {epoch} +0000", "", message]
    return "\n".join(lines).encode("utf-8")


def decode_commit(sha: str, data: bytes) -> Commit:
    header, _, message = data.partition(b"\n\n")
    tree, parents, epoch = "", [], 0
    for line in header.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree":
            tree = value.decode("ascii")
        elif key == b"parent":
            parents.append(value.decode("ascii"))
        elif key == b"committer":
            epoch = int(value.rsplit(b" ", 2)[1])
    return Commit(sha, tree, tuple(parents), message.decode("utf-8", "replace"), epoch)


def object_id(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode("ascii") + data).hexdigest()


class LooseWriter:
    """Writes objects into `objects_dir` as git does: zlib, temporary file, rename, read-only."""

    def __init__(self, objects_dir: Path, fsync: bool = False) -> None:
        self.objects_dir = objects_dir
        self.fsync = fsync

    def write(self, kind: str, data: bytes) -> str:
        header = f"{kind} {len(data)}\0".encode("ascii")
        sha = hashlib.sha1(header + data).hexdigest()
        target = self.objects_dir / sha[:2] / sha[2:]
        if target.exists():
            return sha
        target.parent.mkdir(exist_ok=True)
        try:
            fd, tmp = tempfile.mkstemp(prefix="tmp_obj_", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(zlib.compress(header + data, 1))
                    if self.fsync:
                        handle.flush()
                        os.fsync(handle.fileno())
                os.chmod(tmp, 0o444)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise AuditWriteError(f"cannot write git object to {self.objects_dir} ({exc}); free disk space or fix "
                                  "permissions — the record stays in the outbox until then") from exc
        return sha


_PACK_TYPES = {"commit": 1, "tree": 2, "blob": 3}


class PackWriter:
    """Collects a large batch of objects in memory and stores them as one pack via `git index-pack`.

    Thousands of records as loose objects would mean tens of thousands of small files; one pack per
    batch keeps the repository compact. Objects become readable only after `flush`; until then
    `pending` answers for them.
    """

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.pending: dict[str, tuple[str, bytes]] = {}

    def write(self, kind: str, data: bytes) -> str:
        sha = object_id(kind, data)
        self.pending.setdefault(sha, (kind, data))
        return sha

    def flush(self) -> None:
        if not self.pending:
            return
        digest = hashlib.sha1()
        chunks = [b"PACK" + struct.pack(">II", 2, len(self.pending))]
        for kind, data in self.pending.values():
            size = len(data)
            header = bytearray([(_PACK_TYPES[kind] << 4) | (size & 0x0F)])
            size >>= 4
            while size:
                header[-1] |= 0x80
                header.append(size & 0x7F)
                size >>= 7
            chunks += [bytes(header), zlib.compress(data, 1)]
        for chunk in chunks:
            digest.update(chunk)
        chunks.append(digest.digest())
        run_git(self.repo, "index-pack", "--stdin", input=b"".join(chunks))
        self.pending.clear()


class CatFile:
    """One `git cat-file --batch` process, shared by every read of a repository (thread-safe)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            try:
                self._proc = subprocess.Popen(["git", "-C", str(self.repo), "cat-file", "--batch"],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL)
            except OSError as exc:
                raise AuditWriteError(f"cannot run git cat-file in {self.repo} ({exc})") from exc
        return self._proc

    def get(self, name: str) -> tuple[str, str, bytes] | None:
        """(sha, type, content) of an object or ref name, or None if it does not exist."""
        with self._lock:
            proc = self._start()
            assert proc.stdin and proc.stdout
            try:
                proc.stdin.write(name.encode("utf-8") + b"\n")
                proc.stdin.flush()
                return _read_one(proc.stdout)
            except (OSError, ValueError) as exc:
                self._close_locked()
                raise AuditWriteError(f"git cat-file stopped answering in {self.repo} ({exc})") from exc

    def get_many(self, names: Sequence[str]) -> Iterator[tuple[str, str, bytes] | None]:
        """Answers in order; requests are written from a thread so large batches cannot deadlock the pipes."""
        with self._lock:
            proc = self._start()
            assert proc.stdin and proc.stdout

            def feed() -> None:
                try:
                    proc.stdin.write(b"".join(n.encode("utf-8") + b"\n" for n in names))  # type: ignore[union-attr]
                    proc.stdin.flush()  # type: ignore[union-attr]
                except OSError:
                    pass
            writer = threading.Thread(target=feed, daemon=True)
            writer.start()
            answered = 0
            try:
                for _ in names:
                    yield _read_one(proc.stdout)
                    answered += 1
            finally:
                if answered < len(names):
                    # Unread answers would be mistaken for the next request's: start afresh.
                    proc.kill()
                    self._close_locked()
                writer.join()

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None


def _read_one(stream: IO[bytes]) -> tuple[str, str, bytes] | None:
    header = stream.readline()
    if not header:
        raise ValueError("git cat-file closed its output")
    parts = header.split()
    if len(parts) != 3:  # "<name> missing" or "<name> ambiguous"
        return None
    sha, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
    data = stream.read(size)
    stream.read(1)
    return sha, kind, data
