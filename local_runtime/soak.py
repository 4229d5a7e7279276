"""A soak of the local runtime over real HTTP: many requests, bursts of concurrent writers.

`make run` is meant to stay up for a working day. This drives a runtime the way a busy
team would: a repeating mix of reads and writes (workspace reads and edits, invitations
created and accepted, role changes, member lists), and every so often a burst of 20
clients writing at the same moment, each on its own new connection (20 accepts of 20
invitations, or 20 edits of one workspace). Every request's latency is kept, with
resident memory as the run goes, every request that got no HTTP answer, and, after the
run, what the event chain must have done exactly once: each invitation mailed once, and
each workspace's audit log holding one record per change and verifying.

It is used by tests/e2e/test_runtime_soak.py (about 1,000 requests, in `make test`) and
by `python -m bench.soak` (10,000, in `make bench`); both start a `LocalRuntime` in
their own process, so resident memory read from /proc/self/status is the runtime's
(and this driver's, which is small and does not grow).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

BURST_SIZE = 20
# settings.invites_per_inviter_per_hour is 50: a workspace (and its owner, the inviter)
# is replaced after this many invitations, so that no request of the soak is refused.
INVITES_PER_TENANT = 40
# Every fifth invitation is mailed: its link goes through stream -> bus -> mailer -> SES.
MAIL_EVERY = 5
ROLES = ("developer", "viewer", "member")
# The audit records each successful change adds to its workspace's log (one per event).
AUDIT_RECORDS = {"create": 1, "patch": 1, "invite": 1, "accept": 2, "role": 1}
# The repeating mix of the sequential part: 4 reads, 6 writes.
CYCLE = (
    "get_workspace",
    "patch",
    "invite",
    "list_members",
    "accept",
    "role",
    "get_permissions",
    "patch",
    "list_workspaces",
    "invite",
)


def rss_mb() -> float:
    """This process's resident memory, in MB (VmRSS of /proc/self/status)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


@dataclass(frozen=True)
class Sample:
    """One request: when it was sent (seconds into the soak), how long its answer took."""

    at: float
    seconds: float
    route: str  # method and route template, e.g. "PATCH /v1/workspaces/{id}"
    # "setup" (warm-up), "run" (the sequential mix), "prepare" (what a burst needs),
    # "burst", or "check" (after the run)
    phase: str
    status: int | None  # None: no HTTP answer (connection reset, refused, timed out)
    error: str | None = None
    code: str | None = None  # a refusal's problem code (RFC 9457 `code`)
    retry_after: str | None = None  # a refusal's Retry-After header, as sent

    @property
    def measured(self) -> bool:
        """A request of the sequential mix to the API: what the latency windows compare
        (a burst's requests wait for each other; tokens are not the API)."""
        return self.phase == "run" and "/_local/" not in self.route


def problem_code(reply: requests.Response) -> str | None:
    """The `code` of a problem+json answer, None for any other answer."""
    if not reply.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        return reply.json().get("code")
    except ValueError:
        return None


class Recorder:
    """Requests to the runtime at `base`, each kept as a `Sample`. Threads may share one:
    each thread keeps its own connection (a request may ask for a new one instead)."""

    def __init__(self, base: str, *, timeout: float = 60.0) -> None:
        self.base = base
        self.timeout = timeout
        self.samples: list[Sample] = []
        self.started = time.perf_counter()  # a sample's `at` counts from here
        self._lock = threading.Lock()
        self._connections = threading.local()

    def call(
        self,
        method: str,
        path: str,
        route: str,
        *,
        phase: str,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        fresh_connection: bool = False,
    ) -> requests.Response | None:
        """One request, recorded (`route` names it in the figures); None: no answer."""
        sent_headers = dict(headers or {})
        if token:
            sent_headers["Authorization"] = f"Bearer {token}"
        sender = requests if fresh_connection else self._session()
        sent = time.perf_counter()
        reply: requests.Response | None = None
        error = None
        try:
            reply = sender.request(
                method, self.base + path, json=body, headers=sent_headers, timeout=self.timeout
            )
        except requests.RequestException as problem:
            error = type(problem).__name__ + ": " + str(problem)[:200]
        refused = reply is not None and not 200 <= reply.status_code < 300
        sample = Sample(
            at=sent - self.started,
            seconds=time.perf_counter() - sent,
            route=f"{method} {route}",
            phase=phase,
            status=reply.status_code if reply is not None else None,
            error=error,
            code=problem_code(reply) if refused else None,
            retry_after=reply.headers.get("Retry-After") if refused else None,
        )
        with self._lock:
            self.samples.append(sample)
        return reply

    def _session(self) -> requests.Session:
        session = getattr(self._connections, "session", None)
        if session is None:
            session = self._connections.session = requests.Session()
        return session


@dataclass
class Tenant:
    """A workspace, its owner, and what the soak did to it (for the audit check)."""

    owner: str
    token: str
    workspace_id: str = ""
    invites: int = 0
    members: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    audit_records: int = 0


@dataclass(frozen=True)
class Pending:
    """An invitation made without mail: its link's token is in the create response."""

    tenant: Tenant
    user: str
    email: str
    link_token: str


@dataclass
class SoakResult:
    samples: list[Sample]
    bursts: int
    rss: list[tuple[int, float]]  # (requests sent so far, resident MB)
    elapsed: float
    problems: list[str]  # what the checks after the run found wrong
    stopped: str | None = None  # why the run stopped before its last request

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def unanswered(self) -> list[Sample]:
        return [s for s in self.samples if s.status is None]

    @property
    def refused(self) -> list[Sample]:
        """Answered, but not with a success: the soak only makes requests that succeed."""
        return [s for s in self.samples if s.status is not None and not 200 <= s.status < 300]

    @property
    def rss_start(self) -> float:
        return self.rss[0][1]

    @property
    def rss_end(self) -> float:
        return self.rss[-1][1]

    @property
    def rss_peak(self) -> float:
        return max(mb for _, mb in self.rss)

    def window(
        self, *, last: bool, seconds: float | None = None, count: int | None = None
    ) -> list[Sample]:
        """The measured samples of the first (or last) `seconds` of the run, or the first
        (or last) `count` of them."""
        measured = [s for s in self.samples if s.measured]
        if count is not None:
            return measured[-count:] if last else measured[:count]
        if seconds is None:
            raise ValueError("a window needs seconds or count")
        if last:
            end = measured[-1].at
            return [s for s in measured if s.at >= end - seconds]
        start = measured[0].at
        return [s for s in measured if s.at < start + seconds]

    def p50(self, *, last: bool, seconds: float | None = None, count: int | None = None) -> float:
        return statistics.median(
            s.seconds for s in self.window(last=last, seconds=seconds, count=count)
        )

    def burst_p50(self) -> float:
        burst = [s.seconds for s in self.samples if s.phase == "burst"]
        return statistics.median(burst) if burst else 0.0

    def burst_max(self) -> float:
        return max((s.seconds for s in self.samples if s.phase == "burst"), default=0.0)

    def writes(self) -> int:
        return sum(
            1
            for s in self.samples
            if s.route.split()[0] in ("POST", "PATCH", "PUT") and "/_local/" not in s.route
        )

    def summary(self) -> str:
        errors = Counter(s.error for s in self.unanswered)
        statuses = Counter((s.route, s.status) for s in self.refused)
        return (
            f"{self.requests} requests ({self.writes()} writes) in {self.elapsed:.0f} s, "
            f"{self.bursts} bursts of {BURST_SIZE}; RSS {self.rss_start:.0f} -> "
            f"{self.rss_end:.0f} MB (peak {self.rss_peak:.0f}); unanswered: "
            f"{len(self.unanswered)} {dict(errors) or ''}; refused: {len(self.refused)} "
            f"{dict(statuses) or ''}; problems: {self.problems or 'none'}"
            + (f"; stopped early: {self.stopped}" if self.stopped else "")
        )


class Soak:
    """Drives one runtime at `base` (http://host:port). Not thread-safe itself: its
    bursts make their own threads."""

    def __init__(self, base: str, *, timeout: float = 60.0) -> None:
        self.base = base
        self._recorder = Recorder(base, timeout=timeout)
        self._samples = self._recorder.samples
        self._started = self._recorder.started
        self._samples_lock = threading.Lock()
        self._tenants: list[Tenant] = []
        self._pending: list[Pending] = []
        self._mailed: list[str] = []
        self._serial = 0
        self._phase = "setup"

    # ---- the run -------------------------------------------------------------------

    def run(
        self,
        total: int,
        *,
        burst_every: int = 100,
        progress: Callable[[str], None] = lambda _message: None,
        rss_every: int = 50,
        rss_limit_mb: float | None = None,
        time_limit: float | None = None,
    ) -> SoakResult:
        """About `total` requests (a burst is not cut short): the sequential mix, with a
        burst of 20 writers after every `burst_every` requests of it, then the checks.

        The run stops early (and says why in `stopped`) once resident memory is above
        `rss_limit_mb` or it has taken `time_limit` seconds: a runtime that grows or
        slows down fails a test in seconds rather than taking the machine with it."""
        self._recorder.started = self._started = time.perf_counter()
        rss = [(0, rss_mb())]
        self._phase = "setup"
        self._new_tenant()
        for name in CYCLE:  # each function once, so that the run itself starts warm
            getattr(self, "_" + name)()
        bursts = 0
        since_burst = 0
        step = 0
        next_rss = rss_every
        stopped = None
        self._phase = "run"
        while len(self._samples) < total and stopped is None:
            if since_burst >= burst_every:
                self._burst("accept" if bursts % 2 == 0 else "patch")
                bursts += 1
                since_burst = 0
            else:
                before = len(self._samples)
                getattr(self, "_" + CYCLE[step % len(CYCLE)])()
                step += 1
                since_burst += len(self._samples) - before
            if len(self._samples) >= next_rss:
                rss.append((len(self._samples), rss_mb()))
                while next_rss <= len(self._samples):  # a burst adds 20 at once
                    next_rss += rss_every
                progress(self._progress(rss[-1][1]))
                if rss_limit_mb is not None and rss[-1][1] > rss_limit_mb:
                    stopped = f"resident memory {rss[-1][1]:.0f} MB > {rss_limit_mb:.0f} MB"
            if time_limit is not None and time.perf_counter() - self._started > time_limit:
                stopped = f"still running after {time_limit:.0f} s"
        elapsed = time.perf_counter() - self._started
        rss.append((len(self._samples), rss_mb()))
        self._phase = "check"
        problems = self._check()
        return SoakResult(list(self._samples), bursts, rss, elapsed, problems, stopped)

    def _progress(self, mb: float) -> str:
        recent = [s.seconds for s in self._samples[-100:] if s.measured]
        p50 = statistics.median(recent) * 1000 if recent else 0.0
        return (
            f"{len(self._samples)} requests, {time.perf_counter() - self._started:.0f} s, "
            f"RSS {mb:.0f} MB, p50 of the last 100: {p50:.1f} ms, "
            f"unanswered: {sum(1 for s in self._samples if s.status is None)}"
        )

    # ---- one request ---------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        route: str,
        *,
        token: str | None = None,
        body: Any = None,
        fresh_connection: bool = False,
    ) -> requests.Response | None:
        """One request, recorded; a burst's requests each open their own connection."""
        phase = "burst" if fresh_connection else self._phase
        return self._recorder.call(
            method,
            path,
            route,
            phase=phase,
            token=token,
            body=body,
            fresh_connection=fresh_connection,
        )

    def _ok(self, reply: requests.Response | None) -> dict[str, Any] | None:
        if reply is None or not 200 <= reply.status_code < 300:
            return None
        return reply.json() if reply.content else {}

    def _token(self, sub: str) -> str:
        reply = self._call(
            "POST",
            "/_local/tokens",
            "/_local/tokens",
            body={"sub": sub, "email": f"{sub}@example.com", "name": sub.title()},
        )
        answer = self._ok(reply)
        if answer is None:
            raise RuntimeError(f"no token for {sub}: {reply.status_code if reply else 'no answer'}")
        return answer["token"]

    def _next(self, prefix: str) -> str:
        self._serial += 1
        return f"soak-{prefix}-{self._serial}"

    # ---- the mix -------------------------------------------------------------------

    @property
    def _tenant(self) -> Tenant:
        return self._tenants[-1]

    def _new_tenant(self) -> None:
        owner = self._next("owner")
        tenant = Tenant(owner=owner, token=self._token(owner))
        created = self._ok(
            self._call(
                "POST",
                "/v1/workspaces",
                "/v1/workspaces",
                token=tenant.token,
                body={"name": f"Soak {owner}", "type": "simple"},
            )
        )
        if created is None:
            raise RuntimeError("the soak could not create a workspace")
        tenant.workspace_id = created["workspaceId"]
        tenant.audit_records += AUDIT_RECORDS["create"]
        self._tenants.append(tenant)

    def _workspace_path(self, tenant: Tenant) -> str:
        return f"/v1/workspaces/{tenant.workspace_id}"

    def _get_workspace(self) -> None:
        tenant = self._tenant
        self._call("GET", self._workspace_path(tenant), "/v1/workspaces/{id}", token=tenant.token)

    def _list_workspaces(self) -> None:
        self._call("GET", "/v1/workspaces", "/v1/workspaces", token=self._tenant.token)

    def _list_members(self) -> None:
        tenant = self._tenant
        self._call(
            "GET",
            self._workspace_path(tenant) + "/members?limit=50",
            "/v1/workspaces/{id}/members",
            token=tenant.token,
        )

    def _get_permissions(self) -> None:
        tenant = self._tenant
        self._call(
            "GET",
            self._workspace_path(tenant) + "/me/permissions",
            "/v1/workspaces/{id}/me/permissions",
            token=tenant.token,
        )

    def _patch(self, tenant: Tenant | None = None, *, fresh_connection: bool = False) -> None:
        tenant = tenant or self._tenant
        with self._samples_lock:
            self._serial += 1
            description = f"Edited by the soak, change {self._serial}"
        reply = self._call(
            "PATCH",
            self._workspace_path(tenant),
            "/v1/workspaces/{id}",
            token=tenant.token,
            body={"description": description},
            fresh_connection=fresh_connection,
        )
        if self._ok(reply) is not None:
            with self._samples_lock:
                tenant.audit_records += AUDIT_RECORDS["patch"]

    def _invite(self) -> None:
        if self._tenant.invites >= INVITES_PER_TENANT:
            self._new_tenant()
        tenant = self._tenant
        user = self._next("user")
        email = f"{user}@example.com"
        mailed = tenant.invites % MAIL_EVERY == 0
        tenant.invites += 1
        created = self._ok(
            self._call(
                "POST",
                self._workspace_path(tenant) + "/invitations",
                "/v1/workspaces/{id}/invitations",
                token=tenant.token,
                body={"email": email, "role": "member", "sendEmail": mailed},
            )
        )
        if created is None:
            return
        tenant.audit_records += AUDIT_RECORDS["invite"]
        if mailed:
            self._mailed.append(email)
        else:
            link = created["acceptUrl"]
            token = link.split("token=", 1)[1].split("&", 1)[0]
            self._pending.append(Pending(tenant, user, email, requests.utils.unquote(token)))

    def _accept(self) -> None:
        if not self._pending:
            self._invite()
            return
        invitation = self._pending.pop(0)
        self._accept_one(invitation, self._token(invitation.user))

    def _accept_one(
        self, invitation: Pending, token: str, *, fresh_connection: bool = False
    ) -> None:
        reply = self._call(
            "POST",
            "/v1/invitations/accept",
            "/v1/invitations/accept",
            token=token,
            body={"token": invitation.link_token},
            fresh_connection=fresh_connection,
        )
        if self._ok(reply) is not None:
            with self._samples_lock:
                invitation.tenant.audit_records += AUDIT_RECORDS["accept"]
                invitation.tenant.members.append(invitation.user)
                invitation.tenant.roles[invitation.user] = "member"

    def _role(self) -> None:
        tenant = self._tenant
        if not tenant.members:
            self._get_permissions()
            return
        user = tenant.members[self._serial % len(tenant.members)]
        self._serial += 1
        current = tenant.roles[user]
        role = ROLES[(ROLES.index(current) + 1) % len(ROLES)]
        reply = self._call(
            "PUT",
            f"{self._workspace_path(tenant)}/members/{user}/role",
            "/v1/workspaces/{id}/members/{userId}/role",
            token=tenant.token,
            body={"role": role},
        )
        if self._ok(reply) is not None:
            tenant.roles[user] = role
            tenant.audit_records += AUDIT_RECORDS["role"]

    # ---- bursts --------------------------------------------------------------------

    def _burst(self, kind: str) -> None:
        """20 writers at once, each on a new connection, released together."""
        self._phase = "prepare"
        if kind == "accept":
            while len(self._pending) < BURST_SIZE:  # made by the sequential mix, as usual
                self._invite()
            invitations = [self._pending.pop(0) for _ in range(BURST_SIZE)]
            tokens = [self._token(i.user) for i in invitations]
            jobs = [
                (lambda i=i, t=t: self._accept_one(i, t, fresh_connection=True))
                for i, t in zip(invitations, tokens, strict=True)
            ]
        else:
            tenant = self._tenant
            jobs = [(lambda: self._patch(tenant, fresh_connection=True)) for _ in range(BURST_SIZE)]
        self._phase = "run"
        start = threading.Barrier(len(jobs))

        def writer(job: Callable[[], None]) -> None:
            start.wait()
            job()

        threads = [threading.Thread(target=writer, args=(job,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # ---- after the run ---------------------------------------------------------------

    def _check(self) -> list[str]:
        """What the event chain must have done exactly once, read back over HTTP."""
        problems = []
        reply = self._call("GET", "/_local/outbox", "/_local/outbox")
        mails = self._ok(reply)
        if mails is None:
            return ["the outbox could not be read"]
        sent = Counter(m["to"] for m in mails if isinstance(m["to"], str))
        wrong = {e: sent[e] for e in self._mailed if sent[e] != 1}
        if wrong:
            problems.append(f"invitations not mailed exactly once: {wrong}")
        for tenant in self._tenants:
            verified = self._ok(
                self._call(
                    "GET",
                    self._workspace_path(tenant) + "/audit-log/verify",
                    "/v1/workspaces/{id}/audit-log/verify",
                    token=tenant.token,
                )
            )
            expected = {"valid": True, "records": tenant.audit_records, "firstInvalidSeq": None}
            if verified != expected:
                problems.append(f"audit log of {tenant.workspace_id}: {verified} != {expected}")
        return problems
