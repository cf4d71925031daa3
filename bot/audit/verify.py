"""`netops audit verify`: prove the audit branch is the unbroken, unedited chain that was written.

For every commit, oldest first along first parents: exactly one record added and nothing else
changed (besides its raw output file), the record file byte-identical to its canonical JSON, its
hash recomputed, `prev_hash` equal to the previous record's hash, sequence numbers contiguous, the
raw output's SHA-256 equal to `output_sha256`, and the commit trailer naming the record. Optionally
a previously witnessed head must still be an ancestor, which catches a history rewritten
consistently from scratch. Stops at, and names, the first bad record. Reads only; repairs nothing.
"""
from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Iterator

from bot.audit.gitstore import EMPTY_TIP, AuditBranch, Tip
from bot.audit.message import RECORD_TRAILER, trailers
from bot.audit.objects import run_git
from bot.audit.record import canonical_json, raw_path, record_hash, record_path

_CHUNK = 2_000  # commits per `git log` range


class Problem(str, Enum):
    MERGE_COMMIT = "merge_commit"
    UNEXPECTED_CHANGE = "unexpected_change"
    MISSING_RECORD = "missing_record"
    NOT_CANONICAL = "not_canonical"
    HASH_MISMATCH = "hash_mismatch"
    BROKEN_CHAIN = "broken_chain"
    SEQUENCE = "sequence"
    PATH_MISMATCH = "path_mismatch"
    TRAILER_MISMATCH = "trailer_mismatch"
    RAW_MISSING = "raw_missing"
    RAW_MISMATCH = "raw_mismatch"
    WITNESS_NOT_ANCESTOR = "witness_not_ancestor"
    WITNESS_UNKNOWN = "witness_unknown"


@dataclass
class BadRecord:
    problem: Problem
    detail: str
    commit: str | None = None
    seq: int | None = None
    record_id: str | None = None
    position: int | None = None

    def __str__(self) -> str:
        where = f"record #{self.seq}" if self.seq is not None else f"position {self.position}"
        if self.record_id:
            where += f" ({self.record_id})"
        if self.commit:
            where += f" in commit {self.commit[:12]}"
        return f"{where}: {self.detail}"


@dataclass
class VerifyResult:
    ref: str
    head: str | None
    records: int
    head_hash: str | None
    bad: BadRecord | None = None
    witness: str | None = None
    witness_ok: bool | None = None
    seconds: float = 0.0
    record_ids: list[str] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.bad is None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("record_ids")
        data["ok"] = self.ok
        if self.bad:
            data["bad"]["problem"] = self.bad.problem.value
            data["bad"]["message"] = str(self.bad)
        return data


@dataclass
class _Entry:
    commit: str
    parents: list[str]
    message: str
    changes: list[tuple[str, str, str]]  # (status, blob, path)


def _parse_log(out: bytes) -> list[_Entry]:
    entries = []
    for chunk in out.decode("utf-8", "replace").split("\x1e")[1:]:
        parts = chunk.split("\x1f", 3)
        if len(parts) < 4:
            raise ValueError("unparseable git log output")
        changes = []
        for line in parts[3].splitlines():
            if line.startswith(":"):
                meta, _, path = line.partition("\t")
                fields = meta.split()
                changes.append((fields[4], fields[3] if fields[1] != "000000" else "", path))
        entries.append(_Entry(parts[0], parts[1].split(), parts[2], changes))
    return entries


def _log(branch: AuditBranch, revs: str) -> list[_Entry]:
    out = run_git(branch.repo, "-c", "core.quotePath=false", "log", "--first-parent", "--reverse", "--no-abbrev",
                  "--raw", "--no-renames", "--root", "--format=%x1e%H%x1f%P%x1f%B%x1f", revs).stdout
    return _parse_log(out)


def _entries(branch: AuditBranch, ref: str, since: str | None) -> Iterator[list[_Entry]]:
    """The commits after `since` up to `ref` with the files each adds, oldest first, in chunks.

    Diffing every commit against its parent is most of the work, so the history is cut into ranges
    diffed by two git processes at once while the chunks already done are checked.
    """
    commits = run_git(branch.repo, "rev-list", "--first-parent", "--reverse",
                      f"{since}..{ref}" if since else ref).stdout.decode().split()
    size = max(_CHUNK, -(-len(commits) // 8))
    bounds = [(lo, min(lo + size, len(commits))) for lo in range(0, len(commits), size)]

    def revs(lo: int, hi: int) -> str:
        start = commits[lo - 1] if lo else since
        return f"{start}..{commits[hi - 1]}" if start else commits[hi - 1]
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        futures = [pool.submit(_log, branch, revs(lo, hi)) for lo, hi in bounds]
        for (lo, hi), future in zip(bounds, futures):
            entries = future.result()
            if [e.commit for e in entries] != commits[lo:hi]:
                raise ValueError("the first-parent history does not split into ranges; merge commits?")
            yield entries
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a bad record stops the ranges not yet started


def verify(branch: AuditBranch, *, ref: str | None = None, witness: str | None = None,
           since: str | None = None) -> VerifyResult:
    """Check `ref` (default: the branch); `since` checks only the commits after that verified commit."""
    started = time.perf_counter()
    ref = ref or branch.ref
    head = branch.resolve(ref)
    tip: Tip = branch.tip(since) if since else EMPTY_TIP
    result = VerifyResult(ref=ref, head=head, records=0, head_hash=None)
    if head is not None and head != since:
        result.bad = _check_chain(branch, ref, since, tip, result)
    if witness:
        result.witness = witness
        problem = _check_witness(branch, witness, head, ref)
        result.witness_ok = problem is None
        result.bad = result.bad or problem
    result.seconds = time.perf_counter() - started
    return result


def _check_witness(branch: AuditBranch, witness: str, head: str | None, ref: str) -> BadRecord | None:
    found = run_git(branch.repo, "rev-parse", "-q", "--verify", f"{witness}^{{commit}}", check=False)
    if found.returncode != 0 or head is None:
        return BadRecord(Problem.WITNESS_UNKNOWN, f"witnessed commit {witness} is not in this repository; fetch the "
                         "audit branch from its remote and verify again — if it is still missing, the history "
                         "was rewritten", commit=witness)
    full = found.stdout.decode().strip()
    proc = run_git(branch.repo, "merge-base", "--is-ancestor", full, head, check=False)
    if proc.returncode == 0:
        return None
    return BadRecord(Problem.WITNESS_NOT_ANCESTOR, f"witnessed head {full[:12]} is no longer part of {ref}: the "
                     "history was rewritten after it was witnessed; compare with the remote and the ticket's "
                     "witness and investigate", commit=full)


def _check_chain(branch: AuditBranch, ref: str, since: str | None, tip: Tip, result: VerifyResult) -> BadRecord | None:
    prev_hash, prev_seq = tip.hash, tip.seq
    parent = since
    position = tip.seq
    chunks = _entries(branch, ref, since)
    try:
        for entries in chunks:
            # One batched read of every blob this chunk's commits added, in walk order.
            wanted = [blob for e in entries for status, blob, path in e.changes if status == "A" and blob]
            blobs = branch.blobs(wanted)
            try:
                for entry in entries:
                    position += 1
                    added = {path: (blob, next(blobs))
                             for status, blob, path in entry.changes if status == "A" and blob}
                    bad = _check_entry(entry, added, parent, prev_hash, prev_seq, position)
                    if bad:
                        return bad
                    data = json.loads(added[_record_path(added)][1])  # type: ignore[arg-type]
                    prev_hash, prev_seq, parent = data["hash"], data["seq"], entry.commit
                    result.records += 1
                    result.head_hash = prev_hash
                    result.record_ids.append(data["record_id"])
            finally:
                for _ in blobs:  # drain, so the shared cat-file process stays in step
                    pass
    except ValueError as exc:
        return BadRecord(Problem.UNEXPECTED_CHANGE, f"the history of {ref} cannot be read ({exc})", position=position)
    finally:
        chunks.close()
    return None


def _record_path(added: dict[str, tuple[str, bytes | None]]) -> str:
    return next(p for p in added if p.startswith("records/"))


def _check_entry(entry: _Entry, added: dict[str, tuple[str, bytes | None]], parent: str | None, prev_hash: str,
                 prev_seq: int, position: int) -> BadRecord | None:
    def bad(problem: Problem, detail: str, data: dict[str, Any] | None = None) -> BadRecord:
        data = data or {}
        seq = data.get("seq") if isinstance(data.get("seq"), int) else None
        return BadRecord(problem, detail, entry.commit, seq, data.get("record_id"), position)

    expected_parents = [parent] if parent else []
    if entry.parents != expected_parents:
        kind = Problem.MERGE_COMMIT if len(entry.parents) > 1 else Problem.BROKEN_CHAIN
        return bad(kind, f"commit has parents {entry.parents or 'none'}; the audit branch is a single line of "
                   "commits")
    others = [(s, p) for s, b, p in entry.changes if s != "A" or not b]
    if others:
        status, path = others[0]
        return bad(Problem.UNEXPECTED_CHANGE, f"commit changes an existing file ({status} {path}); a record, once "
                   "written, is never modified or removed")
    records = [p for p in added if p.startswith("records/")]
    if len(records) != 1:
        return bad(Problem.MISSING_RECORD, f"commit adds {len(records)} record files instead of exactly one")
    raw_bytes = added[records[0]][1] or b""
    try:
        data = json.loads(raw_bytes)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        return bad(Problem.NOT_CANONICAL, f"{records[0]} is not a JSON record ({exc})")
    if raw_bytes != (canonical_json(data) + "\n").encode("utf-8"):
        return bad(Problem.NOT_CANONICAL, f"{records[0]} differs from its canonical JSON: the file was edited", data)
    if data.get("hash") != record_hash(data):
        return bad(Problem.HASH_MISMATCH, "stored hash does not match the record's content: the record was edited",
                   data)
    seq = data.get("seq")
    if seq != prev_seq + 1:
        if isinstance(seq, int) and seq <= prev_seq:
            detail = (f"sequence number {seq} follows {prev_seq}: a record was inserted, duplicated or moved "
                      "out of order")
        else:
            detail = f"sequence number {seq} follows {prev_seq}: record(s) {prev_seq + 1}..{(seq or 0) - 1} are missing"
        return bad(Problem.SEQUENCE, detail, data)
    if data.get("prev_hash") != prev_hash:
        return bad(Problem.BROKEN_CHAIN, "prev_hash does not match the previous record's hash: a record before it "
                   "was removed, replaced or reordered", data)
    try:
        expected = record_path(data)
    except Exception as exc:  # noqa: BLE001 — any malformed field means a forged record
        return bad(Problem.PATH_MISMATCH, f"record fields do not form a valid path ({exc})", data)
    if records[0] != expected:
        return bad(Problem.PATH_MISMATCH, f"record is stored at {records[0]}, expected {expected}", data)
    if trailers(entry.message).get(RECORD_TRAILER) != data.get("record_id"):
        return bad(Problem.TRAILER_MISMATCH, f"commit message does not name record {data.get('record_id')}", data)
    result = data.get("result") or {}
    raw_file = result.get("raw_output_file")
    extra = [p for p in added if p not in (records[0], raw_file)]
    if extra:
        return bad(Problem.UNEXPECTED_CHANGE, f"commit adds {extra[0]}, which no record refers to", data)
    if raw_file:
        if raw_file != raw_path(data):
            return bad(Problem.PATH_MISMATCH, f"raw output is stored at {raw_file}, expected {raw_path(data)}", data)
        if raw_file not in added:
            return bad(Problem.RAW_MISSING, f"raw output file {raw_file} is missing", data)
        digest = hashlib.sha256(added[raw_file][1] or b"").hexdigest()
        if digest != result.get("output_sha256"):
            return bad(Problem.RAW_MISMATCH, f"raw output hashes to {digest[:16]}…, the record states "
                       f"{str(result.get('output_sha256'))[:16]}…: the device output was edited", data)
    return None
