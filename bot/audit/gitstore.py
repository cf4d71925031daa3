"""The audit branch as an append-only store, written without ever checking it out.

Each append writes the record (and its raw output) as blobs, rebuilds only the trees on the path to
them — `records/YYYY/MM/DD/<incident>/<seq>-<event>.json` and `raw/…/<seq>.txt` — reusing every other
subtree by id, writes one commit per record and finally moves `refs/heads/<branch>` with
`git update-ref NEW OLD`, so a concurrent writer makes the update fail instead of being overwritten.
The cost of an append therefore depends on the size of one day's incident directory, not on history.
The working tree, index and HEAD of the repository are never touched. Publishing lives in `publisher`.
"""
from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from bot.audit.message import commit_message
from bot.audit.objects import (FILE_MODE, TREE_MODE, ZERO_OID, CatFile, Commit, GitFailed, LooseWriter, PackWriter,
                               TreeEntry, decode_commit, decode_tree, encode_commit, encode_tree, run_git)
from bot.audit.outbox import OutboxEvent
from bot.audit.record import GENESIS_HASH, Record, build_record, chain
from bot.audit.redact import Redactor
from bot.errors import AuditWriteError

IDENTITY = "netops audit <audit@netops.invalid>"


class RefMoved(AuditWriteError):
    """The branch moved between reading its head and updating it (another writer); reload and retry."""


@dataclass(frozen=True)
class Tip:
    """The head of the chain: its commit, tree and last record's sequence number and hash."""

    commit: str | None
    tree: str | None
    seq: int
    hash: str


EMPTY_TIP = Tip(None, None, 0, GENESIS_HASH)


@dataclass(frozen=True)
class Appended:
    record: Record
    commit: str


class AuditBranch:
    def __init__(self, repo: Path, branch: str = "audit", *, fsync: bool = False, tree_cache: int = 4096,
                 pack_threshold: int = 32) -> None:
        self.repo = Path(repo)
        self.branch = branch
        self.ref = f"refs/heads/{branch}"
        fmt = run_git(self.repo, "rev-parse", "--show-object-format", check=False).stdout.decode().strip() or "sha1"
        if fmt != "sha1":
            raise AuditWriteError(f"{self.repo} uses {fmt} object ids; the audit writer supports sha1 repositories "
                                  "only — keep the audit branch in a sha1 repository")
        objects = run_git(self.repo, "rev-parse", "--git-path", "objects").stdout.decode().strip()
        objects_dir = Path(objects) if Path(objects).is_absolute() else self.repo / objects
        self._loose = LooseWriter(objects_dir.resolve(), fsync=fsync)
        self._writer: LooseWriter | PackWriter = self._loose
        # Batches at least this large (a backlog after an outage) are stored as one pack, not loose files.
        self.pack_threshold = pack_threshold
        self._cat = CatFile(self.repo)
        self._trees: OrderedDict[str, dict[str, TreeEntry]] = OrderedDict()
        self._tree_cache = tree_cache
        self._tips: dict[str, Tip] = {}

    def close(self) -> None:
        self._cat.close()

    def __enter__(self) -> AuditBranch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------------

    def resolve(self, name: str) -> str | None:
        found = self._cat.get(name)
        if found is None:
            return None
        if found[1] != "commit":
            raise AuditWriteError(f"{name} is a {found[1]}, not a commit; the audit branch is damaged — run "
                                  "`netops audit verify`")
        return found[0]

    def head(self) -> str | None:
        return self.resolve(self.ref)

    def commit(self, sha: str) -> Commit:
        found = self._cat.get(sha)
        if found is None or found[1] != "commit":
            raise AuditWriteError(f"audit commit {sha} is missing from {self.repo}; fetch the audit branch again")
        return decode_commit(found[0], found[2])

    def tree(self, sha: str) -> dict[str, TreeEntry]:
        cached = self._trees.get(sha)
        if cached is not None:
            self._trees.move_to_end(sha)
            return cached
        if isinstance(self._writer, PackWriter) and sha in self._writer.pending:
            return self._remember(sha, decode_tree(self._writer.pending[sha][1]))
        found = self._cat.get(sha)
        if found is None or found[1] != "tree":
            raise AuditWriteError(f"audit tree {sha} is missing from {self.repo}; fetch the audit branch again")
        return self._remember(sha, decode_tree(found[2]))

    def blob(self, sha: str) -> bytes:
        found = self._cat.get(sha)
        if found is None or found[1] != "blob":
            raise AuditWriteError(f"audit file {sha} is missing from {self.repo}; fetch the audit branch again")
        return found[2]

    def blobs(self, shas: Sequence[str]) -> Iterator[bytes | None]:
        for found in self._cat.get_many(shas):
            yield found[2] if found else None

    def changed_files(self, commit: Commit) -> dict[str, str | None]:
        """Paths the commit adds or changes (blob id) or removes (None), compared with its first parent."""
        parent_tree = self.commit(commit.parents[0]).tree if commit.parents else None
        changes: dict[str, str | None] = {}
        self._diff(parent_tree, commit.tree, "", changes)
        return changes

    def _diff(self, old: str | None, new: str | None, prefix: str, out: dict[str, str | None]) -> None:
        if old == new:
            return
        before = self.tree(old) if old else {}
        after = self.tree(new) if new else {}
        for name in before.keys() | after.keys():
            a, b = before.get(name), after.get(name)
            if a == b:
                continue
            path = prefix + name
            if (a and a.is_tree) or (b and b.is_tree):
                self._diff(a.sha if a and a.is_tree else None, b.sha if b and b.is_tree else None, path + "/", out)
            if b and not b.is_tree:
                out[path] = b.sha
            elif a and not a.is_tree and not b:
                out[path] = None

    def record_at(self, commit: str | Commit) -> Record:
        """The record a commit added, with its raw output."""
        commit = self.commit(commit) if isinstance(commit, str) else commit
        changes = self.changed_files(commit)
        records = [p for p, sha in changes.items() if p.startswith("records/") and sha]
        if len(records) != 1:
            raise AuditWriteError(f"audit commit {commit.sha} adds {len(records)} records instead of one; run "
                                  "`netops audit verify` to find the damage")
        data = json.loads(self.blob(changes[records[0]]))  # type: ignore[arg-type]
        raw_file = (data.get("result") or {}).get("raw_output_file")
        raw = self.blob(changes[raw_file]).decode("utf-8") if raw_file and changes.get(raw_file) else None
        return Record(data=data, raw_output=raw)

    def tip(self, commit: str | None = None) -> Tip:
        """The chain state at `commit` (default: the branch head; an empty branch is the genesis)."""
        sha = self.head() if commit is None else commit
        if sha is None:
            return EMPTY_TIP
        if sha not in self._tips:
            c = self.commit(sha)
            record = self.record_at(c)
            self._tips[sha] = Tip(sha, c.tree, record.seq, record.hash)
        return self._tips[sha]

    def walk_back(self, start: str | None = None) -> Iterator[Commit]:
        """Commits from `start` (default: the head) back along first parents."""
        sha = self.head() if start is None else start
        while sha:
            c = self.commit(sha)
            yield c
            sha = c.parents[0] if c.parents else None

    # -- writing ---------------------------------------------------------------------------------

    def append(self, events: Sequence[OutboxEvent], redact: Redactor) -> list[Appended]:
        """Commit one record per event on top of the head, then move the branch once for the batch."""
        if not events:
            return []
        tip = self.tip()
        old = tip.commit
        appended: list[Appended] = []
        with self._objects(len(events)):
            for event in events:
                try:
                    record = build_record(event, seq=tip.seq + 1, prev_hash=tip.hash, redact=redact)
                except AuditWriteError as exc:
                    exc.record_id = str(event.event_id)
                    raise
                tip, commit = self._commit_record(tip, record)
                appended.append(Appended(record, commit))
        self.update_ref(appended[-1].commit, old)
        return appended

    @contextmanager
    def _objects(self, count: int) -> Iterator[None]:
        """Loose objects for small batches; one pack, written before the ref moves, for large ones."""
        if count < self.pack_threshold:
            yield
            return
        self._writer = PackWriter(self.repo)
        try:
            yield
            self._writer.flush()
        finally:
            self._writer = self._loose

    def write_chain(self, base: Tip, items: Iterable[tuple[dict[str, Any], str | None]]) -> tuple[Tip, list[Appended]]:
        """Commit already-built record bodies on top of `base` (objects only; the caller moves the ref)."""
        tip, appended = base, []
        items = list(items)
        with self._objects(len(items)):
            for body, raw in items:
                record = chain(body, raw, seq=tip.seq + 1, prev_hash=tip.hash)
                tip, commit = self._commit_record(tip, record)
                appended.append(Appended(record, commit))
        return tip, appended

    def _commit_record(self, tip: Tip, record: Record) -> tuple[Tip, str]:
        files = {tuple(record.path.split("/")): self._writer.write("blob", record.file_bytes())}
        if record.raw_output is not None and record.raw_path:
            files[tuple(record.raw_path.split("/"))] = self._writer.write("blob", record.raw_output.encode("utf-8"))
        tree = self._insert(tip.tree, files)
        epoch = max(0, int(record.moment.timestamp()))
        data = encode_commit(tree, [tip.commit] if tip.commit else [], commit_message(record.data), IDENTITY, epoch)
        commit = self._writer.write("commit", data)
        new_tip = Tip(commit, tree, record.seq, record.hash)
        self._tips[commit] = new_tip
        if len(self._tips) > 1024:
            self._tips = {commit: new_tip}
        return new_tip, commit

    def _insert(self, tree: str | None, files: dict[tuple[str, ...], str]) -> str:
        entries = dict(self.tree(tree)) if tree else {}
        nested: dict[str, dict[tuple[str, ...], str]] = defaultdict(dict)
        for parts, blob in files.items():
            if len(parts) == 1:
                entries[parts[0]] = TreeEntry(FILE_MODE, blob)
            else:
                nested[parts[0]][parts[1:]] = blob
        for name, sub in nested.items():
            current = entries.get(name)
            entries[name] = TreeEntry(TREE_MODE, self._insert(current.sha if current and current.is_tree else None,
                                                              sub))
        sha = self._writer.write("tree", encode_tree(entries))
        self._remember(sha, entries)
        return sha

    def _remember(self, sha: str, entries: dict[str, TreeEntry]) -> dict[str, TreeEntry]:
        self._trees[sha] = entries
        self._trees.move_to_end(sha)
        while len(self._trees) > self._tree_cache:
            self._trees.popitem(last=False)
        return entries

    def update_ref(self, new: str, old: str | None, ref: str | None = None) -> None:
        """Move the branch from `old` (None: must not exist yet) to `new`, or raise `RefMoved`."""
        ref = ref or self.ref
        try:
            run_git(self.repo, "update-ref", "-m", "netops audit append", ref, new, old or ZERO_OID)
        except GitFailed as exc:
            now = run_git(self.repo, "rev-parse", "-q", "--verify", ref, check=False).stdout.decode().strip()
            if now != (old or ""):
                raise RefMoved(f"{ref} moved while the audit writer appended (another writer?); the batch "
                               "is retried on top of the new head") from exc
            raise
