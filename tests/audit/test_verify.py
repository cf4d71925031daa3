"""`verify` detects every kind of tampering and names the first bad record."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

from bot.audit.gitstore import EMPTY_TIP, AuditBranch
from bot.audit.objects import encode_commit
from bot.audit.record import Record, chain
from bot.audit.redact import Redactor
from bot.audit.verify import Problem, verify
from bot.testing import MemoryOutbox, git


@dataclass(frozen=True)
class Forged(Record):
    """A record whose stored bytes are given verbatim (an attacker's hand edit)."""

    stored: bytes = b""

    def file_bytes(self) -> bytes:
        return self.stored or super().file_bytes()


@pytest.fixture
def written(branch: AuditBranch, outbox: MemoryOutbox) -> AuditBranch:
    for _ in range(3):
        outbox.add_run()
    branch.append(outbox.pending_events(100), Redactor())
    return branch


def _records(branch: AuditBranch) -> list[Record]:
    return [branch.record_at(c) for c in reversed(list(branch.walk_back()))]


def _rewrite(branch: AuditBranch, transform: Callable[[list[Record]], list[Record]]) -> str:
    """Rebuild the branch from transformed records and force the ref onto it, as an attacker would."""
    tip = EMPTY_TIP
    for record in transform(_records(branch)):
        tip, _ = branch._commit_record(tip, record)
    git(branch.repo, "update-ref", branch.ref, tip.commit or "")
    return tip.commit or ""


def _rechained(records: list[Record]) -> list[Record]:
    out, prev = [], "0" * 64
    for seq, record in enumerate(records, start=1):
        made = chain(dict(record.data), record.raw_output, seq=seq, prev_hash=prev)
        out.append(made)
        prev = made.hash
    return out


def test_an_untouched_branch_verifies_with_its_witness(written: AuditBranch) -> None:
    head = written.head()
    result = verify(written, witness=head)
    assert result.ok and result.records == 18 and result.witness_ok
    assert result.head == head and result.head_hash == written.tip().hash


def test_an_edited_record_is_named_by_its_hash_mismatch(written: AuditBranch) -> None:
    def edit(records: list[Record]) -> list[Record]:
        data = dict(records[4].data, actor="eve")  # content edited, stored hash left as it was
        records[4] = Record(data, records[4].raw_output)
        return records
    _rewrite(written, edit)
    result = verify(written)
    assert not result.ok and result.bad and result.records == 4
    assert (result.bad.problem, result.bad.seq) == (Problem.HASH_MISMATCH, 5)
    assert "record #5" in str(result.bad)


def test_one_edited_byte_in_a_record_file_is_detected(written: AuditBranch) -> None:
    def flip(records: list[Record]) -> list[Record]:
        original = records[2].file_bytes()
        edited = original.replace(b'"approved"', b'"apprOved"', 1)
        assert edited != original
        records[2] = Forged(records[2].data, records[2].raw_output, stored=edited)
        return records
    _rewrite(written, flip)
    bad = verify(written).bad
    assert bad and bad.seq == 3 and bad.problem in (Problem.HASH_MISMATCH, Problem.NOT_CANONICAL)


def test_whitespace_added_to_a_record_file_is_detected(written: AuditBranch) -> None:
    def pad(records: list[Record]) -> list[Record]:
        padded = records[1].file_bytes().replace(b",", b", ", 1)
        records[1] = Forged(records[1].data, records[1].raw_output, stored=padded)
        return records
    _rewrite(written, pad)
    bad = verify(written).bad
    assert bad and (bad.problem, bad.seq) == (Problem.NOT_CANONICAL, 2)


def test_an_edited_record_with_a_recomputed_hash_breaks_the_chain_at_the_next(written: AuditBranch) -> None:
    def edit(records: list[Record]) -> list[Record]:
        records[4] = chain(dict(records[4].data, actor="eve"), records[4].raw_output, seq=5,
                           prev_hash=records[4].data["prev_hash"])
        return records
    _rewrite(written, edit)
    bad = verify(written).bad
    assert bad and (bad.problem, bad.seq) == (Problem.BROKEN_CHAIN, 6)


def test_a_deleted_record_is_named_as_a_gap(written: AuditBranch) -> None:
    _rewrite(written, lambda records: records[:6] + records[7:])
    bad = verify(written).bad
    assert bad and (bad.problem, bad.seq, bad.position) == (Problem.SEQUENCE, 8, 7)
    assert "7..7 are missing" in bad.detail


def test_reordered_records_are_detected(written: AuditBranch) -> None:
    _rewrite(written, lambda r: r[:9] + [r[10], r[9]] + r[11:])
    bad = verify(written).bad
    assert bad and (bad.problem, bad.seq, bad.position) == (Problem.SEQUENCE, 11, 10)


def test_an_inserted_record_is_detected_at_the_record_it_displaces(written: AuditBranch) -> None:
    def insert(records: list[Record]) -> list[Record]:
        fake = chain(dict(records[2].data, record_id="forged", actor="mallory"), None, seq=4,
                     prev_hash=records[2].hash)
        return records[:3] + [fake] + records[3:]
    _rewrite(written, insert)
    bad = verify(written).bad
    assert bad and (bad.problem, bad.seq, bad.position) == (Problem.SEQUENCE, 4, 5)
    assert "inserted" in bad.detail


def test_edited_raw_output_is_detected(written: AuditBranch) -> None:
    def edit(records: list[Record]) -> list[Record]:
        records[5] = Record(records[5].data, (records[5].raw_output or "") + "nothing to see\n")
        return records
    _rewrite(written, edit)
    bad = verify(written).bad
    assert bad and (bad.problem, bad.seq) == (Problem.RAW_MISMATCH, 6)


def test_a_later_commit_that_changes_an_earlier_record_is_detected(written: AuditBranch) -> None:
    head = written.commit(written.head() or "")
    first = _records(written)[0]
    blob = written._writer.write("blob", first.file_bytes().replace(b"alice", b"mallo"))
    tree = written._insert(head.tree, {tuple(first.path.split("/")): blob})
    sneaky = written._writer.write("commit", encode_commit(tree, [head.sha], "fix typo\n", "x <x@x>", 1_800_000_000))
    git(written.repo, "update-ref", written.ref, sneaky)
    bad = verify(written).bad
    assert bad and bad.problem is Problem.UNEXPECTED_CHANGE and bad.position == 19


def test_a_consistently_rewritten_history_is_caught_by_the_witness(written: AuditBranch) -> None:
    witness = written.head() or ""

    def rewrite(records: list[Record]) -> list[Record]:
        records[3] = Record(dict(records[3].data, actor="nobody"), records[3].raw_output)
        return _rechained(records)
    _rewrite(written, rewrite)
    assert verify(written).ok  # a perfect forgery of the whole chain is self-consistent …
    result = verify(written, witness=witness)  # … but it no longer contains the witnessed head
    assert not result.ok and result.witness_ok is False
    assert result.bad and result.bad.problem is Problem.WITNESS_NOT_ANCESTOR


def test_truncating_the_newest_records_is_caught_by_the_witness(written: AuditBranch) -> None:
    witness = written.head() or ""
    git(written.repo, "update-ref", written.ref, f"{witness}~2")
    assert verify(written).ok
    bad = verify(written, witness=witness).bad
    assert bad and bad.problem is Problem.WITNESS_NOT_ANCESTOR


def test_an_unknown_witness_is_reported_with_what_to_do(written: AuditBranch) -> None:
    bad = verify(written, witness="1" * 40).bad
    assert bad and bad.problem is Problem.WITNESS_UNKNOWN and "fetch" in bad.detail


def test_verify_cli_exits_1_and_names_the_first_bad_record(written: AuditBranch, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.main import main
    monkeypatch.setenv("NETOPS_AUDIT_REPO", str(written.repo))
    assert main(["audit", "verify"]) == 0
    assert "audit OK: 18 records" in capsys.readouterr().out
    _rewrite(written, lambda records: records[:6] + records[7:])
    assert main(["audit", "verify"]) == 1
    assert "record #8" in capsys.readouterr().err
    assert main(["audit", "verify", "--json"]) == 1
    assert '"problem": "sequence"' in capsys.readouterr().out
