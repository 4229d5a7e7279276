"""Many writers on one workspace of the local runtime, over real HTTP (issue 19).

Twenty writers, each an admin of the same workspace, run at once: single and bulk
invitations, accepts (the invitee signs in with /_local/tokens and accepts with the link
from the create response, or from the mail in /_local/outbox; every other one looks at
the preview first), role changes (some with an API key, through the key routes), member
permission toggles, suspensions and reactivations, removals, API keys created and then
used. Beside them a flows thread runs the end-to-end flows on the same workspace:
workspace edits, ownership handed back and forth between two people, a member who
joins and leaves. Every shared item (the workspace, its counters, the callers' member
items) is re-checked by each of these changes: with the runtime's fault injection on
(`TEAMSPACE_FAULTS`, local_runtime/faults.py) they cancel each other as DynamoDB would.

Each writer works only on what it made itself (its invitations, the members who came
through them, its keys), so every answer is known in advance: a success, or one of the
refusals the workload asks for on purpose (`probe`: inviting an address with a pending
invitation, 409 INVITATION_PENDING, or a member's, 409 ALREADY_A_MEMBER). Any other
answer is either contention (409 CONCURRENT_UPDATE, 503 with Retry-After: the change
was not made, the writer moves on) or a problem. What the writers got answered with a
success is kept as a model, and after the run the model is compared with what the API
says, read back over HTTP:

- every change answered 2xx has exactly one audit record, by action and target, in the
  audit log and in its export, no event id twice, no record of a refused change, the
  seqs gapless and the chain verifying;
- the members (role, status, toggles), invitations (status) and keys listed are the
  model's, one owner, the one the workspace names, and `memberCount` what the list
  holds;
- each mailed invitation was mailed once; nothing was dead-lettered.

Used by tests/e2e/test_contention.py (in `make test`) and `python -m bench.contention`
(a larger run, into docs/reliability.md).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import boto3
import requests

from local_runtime.aws import find_queue
from local_runtime.soak import Recorder, Sample, problem_code

if TYPE_CHECKING:
    from local_runtime.server import LocalRuntime

WRITERS = 20
# The roles writers give and change between (an admin writer outranks each of them).
ROLES = ("member", "developer", "viewer")
# settings.max_pending_invitations is 100 a workspace: 20 writers with 4 each stay under.
PENDING_PER_WRITER = 4
BULK_SIZE = 3
# settings.invites_per_inviter_per_hour is 50: a writer's admin invites its successor
# (an admin, who accepts) after 44 invitations, and the writer goes on as the successor.
INVITES_PER_IDENTITY = 44
MAIL_EVERY = 4  # every fourth single invitation is mailed: its link is in the outbox
CONCURRENT_UPDATE = "CONCURRENT_UPDATE"
# Audit records that are not a change of the run's: a key's use, per 5-minute window.
SIDE_ACTIONS = frozenset({"ApiKeyUsed", "ApiKeyRejected"})
# What a writer picks from, and how often (weights), when each is possible.
WEIGHTS = {
    "invite": 3,
    "bulk": 1,
    "accept": 4,
    "role": 2,
    "toggle": 2,
    "suspend": 1,
    "remove": 0.5,
    "key": 1,
    "probe": 0.5,
}
CHECK_ATTEMPTS = 20  # a read after the run, again while it meets contention
# What the checks look at, each with its own list of problems found.
CHECKS = (
    "answers",  # every answer a planned one, contention, or a problem
    "audit",  # one record per change, in the log and the export; the chain verifies
    "state",  # members, invitations, keys, the owner and the counters as answered
    "mail",  # each mailed invitation mailed once
    "chain",  # nothing dead-lettered
)
# A path's ids, as its route names them.
ROUTE_PARTS = (
    (re.compile(r"^/v1/workspaces/[^/]+"), "/v1/workspaces/{id}"),
    (re.compile(r"/members/[^/]+"), "/members/{userId}"),
    (re.compile(r"/api-keys/[^/]+"), "/api-keys/{keyId}"),
)
LINK = re.compile(r"https?://\S+?token=([^\s&\"']+)")


@dataclass
class Invitee:
    email: str
    user: str
    invitation_id: str
    role: str
    link_token: str | None  # None: mailed, the link is in the outbox


@dataclass
class Member:
    user: str
    role: str
    status: str = "ACTIVE"
    can_edit_agents: bool | None = None  # as the last answer said


@dataclass(frozen=True)
class Key:
    key_id: str
    name: str
    secret: str  # the key itself, as its creator was given it


@dataclass
class Writer:
    index: int
    identity: str
    token: str
    rng: random.Random
    invites: int = 0  # by `identity` (the hourly limit's count)
    successors: int = 0
    serial: int = 0
    pending: list[Invitee] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    key: Key | None = None  # the writer's API key


@dataclass
class Answer:
    """A request's answer as the workload sees it: what it was (`outcome`: "ok", a
    planned "refusal", "contention", or "unexpected") and the reply."""

    outcome: str
    reply: requests.Response | None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def json(self) -> Any:
        assert self.reply is not None  # noqa: S101 - only read from an answered request
        return self.reply.json() if self.reply.content else {}


@dataclass
class ContentionResult:
    samples: list[Sample]
    elapsed: float
    writers: int
    operations: int  # per writer
    found: dict[str, list[str]]  # what each check (CHECKS) found wrong
    planned: Counter[str]  # the refusals asked for: "409 INVITATION_PENDING" -> count
    changes: int  # changes answered 2xx (audit records expected)
    audit_records: int
    members: int
    faults: dict[str, int] | None  # what the injector injected, by fault; None: not read
    bulk_items: int = 0  # invitations sent in bulk requests answered 200
    bulk_contention: int = 0  # of them, refused with CONCURRENT_UPDATE

    @property
    def problems(self) -> list[str]:
        return [message for found in self.found.values() for message in found]

    @property
    def api(self) -> list[Sample]:
        """The requests to the API (not /_local/...)."""
        return [s for s in self.samples if "/_local/" not in s.route]

    def statuses(self) -> Counter[int | None]:
        return Counter(s.status for s in self.api)

    @property
    def concurrent_updates(self) -> list[Sample]:
        return [s for s in self.api if s.status == 409 and s.code == CONCURRENT_UPDATE]

    @property
    def unavailable(self) -> list[Sample]:
        return [s for s in self.api if s.status == 503]

    def conflict_rate(self) -> float:
        """409 CONCURRENT_UPDATE per request; a bulk request's invitations each count as
        a request (one refused inside its 200 is a 409 for that invitation)."""
        refused = len(self.concurrent_updates) + self.bulk_contention
        return refused / max(1, len(self.api) + self.bulk_items - self._bulk_answered())

    def _bulk_answered(self) -> int:
        return sum(1 for s in self.api if s.route.endswith("/invitations/bulk") and s.status == 200)

    def latency(self, quantile: float) -> float:
        """Of the API requests during the run (not set-up, not the checks)."""
        during = sorted(s.seconds for s in self.api if s.phase == "run")
        if not during:
            return 0.0
        return during[min(len(during) - 1, int(quantile * len(during)))]

    def bar(self) -> list[str]:
        """Where the run misses issue 19's bar (none: met)."""
        found = self.problems
        unanswered = [s for s in self.samples if s.status is None]
        if unanswered:
            found.append(f"{len(unanswered)} requests got no answer: {unanswered[0].error}")
        failed = [
            s
            for s in self.samples
            if s.status is not None and s.status >= 500 and not (s.status == 503 and s.retry_after)
        ]
        if failed:
            kinds = Counter(f"{s.status} {s.code} {s.route}" for s in failed)
            found.append(f"{len(failed)} answers 5xx other than 503 with Retry-After: {kinds}")
        if self.conflict_rate() > 0.01:
            found.append(
                f"409 CONCURRENT_UPDATE on {len(self.concurrent_updates)} of {len(self.api)} "
                f"requests and {self.bulk_contention} of {self.bulk_items} bulk invitations "
                f"({self.conflict_rate():.1%} > 1%)"
            )
        if self.faults is not None and (not self.faults or min(self.faults.values()) == 0):
            found.append(f"the fault injector did not inject every fault asked for: {self.faults}")
        return found

    def summary(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses().items(), key=str))
        return (
            f"{len(self.api)} API requests ({len(self.samples)} with tokens and checks) by "
            f"{self.writers} writers in {self.elapsed:.0f} s; statuses {{{statuses}}}; "
            f"409 CONCURRENT_UPDATE {len(self.concurrent_updates)} and {self.bulk_contention} "
            f"bulk items ({self.conflict_rate():.2%}), "
            f"503 {len(self.unavailable)}, planned refusals {dict(self.planned)}; "
            f"{self.changes} changes, {self.audit_records} audit records, {self.members} "
            f"members; p50 {self.latency(0.5) * 1000:.0f} ms, p95 "
            f"{self.latency(0.95) * 1000:.0f} ms; faults injected {self.faults}; "
            f"problems: {self.bar() or 'none'}"
        )


class Contention:
    """Drives one runtime at `base`: `run()` once.

    `faults` reads what the runtime's fault injector has injected so far (by fault);
    `dead_letters` how many events it has not delivered (`undelivered`; both only where
    the runtime runs in this process; None: not checked)."""

    def __init__(
        self,
        base: str,
        *,
        writers: int = WRITERS,
        seed: int = 19,
        timeout: float = 60.0,
        faults: Callable[[], dict[str, int]] | None = None,
        dead_letters: Callable[[], int] | None = None,
    ) -> None:
        self.recorder = Recorder(base, timeout=timeout)
        self.writer_count = writers
        self.seed = seed
        self._faults = faults
        self._dead_letters = dead_letters
        self._lock = threading.RLock()
        self._expected: Counter[tuple[str, str]] = Counter()
        self._planned: Counter[str] = Counter()
        self._found: dict[str, list[str]] = {kind: [] for kind in CHECKS}
        self._mailed: list[str] = []
        self._outbox: dict[str, list[str]] = {}  # address -> link tokens mailed to it
        self._invitations: dict[str, str] = {}  # email -> status, every invitation made
        self._keys: set[str] = set()  # key names
        self._members: dict[str, Member] = {}  # the members not a writer's own
        self._writers: list[Writer] = []
        self._bulk_contention = 0
        self._bulk_items = 0
        self._done = 0  # operations the writers have finished
        self.workspace_id = ""
        self.name = "Contention"
        self.owner = "cx-owner"
        self.heir = "cx-heir"
        self._tokens: dict[str, str] = {}

    # ---- the run -------------------------------------------------------------------

    def run(
        self,
        operations: int,
        *,
        flow_cycles: int = 4,
        progress: Callable[[str], None] = lambda _message: None,
    ) -> ContentionResult:
        """Each writer does `operations` operations; the flows thread `flow_cycles` cycles
        spread over the run; then the checks."""
        self.recorder.started = time.perf_counter()
        self._set_up()
        total = operations * self.writer_count
        start = threading.Barrier(self.writer_count + 1)
        threads = [
            threading.Thread(target=self._write, args=(writer, operations, start))
            for writer in self._writers
        ]
        threads.append(threading.Thread(target=self._flows, args=(flow_cycles, total, start)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._operations = operations
        self._elapsed = time.perf_counter() - self.recorder.started
        progress(f"run done: {len(self.recorder.samples)} requests in {self._elapsed:.0f} s")
        return self.check()

    def check(self) -> ContentionResult:
        """The checks after the run (again: what the API says now), and the figures."""
        for kind in CHECKS[1:]:  # what the run's answers were stays as found
            self._found[kind] = []
        try:
            self._check_state()
            self._check_audit()
            self._check_mail()
        except RuntimeError as error:
            self._problem("answers", f"the checks could not read: {error}")
        dead = self._dead_letters() if self._dead_letters is not None else 0
        if dead:
            self._problem("chain", f"{dead} events dead-lettered or left in a queue")
        return ContentionResult(
            samples=list(self.recorder.samples),
            elapsed=self._elapsed,
            writers=self.writer_count,
            operations=self._operations,
            found={kind: list(found) for kind, found in self._found.items()},
            planned=Counter(self._planned),
            changes=sum(self._expected.values()),
            audit_records=self._audit_count,
            members=self._member_count,
            faults=self._faults() if self._faults is not None else None,
            bulk_items=self._bulk_items,
            bulk_contention=self._bulk_contention,
        )

    # ---- requests ------------------------------------------------------------------

    def request(
        self,
        phase: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        ok: Iterable[int] = (200,),
        refusal: tuple[int, str] | None = None,
    ) -> Answer:
        """One request, judged: `ok` the success statuses, `refusal` the (status, code)
        asked for on purpose. Anything else that is not contention is a problem."""
        route = route_of(path)
        reply = self.recorder.call(
            method, path, route, phase=phase, token=token, body=body, headers=headers
        )
        if reply is None:
            return Answer("unexpected", None)  # counted from the samples
        status = reply.status_code
        code = problem_code(reply)
        if refusal is None and status in tuple(ok):
            return Answer("ok", reply)
        if refusal is not None and (status, code) == refusal:
            with self._lock:
                self._planned[f"{status} {code}"] += 1
            return Answer("refusal", reply)
        if (status == 409 and code == CONCURRENT_UPDATE) or (
            status == 503 and reply.headers.get("Retry-After")
        ):
            return Answer("contention", reply)
        with self._lock:
            self._problem(
                "answers", f"{method} {route} answered {status} {code or ''}: {reply.text[:300]}"
            )
        return Answer("unexpected", reply)

    def until(self, attempt: Callable[[], Answer], tries: int = CHECK_ATTEMPTS) -> Answer:
        """`attempt` again while it meets contention, waiting as Retry-After says (at
        most a second): what the set-up and the checks must get done."""
        answer = attempt()
        for _ in range(tries - 1):
            if answer.outcome != "contention":
                return answer
            wait = answer.reply.headers.get("Retry-After") if answer.reply is not None else None
            time.sleep(min(1.0, float(wait)) if wait and wait.isdigit() else 0.05)
            answer = attempt()
        return answer

    def _token(self, phase: str, sub: str, email: str | None = None) -> str:
        if sub not in self._tokens:
            reply = self.recorder.call(
                "POST",
                "/_local/tokens",
                "/_local/tokens",
                phase=phase,
                body={"sub": sub, "email": email or f"{sub}@example.com", "name": sub.title()},
            )
            if reply is None or reply.status_code != 200:
                raise RuntimeError(f"no token for {sub}")
            self._tokens[sub] = reply.json()["token"]
        return self._tokens[sub]

    def _problem(self, kind: str, message: str) -> None:
        with self._lock:
            self._found[kind].append(message)

    def _expect(self, *records: tuple[str, str]) -> None:
        with self._lock:
            self._expected.update(records)

    @property
    def _base(self) -> str:
        return f"/v1/workspaces/{self.workspace_id}"

    # ---- set-up ----------------------------------------------------------------------

    def _set_up(self) -> None:
        owner = self._token("setup", self.owner)
        created = self.until(
            lambda: self.request(
                "setup",
                "POST",
                "/v1/workspaces",
                token=owner,
                body={"name": self.name, "type": "simple"},
                ok=(201,),
            )
        )
        if not created.ok:
            raise RuntimeError(f"no workspace: {created.reply and created.reply.text}")
        self.workspace_id = created.json()["workspaceId"]
        self._expect(("WorkspaceCreated", self.workspace_id))
        self._members[self.owner] = Member(self.owner, "owner")
        self._join("setup", owner, self.heir, "admin")
        for index in range(self.writer_count):
            identity = f"cx{index}-admin0"
            self._join("setup", owner, identity, "admin")
            self._writers.append(
                Writer(
                    index,
                    identity,
                    self._token("setup", identity),
                    random.Random(f"{self.seed}-{index}"),  # noqa: S311 - a workload, not a secret
                )
            )

    def _join(self, phase: str, inviter: str, user: str, role: str) -> None:
        """`user` invited by the holder of `inviter` and accepting, whatever contention
        it meets (the set-up, a successor, the flows' member)."""
        email = f"{user}@example.com"
        invited = self.until(
            lambda: self.request(
                phase,
                "POST",
                self._base + "/invitations",
                token=inviter,
                body={"email": email, "role": role, "sendEmail": False},
                ok=(201,),
            )
        )
        if not invited.ok:
            raise RuntimeError(f"{user} could not be invited")
        created = invited.json()
        invitation_id = created["invitationId"]
        self._record_invitation(email, invitation_id)
        token = _link_token(created["acceptUrl"])
        accepted = self.until(lambda: self._accept(phase, user, email, token))
        if not accepted.ok:
            raise RuntimeError(f"{user} could not accept")
        self._accepted(email, invitation_id, user)
        with self._lock:
            self._members[user] = Member(user, role)

    def _record_invitation(self, email: str, invitation_id: str) -> None:
        with self._lock:
            self._invitations[email] = "pending"
        self._expect(("InvitationCreated", invitation_id))

    def _accept(self, phase: str, user: str, email: str, link_token: str) -> Answer:
        return self.request(
            phase,
            "POST",
            "/v1/invitations/accept",
            token=self._token(phase, user, email),
            body={"token": link_token},
        )

    def _accepted(self, email: str, invitation_id: str, user: str) -> None:
        with self._lock:
            self._invitations[email] = "accepted"
        self._expect(("InvitationAccepted", invitation_id), ("MemberJoined", user))

    # ---- the writers -----------------------------------------------------------------

    def _write(self, writer: Writer, operations: int, start: threading.Barrier) -> None:
        start.wait()
        for _ in range(operations):
            try:
                self._operate(writer)
            except Exception as error:  # a driver's fault is a finding, not a crash
                with self._lock:
                    self._problem(
                        "answers", f"writer {writer.index}: {type(error).__name__}: {error}"
                    )
            with self._lock:
                self._done += 1

    def _operate(self, writer: Writer) -> None:
        if writer.invites >= INVITES_PER_IDENTITY:
            self._succeed(writer)
            return
        active = [m for m in writer.members.values() if m.status == "ACTIVE"]
        possible = {
            "invite": len(writer.pending) < PENDING_PER_WRITER,
            "bulk": len(writer.pending) <= PENDING_PER_WRITER - BULK_SIZE,
            "accept": bool(writer.pending),
            "role": bool(active),
            "toggle": bool(active),
            "suspend": bool(writer.members),
            "remove": len(active) > 2,
            "key": True,
            "probe": bool(writer.pending or writer.members),
        }
        names = [name for name, can in possible.items() if can]
        operation = writer.rng.choices(names, weights=[WEIGHTS[n] for n in names])[0]
        writer.serial += 1
        getattr(self, "_op_" + operation)(writer)

    def _op_invite(self, writer: Writer) -> None:
        user = f"cx{writer.index}-{writer.serial}"
        email = f"{user}@example.com"
        role = writer.rng.choice(ROLES)
        mailed = writer.serial % MAIL_EVERY == 0
        writer.invites += 1
        answer = self.request(
            "run",
            "POST",
            self._base + "/invitations",
            token=writer.token,
            body={"email": email, "role": role, "sendEmail": mailed},
            ok=(201,),
        )
        if not answer.ok:
            return
        created = answer.json()
        self._record_invitation(email, created["invitationId"])
        token = None if mailed else _link_token(created["acceptUrl"])
        if mailed:
            with self._lock:
                self._mailed.append(email)
        writer.pending.append(Invitee(email, user, created["invitationId"], role, token))

    def _op_bulk(self, writer: Writer) -> None:
        people = [f"cx{writer.index}-{writer.serial}-{n}" for n in range(BULK_SIZE)]
        roles = {user: writer.rng.choice(ROLES) for user in people}
        writer.invites += BULK_SIZE
        body = {
            "invitations": [
                {"email": f"{user}@example.com", "role": roles[user], "sendEmail": False}
                for user in people
            ]
        }
        answer = self.request(
            "run",
            "POST",
            self._base + "/invitations/bulk",
            token=writer.token,
            body=body,
        )
        if not answer.ok:
            return
        with self._lock:
            self._bulk_items += BULK_SIZE
        for user, result in zip(people, answer.json()["results"], strict=True):
            email = f"{user}@example.com"
            if result.get("status") == "created":
                self._record_invitation(email, result["invitationId"])
                writer.pending.append(
                    Invitee(
                        email,
                        user,
                        result["invitationId"],
                        roles[user],
                        _link_token(result["acceptUrl"]),
                    )
                )
            elif result.get("code") == CONCURRENT_UPDATE:
                with self._lock:
                    self._bulk_contention += 1
            else:
                with self._lock:
                    self._problem("answers", f"bulk invitation of {email} refused: {result}")

    def _op_accept(self, writer: Writer) -> None:
        invitee = writer.pending.pop(0)
        token = invitee.link_token or self._mailed_link(invitee.email)
        if token is None:
            with self._lock:
                self._problem("answers", f"no mail in the outbox for {invitee.email}")
            return
        if writer.serial % 2 == 0:  # as the invitation page does first
            self.request(
                "run",
                "GET",
                "/v1/invitations/preview?token=" + quote(token),
            )
        answer = self._accept("run", invitee.user, invitee.email, token)
        if not answer.ok:
            if answer.outcome == "contention":
                writer.pending.insert(0, invitee)  # the link still works: later
            return
        self._accepted(invitee.email, invitee.invitation_id, invitee.user)
        member = answer.json()["member"]
        writer.members[invitee.user] = Member(
            invitee.user, invitee.role, can_edit_agents=member["permissions"]["canEditAgents"]
        )

    def _mailed_link(self, email: str) -> str | None:
        """The link token mailed to `email`, from the outbox (read again only when a
        mail is not yet known: every writer's mail comes with each read)."""
        with self._lock:
            known = self._outbox.get(email)
        if not known:
            reply = self.recorder.call("GET", "/_local/outbox", "/_local/outbox", phase="run")
            if reply is None or reply.status_code != 200:
                return None
            with self._lock:
                self._outbox = _links_by_address(reply.json())
                known = self._outbox.get(email)
        return known[-1] if known else None

    def _member_path(self, user: str) -> str:
        return f"{self._base}/members/{user}"

    def _op_role(self, writer: Writer) -> None:
        member = writer.rng.choice([m for m in writer.members.values() if m.status == "ACTIVE"])
        role = ROLES[(ROLES.index(member.role) + 1) % len(ROLES)]
        with_key = writer.key is not None and writer.serial % 3 == 0
        answer = self.request(
            "run",
            "PUT",
            self._member_path(member.user) + "/role",
            token=None if with_key else writer.token,
            headers={"X-Api-Key": writer.key.secret} if with_key and writer.key else None,
            body={"role": role},
        )
        if answer.ok:
            member.role = role
            # A role change may reset the toggles to the new role's (as the answer says).
            member.can_edit_agents = answer.json()["permissions"]["canEditAgents"]
            self._expect(("MemberRoleChanged", member.user))

    def _op_toggle(self, writer: Writer) -> None:
        member = writer.rng.choice([m for m in writer.members.values() if m.status == "ACTIVE"])
        value = not member.can_edit_agents
        answer = self.request(
            "run",
            "PATCH",
            self._member_path(member.user),
            token=writer.token,
            body={"permissions": {"canEditAgents": value}},
        )
        if answer.ok:
            member.can_edit_agents = answer.json()["permissions"]["canEditAgents"]
            if member.can_edit_agents != value:
                with self._lock:
                    self._problem("answers", f"toggle of {member.user} answered {answer.json()}")
            self._expect(("MemberUpdated", member.user))

    def _op_suspend(self, writer: Writer) -> None:
        member = writer.rng.choice(list(writer.members.values()))
        suspend = member.status == "ACTIVE"
        action = "suspend" if suspend else "reactivate"
        answer = self.request(
            "run",
            "POST",
            f"{self._member_path(member.user)}/{action}",
            token=writer.token,
        )
        if answer.ok:
            member.status = "SUSPENDED" if suspend else "ACTIVE"
            member.can_edit_agents = answer.json()["permissions"]["canEditAgents"]
            self._expect(("MemberSuspended" if suspend else "MemberReactivated", member.user))

    def _op_remove(self, writer: Writer) -> None:
        member = writer.rng.choice([m for m in writer.members.values() if m.status == "ACTIVE"])
        answer = self.request(
            "run",
            "DELETE",
            self._member_path(member.user),
            token=writer.token,
            ok=(204,),
        )
        if answer.ok:
            del writer.members[member.user]
            self._expect(("MemberRemoved", member.user))

    def _op_key(self, writer: Writer) -> None:
        """A new key for the writer's scripts, its previous one revoked first (a
        workspace holds at most 20 keys)."""
        if writer.key is not None:
            revoked = self.request(
                "run",
                "DELETE",
                f"{self._base}/api-keys/{writer.key.key_id}",
                token=writer.token,
                ok=(204,),
            )
            if not revoked.ok:
                return
            with self._lock:
                self._keys.discard(writer.key.name)
            self._expect(("ApiKeyRevoked", writer.key.key_id))
            writer.key = None
        name = f"cx{writer.index}-key{writer.serial}"
        answer = self.request(
            "run",
            "POST",
            self._base + "/api-keys",
            token=writer.token,
            body={"name": name, "role": "admin"},
            ok=(201,),
        )
        if not answer.ok:
            return
        created = answer.json()
        writer.key = Key(created["keyId"], name, created["key"])
        with self._lock:
            self._keys.add(name)
        self._expect(("ApiKeyCreated", created["keyId"]))
        # The key at once, on the key routes, as the script it was made for would.
        self.request(
            "run",
            "GET",
            self._base + "/members?limit=5",
            headers={"X-Api-Key": writer.key.secret},
        )

    def _op_probe(self, writer: Writer) -> None:
        """An invitation the API must refuse with 409: the address has a pending
        invitation, or is a member's. Nothing may change."""
        if writer.pending and (not writer.members or writer.serial % 2):
            email, code = writer.pending[0].email, "INVITATION_PENDING"
        else:
            email = f"{writer.rng.choice(list(writer.members))}@example.com"
            code = "ALREADY_A_MEMBER"
        writer.invites += 1
        self.request(
            "run",
            "POST",
            self._base + "/invitations",
            token=writer.token,
            body={"email": email, "role": "member", "sendEmail": False},
            refusal=(409, code),
        )

    def _succeed(self, writer: Writer) -> None:
        """The writer's admin is near the hourly invitation limit: it brings in an
        admin who carries on."""
        writer.successors += 1
        successor = f"cx{writer.index}-admin{writer.successors}"
        self._join("run", writer.token, successor, "admin")
        writer.identity, writer.token, writer.invites = successor, self._token("run", successor), 0

    # ---- the flows -------------------------------------------------------------------

    def _flows(self, cycles: int, total: int, start: threading.Barrier) -> None:
        """`cycles` cycles, the k-th once the writers are k/cycles of the way: the
        workspace edited, ownership handed to the other of two people and accepted,
        a member joining and leaving."""
        start.wait()
        for cycle in range(cycles):
            while self._done < total * cycle / cycles:
                time.sleep(0.05)
            try:
                self._flow(cycle)
            except Exception as error:  # reported, as a writer's
                with self._lock:
                    self._problem(
                        "answers", f"flows, cycle {cycle}: {type(error).__name__}: {error}"
                    )

    def _flow(self, cycle: int) -> None:
        owner, heir = (self.owner, self.heir) if cycle % 2 == 0 else (self.heir, self.owner)
        owner_token, heir_token = self._token("run", owner), self._token("run", heir)
        edited = self.request(
            "run",
            "PATCH",
            self._base,
            token=owner_token,
            body={"description": f"Cycle {cycle} of the contention run"},
        )
        if edited.ok:
            self._expect(("WorkspaceUpdated", self.workspace_id))
        requested = self.until(
            lambda: self.request(
                "run",
                "POST",
                self._base + "/ownership-transfer",
                token=owner_token,
                body={"newOwnerId": heir, "confirmName": self.name},
                ok=(202,),
            )
        )
        if not requested.ok:
            raise RuntimeError(f"ownership transfer to {heir} not requested")
        self._expect(("OwnershipTransferRequested", heir))
        accepted = self.until(
            lambda: self.request(
                "run",
                "POST",
                self._base + "/ownership-transfer/accept",
                token=heir_token,
            )
        )
        if not accepted.ok:
            raise RuntimeError(f"ownership transfer to {heir} not accepted")
        self._expect(
            ("OwnershipTransferred", heir),
            ("MemberRoleChanged", heir),
            ("MemberRoleChanged", owner),
        )
        with self._lock:
            self._members[heir].role, self._members[owner].role = "owner", "admin"
        leaver = f"cx-flow-{cycle}"
        self._join("run", heir_token, leaver, "member")
        left = self.until(
            lambda: self.request(
                "run",
                "DELETE",
                self._base + "/members/me",
                token=self._token("run", leaver),
                ok=(204,),
            )
        )
        if not left.ok:
            raise RuntimeError(f"{leaver} could not leave")
        self._expect(("MemberLeft", leaver))
        with self._lock:
            del self._members[leaver]

    # ---- after the run ---------------------------------------------------------------

    _audit_count = 0
    _member_count = 0
    _operations = 0
    _elapsed = 0.0

    def _read(self, path: str, token: str) -> Any:
        answer = self.until(lambda: self.request("check", "GET", path, token=token))
        if not answer.ok:
            raise RuntimeError(f"GET {path} answered {answer.reply and answer.reply.status_code}")
        return answer.json()

    def _read_all(self, path: str, token: str) -> list[dict[str, Any]]:
        """Every item of a list route, page after page."""
        items: list[dict[str, Any]] = []
        cursor = None
        joiner = "&" if "?" in path else "?"
        while True:
            page = self._read(
                path + joiner + "limit=100" + (f"&cursor={quote(cursor)}" if cursor else ""),
                token,
            )
            items.extend(page["items"])
            cursor = page.get("nextCursor")
            if not cursor:
                return items

    def owner_token(self) -> str:
        owners = [m.user for m in self._members.values() if m.role == "owner"]
        return self._token("check", owners[0])

    def _check_state(self) -> None:
        """Members, invitations, keys and the workspace's counters against the model."""
        token = self.owner_token()
        workspace = self._read(self._base, token)
        members = self._read_all(self._base + "/members", token)
        self._member_count = len(members)
        expected = dict(self._members)
        for writer in self._writers:
            expected.update(writer.members)
        listed = {m["userId"]: (m["role"], m["status"]) for m in members}
        modelled = {user: (m.role, m.status) for user, m in expected.items()}
        if listed != modelled:
            self._problem("state", f"members differ from the answers: {_diff(modelled, listed)}")
        toggled = {
            m["userId"]: m["permissions"]["canEditAgents"]
            for m in members
            if m["userId"] in expected and expected[m["userId"]].can_edit_agents is not None
        }
        wanted = {u: expected[u].can_edit_agents for u in toggled}
        if toggled != wanted:
            self._problem("state", f"toggles differ from the answers: {_diff(wanted, toggled)}")
        owners = [m["userId"] for m in members if m["role"] == "owner"]
        if owners != [workspace["ownerId"]]:
            self._problem("state", f"owners {owners}, the workspace names {workspace['ownerId']}")
        if workspace["memberCount"] != len(members):
            self._problem(
                "state", f"memberCount {workspace['memberCount']}, {len(members)} members listed"
            )
        invitations = self._read_all(self._base + "/invitations", token)
        statuses = {i["email"]: i["status"] for i in invitations}
        if statuses != self._invitations:
            self._problem(
                "state",
                f"invitations differ from the answers: {_diff(self._invitations, statuses)}",
            )
        pending = sum(1 for status in statuses.values() if status == "pending")
        for counter in ("pendingInvites", "pendingInvitations"):
            if counter in workspace and workspace[counter] != pending:
                self._problem("state", f"{counter} {workspace[counter]}, {pending} pending listed")
        keys = self._read_all(self._base + "/api-keys", token)
        names = {k["name"] for k in keys}
        if names != self._keys:
            self._problem(
                "state",
                f"keys differ from the answers: missing {sorted(self._keys - names)}, "
                f"extra {sorted(names - self._keys)}",
            )
        for counter in ("apiKeys", "apiKeyCount"):
            if counter in workspace and workspace[counter] != len(keys):
                self._problem("state", f"{counter} {workspace[counter]}, {len(keys)} keys listed")

    def _check_audit(self) -> None:
        """One record per change answered 2xx, in the log and in its export; no event
        twice; a gapless chain that verifies."""
        token = self.owner_token()
        records = self._read_all(self._base + "/audit-log", token)
        self._audit_count = len(records)
        ids = Counter(r["eventId"] for r in records)
        twice = [event for event, n in ids.items() if n > 1]
        if twice:
            self._problem("audit", f"{len(twice)} event ids twice in the audit log: {twice[:5]}")
        seqs = sorted(r["seq"] for r in records)
        if seqs != list(range(1, len(records) + 1)):
            self._problem("audit", f"the audit log's seqs are not 1..{len(records)}")
        found = Counter(
            (r["action"], r["target"]["id"]) for r in records if r["action"] not in SIDE_ACTIONS
        )
        lost, extra = self._expected - found, found - self._expected
        if lost:
            self._problem("audit", f"{sum(lost.values())} changes without a record: {_few(lost)}")
        if extra:
            self._problem(
                "audit",
                f"{sum(extra.values())} records of no change (a duplicate, or left behind by "
                f"a refused request): {_few(extra)}",
            )
        windows = Counter(
            (r["target"]["id"], r["summary"].get("windowStart"))
            for r in records
            if r["action"] == "ApiKeyUsed"
        )
        if any(n > 1 for n in windows.values()):
            self._problem("audit", "an API key's use recorded twice for one window")
        export = self.until(
            lambda: self.request(
                "check",
                "GET",
                self._base + "/audit-log/export?format=jsonl",
                token=token,
            )
        )
        if not export.ok or export.reply is None:
            self._problem("audit", "the audit log could not be exported")
        else:
            exported = Counter(
                json.loads(line)["eventId"] for line in export.reply.text.splitlines() if line
            )
            if exported != ids:
                self._problem(
                    "audit",
                    f"the export holds {sum(exported.values())} records, the log {len(records)}",
                )
        verified = self._read(self._base + "/audit-log/verify", token)
        wanted = {"valid": True, "records": len(records), "firstInvalidSeq": None}
        if verified != wanted:
            self._problem("audit", f"the audit chain: {verified} != {wanted}")

    def _check_mail(self) -> None:
        reply = self.recorder.call("GET", "/_local/outbox", "/_local/outbox", phase="check")
        if reply is None or reply.status_code != 200:
            self._problem("mail", "the outbox could not be read")
            return
        sent = Counter(m["to"] for m in reply.json() if isinstance(m["to"], str))
        wrong = {email: sent[email] for email in self._mailed if sent[email] != 1}
        if wrong:
            self._problem("mail", f"invitations not mailed exactly once: {_few(Counter(wrong))}")


def injected(runtime: LocalRuntime) -> Counter[tuple[str, str]] | None:
    """What the runtime's fault injector has injected, by (fault, operation); None when
    the runtime has no injector."""
    injector = getattr(runtime, "faults", None)
    return Counter(injector.counts) if injector is not None else None


def by_fault(counts: Counter[tuple[str, str]] | None, asked: str) -> dict[str, int] | None:
    """Per fault asked for in `asked` (a TEAMSPACE_FAULTS text), how many were injected."""
    names = [p.split("=")[0].strip() for p in asked.split(",") if "=" in p]
    faults = [n for n in names if n not in ("seed", "limit", "only")]
    if not faults:
        return None  # nothing asked: nothing to prove
    counts = counts or Counter()
    return {fault: sum(n for (f, _), n in counts.items() if f == fault) for fault in faults}


def undelivered(runtime: LocalRuntime) -> int:
    """Events a runtime in this process has not delivered: dead-lettered by its event
    chain, or left in any of the template's queues (a source queue is drained before
    each reply; a dead-letter queue holds what its consumer gave up on)."""
    count = sum(len(events) for events in runtime.chain.dead_letters.values())
    sqs = boto3.client("sqs", region_name=runtime.template.region)
    for resource in runtime.template.resources.values():
        if resource["Type"] != "AWS::SQS::Queue":
            continue
        name = runtime.template.resolve(resource["Properties"])["QueueName"]
        url, _ = find_queue(sqs, name)
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        count += sum(int(n) for n in attributes.values())
    return count


def route_of(path: str) -> str:
    """The route a path of the run's requests is a request of (how its figures group)."""
    route = path.split("?", 1)[0]
    for pattern, template in ROUTE_PARTS:
        route = pattern.sub(template, route)
    return route


def _link_token(url: str) -> str:
    return unquote(url.split("token=", 1)[1].split("&", 1)[0])


def _links_by_address(mails: list[dict[str, Any]]) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for mail in mails:
        found = LINK.search(mail.get("text") or "")
        if found and isinstance(mail.get("to"), str):
            links.setdefault(mail["to"], []).append(unquote(found.group(1)))
    return links


def _diff(wanted: dict[str, Any], found: dict[str, Any]) -> str:
    keys = sorted(set(wanted) | set(found))
    differ = [
        f"{k}: {wanted.get(k)} -> {found.get(k)}" for k in keys if wanted.get(k) != found.get(k)
    ]
    return f"{len(differ)} differ, e.g. {differ[:5]}"


def _few(counts: Counter[Any]) -> str:
    return ", ".join(f"{key} x{n}" for key, n in list(counts.items())[:8])
