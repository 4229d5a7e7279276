"""The local HTTP server: template.yaml's routes on 127.0.0.1, plus the /_local endpoints.

Each request is authorized as API Gateway's JWT authorizer would (a public route, with no
authorizer in the template, is not), turned into the HTTP API v2 event its function
would receive in AWS, and handed to that function's real handler in-process. Requests
run one at a time, as each Lambda instance does (and as moto needs: it is not safe for
concurrent use): whatever touches moto runs under one lock. Data lives in moto's memory
for as long as the process does; what moto would keep beyond that data is let go after
every request (local_runtime/moto_tuning.py, issue 14).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from local_runtime.addresses import front_page
from local_runtime.apigw import (
    authorizer_event,
    build_event,
    presents_key,
    scheduled_event,
    to_http,
)
from local_runtime.aws import EmulatedAws
from local_runtime.bus import BusRequest, put_on_bus
from local_runtime.events import EventChain
from local_runtime.faults import FaultSpec, Injector
from local_runtime.faults import from_environment as faults_from_environment
from local_runtime.idp import PREFIX as IDP_PREFIX
from local_runtime.idp import LocalIdentityProvider
from local_runtime.lambdas import LocalFunction, share_environment
from local_runtime.mailbox import Mailbox
from local_runtime.moto_tuning import forget_tracked_instances
from local_runtime.sign_in import PoolSignIn, SignedIn, SignInRefused, SignInRequest
from local_runtime.template import Route, Template
from local_runtime.tokens import AUDIENCE, LocalIssuer, PoolTokens, TokenRejected, issuer_of
from teamspace import wiring
from teamspace.core.clock import SystemClock
from teamspace.core.ids import UlidGenerator
from tools import openapi

log = logging.getLogger("teamspace.local")

# The function the key API authorizes API keys with (template.yaml).
KEY_AUTHORIZER = "ApiKeyAuthorizerFunction"
MAX_REQUEST_BYTES = 1024 * 1024
QUERY = re.compile(r"\?[^\s'\"]*")
# The function Cognito runs after each sign-in (template.yaml's PostAuthentication trigger).
POST_AUTHENTICATION = "PostAuthenticationFunction"


class Server(ThreadingHTTPServer):
    """socketserver listens with a backlog of 5: of 20 clients connecting at once while a
    request held the process, those beyond it were reset without an answer (1 to 5 of
    the 20 here, issue 14). The kernel caps the backlog at net.core.somaxconn (4096 on
    current Linux)."""

    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its reply (a timeout, Ctrl-C in curl) is not the
        runtime's failure: one line, not socketserver's traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.info("%s hung up before its reply", client_address[0])
            return
        super().handle_error(request, client_address)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sub: str = Field(min_length=1, max_length=128)
    email: str = Field(min_length=3, max_length=254)
    name: str | None = None
    emailVerified: bool = True
    # Local-only knobs for testing the authorizer: a lifetime (negative: already
    # expired) and another audience.
    expiresIn: int = Field(default=3600, ge=-86400, le=86400)
    audience: str = AUDIENCE
    # Authentication methods, as an OIDC `amr` claim: ["pwd", "mfa"] shows MFA.
    amr: list[str] | None = None


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: AwareDatetime | None = None


def _problem(status: int, code: str, detail: str) -> tuple[int, dict[str, str], bytes]:
    body = {
        "type": "https://teamspace.dev/problems/" + code.lower().replace("_", "-"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return status, {"content-type": "application/problem+json"}, json.dumps(body).encode()


STATIC = Path(__file__).resolve().parent / "static"
# /docs: Swagger UI as aws-lambda-powertools ships it, so that the page renders offline,
# and a script of ours that starts it (no inline script, for the page's CSP).
SWAGGER_UI = files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
DOCS_FILES = {
    "/docs": (STATIC / "docs.html", "text/html; charset=utf-8"),
    "/docs/docs.js": (STATIC / "docs.js", "text/javascript; charset=utf-8"),
    "/docs/swagger-ui-bundle.min.js": (
        SWAGGER_UI / "swagger-ui-bundle.min.js",
        "text/javascript; charset=utf-8",
    ),
    "/docs/swagger-ui.min.css": (SWAGGER_UI / "swagger-ui.min.css", "text/css; charset=utf-8"),
}
# Swagger UI sets style attributes as it draws (hence 'unsafe-inline' for styles only)
# and its icons are data: URIs.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body).encode()


class LocalRuntime:
    """The whole suite on one port. `start()` serves in a thread; `serve()` blocks."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 3000,
        template: Template | None = None,
        faults: FaultSpec | None = None,
    ):
        # DynamoDB's conflicts, throttles and errors, injected once the runtime is up
        # (local_runtime/faults.py); TEAMSPACE_FAULTS when not given.
        self.fault_spec = faults_from_environment() if faults is None else faults
        self.faults: Injector | None = None
        self._server = Server((host, port), self._request_handler())
        self.template = template or Template()
        # Links in mail point back here, where the accept endpoint can be called.
        self.template.parameters["AcceptUrlBase"] = f"{self.url}/accept"
        # and the welcome mail's sign-in link, here.
        self.template.parameters["AppUrl"] = self.url
        # A developer's own mail catcher on 127.0.0.1 may be a workspace's SMTP server.
        self.template.parameters["SmtpAllowPrivateHosts"] = "true"
        self.aws = EmulatedAws(self.template)
        self.issuer = LocalIssuer()
        self.pool_tokens: PoolTokens | None = None
        self.sign_in: PoolSignIn | None = None
        self.identity_provider: LocalIdentityProvider | None = None
        # HttpApi's routes, then the invitation page's (on an API of its own in AWS);
        # each public or not as the template says.
        self.routes = self.template.http_routes() + self.template.page_routes()
        # What the key API serves, on the same port here: a request with a key goes to
        # it (KeyApi in AWS, a base URL of its own), with its stage variables.
        self.key_routes = {route.route_key for route in self.template.http_routes("KeyApi")}
        self.key_stage_variables = self.template.stage_variables("KeyApi")
        specs = self.template.functions()
        share_environment(list(specs.values()))
        self.functions = {name: LocalFunction(spec) for name, spec in specs.items()}
        # Nothing else reads the stream here: records are dropped once the chain has them.
        self.chain = EventChain(self.template, self.functions, trim_read_records=True)
        self.mailbox = Mailbox(self.template)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._openapi: bytes | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalRuntime:
        self._prepare()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve(self) -> None:
        self._prepare()
        try:
            self._server.serve_forever()
        finally:
            self.stop()

    def _prepare(self) -> None:
        self.aws.start()
        self.chain.start()
        # The pool exists only now: its id is what the functions' USER_POOL_ID names.
        pool, client = self.aws.user_pool_id, self.aws.user_pool_client_id
        os.environ["USER_POOL_ID"] = pool
        self.pool_tokens = PoolTokens(self.template.region, pool, client)
        self.sign_in = PoolSignIn(self.template.region, pool, client)
        # The invitation page signs people in here, at the hosted UI's paths.
        page = self.template.parameters["AcceptUrlBase"]
        self.identity_provider = LocalIdentityProvider(
            self.issuer, client, [page, page.replace("127.0.0.1", "localhost")], self._pool_sign_in
        )
        os.environ.update(IDP_URL=self.url + IDP_PREFIX, IDP_CLIENT_ID=client, API_URL=self.url)
        # Handlers build their clients once per cold start; start them cold against moto.
        wiring.configure(clock=SystemClock(), ids=UlidGenerator())
        # Last: setting up the account is not faulted, every DynamoDB call after it may be.
        self.faults = self.aws.inject_faults(self.fault_spec)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:  # a request still in flight finishes before moto goes away
            self.aws.stop()

    # ---- dispatch --------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(target)
        path, query = split.path, split.query
        if path.startswith(IDP_PREFIX + "/") and self.identity_provider is not None:
            answer = self.identity_provider.handle(method, path, query, body)
            if answer is not None:
                return answer
        if path.startswith("/_local/"):
            return self._local(method, path, body)
        if (method, path) == ("GET", "/"):
            return front_page(self.url)
        if method == "GET" and path in DOCS_FILES:
            file, content_type = DOCS_FILES[path]
            headers = {"content-type": content_type, "content-security-policy": DOCS_POLICY}
            return 200, headers, file.read_bytes()
        if method == "GET" and path == "/openapi.json":
            with self._lock:  # it loads every function's module, as an invocation would
                return self._api_document()
        for route in self.routes:
            path_parameters = route.match(method, path)
            if path_parameters is None:
                continue
            request = {
                "route": route,
                "path_parameters": path_parameters,
                "method": method,
                "path": path,
                "query": query,
                "headers": headers,
                "body": body,
                "source_ip": source_ip,
            }
            if not route.public and presents_key(headers):
                return self._with_key(route, request)
            try:
                claims = None if route.public else self._claims(headers.get("authorization"))
            except TokenRejected:
                return _problem(401, "UNAUTHENTICATED", "A valid bearer token is required")
            event = build_event(**request, claims=claims)
            return to_http(self._invoke(route.function, event))
        return _problem(404, "ROUTE_NOT_FOUND", f"No route for {method} {path}")

    def _with_key(self, route: Route, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        """A request with an API key (`build_event`'s arguments but the caller's), as
        the key API serves it: the key authorizer first (its refusal is API Gateway's
        own 403), then the route's function with what the authorizer let it through
        with."""
        if route.route_key not in self.key_routes:  # API Gateway's own answer
            return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
        key_request = authorizer_event(
            build_event(**request, claims=None), self.key_stage_variables
        )
        answer = self._invoke(KEY_AUTHORIZER, key_request)
        if not answer.get("isAuthorized"):
            return 403, {"content-type": "application/json"}, b'{"message":"Forbidden"}'
        event = build_event(**request, claims=None, key_context=answer.get("context") or {})
        return to_http(self._invoke(route.function, event))

    def _claims(self, authorization: str | None) -> dict[str, Any]:
        """A local token's claims, or the emulated pool's (by the token's issuer)."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        if self.pool_tokens is not None and issuer_of(token) == self.pool_tokens.issuer:
            return self.pool_tokens.verify(token)
        return self.issuer.verify(authorization)

    def _sign_in(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """POST /_local/sign-in: a password sign-in through the emulated pool."""
        try:
            request = SignInRequest.model_validate_json(body or b"{}")
        except ValidationError as error:
            fields = [".".join(map(str, e["loc"])) for e in error.errors()]
            return _problem(422, "VALIDATION_FAILED", f"Invalid fields: {', '.join(fields)}")
        if self.sign_in is None:
            return _problem(404, "ROUTE_NOT_FOUND", "The runtime has not started")
        try:
            signed_in = self._pool_sign_in(request)
        except SignInRefused as refused:
            status = 422 if refused.code == "PASSWORD_TOO_WEAK" else 401
            return _problem(status, refused.code, refused.detail)
        return _json(200, {"token": signed_in.token})

    def _pool_sign_in(self, request: SignInRequest) -> SignedIn:
        """The emulated pool signs the person in; its post-authentication trigger runs.
        SignInRefused when the pool refuses."""
        assert self.sign_in is not None  # noqa: S101 - only called once the runtime runs
        with self._lock:
            signed_in = self.sign_in.sign_in(request)
        self._invoke(POST_AUTHENTICATION, self.sign_in.trigger_event(signed_in))
        return signed_in

    def _api_document(self) -> tuple[int, dict[str, str], bytes]:
        """The OpenAPI document the code describes (Swagger UI shows it at /docs)."""
        if self._openapi is None:
            document = openapi.build(self.template)
            document["servers"] = [{"url": self.url, "description": "this local runtime"}]
            self._openapi = openapi.render(document).encode()
        return 200, {"content-type": "application/json"}, self._openapi

    def _local(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if (method, path) == ("GET", "/_local/health"):
            return _json(200, {"status": "ok"})
        if (method, path) == ("POST", "/_local/tokens"):
            try:
                request = TokenRequest.model_validate_json(body or b"{}")
            except ValidationError as error:
                fields = [".".join(map(str, e["loc"])) for e in error.errors()]
                return _problem(422, "VALIDATION_FAILED", f"Invalid fields: {', '.join(fields)}")
            token = self.issuer.issue(
                sub=request.sub,
                email=request.email,
                name=request.name,
                email_verified=request.emailVerified,
                lifetime_seconds=request.expiresIn,
                audience=request.audience,
                extra_claims={"amr": request.amr} if request.amr is not None else None,
            )
            return _json(200, {"token": token})
        if (method, path) == ("POST", "/_local/sign-in"):
            return self._sign_in(body)
        if (method, path) == ("GET", "/_local/outbox"):
            with self._lock:
                return _json(200, self.mailbox.messages())
        if (method, path) == ("POST", "/_local/jobs/expire-invitations"):
            return self._run_expiry(body)
        if (method, path) == ("POST", "/_local/bus"):
            return self._put_on_bus(body)
        return _problem(404, "ROUTE_NOT_FOUND", f"No local endpoint {method} {path}")

    def _run_expiry(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Run the scheduled expiry function now, as its schedule would; `now` overrides
        the clock for that run (it is the schedule event's `time`)."""
        try:
            request = JobRequest.model_validate_json(body or b"{}")
        except ValidationError:
            return _problem(422, "VALIDATION_FAILED", "now must be an ISO-8601 UTC timestamp")
        function = self.template.scheduled_function()
        now = request.now or datetime.now(UTC)
        report = self._invoke(function, scheduled_event(function, now))
        # The function's report, in the API's camelCase: {read, expired, lostRaces, ...}.
        return _json(200, {to_camel(name): value for name, value in report.items()})

    def _put_on_bus(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """POST /_local/bus: one event on the bus as another service would put it, and
        everything the template's rules make of it, before the 202."""
        try:
            request = BusRequest.model_validate_json(body or b"{}")
        except ValidationError as error:
            fields = [".".join(map(str, e["loc"])) or "body" for e in error.errors()]
            return _problem(422, "VALIDATION_FAILED", f"Invalid fields: {', '.join(fields)}")
        with self._lock:
            try:
                event_id = put_on_bus(self.chain.events, self.template.event_bus_name(), request)
            except ValueError as refused:
                return _problem(422, "VALIDATION_FAILED", str(refused))
            self.chain.drain()
            forget_tracked_instances()
        return _json(202, {"id": event_id})

    def _invoke(self, function: str, event: dict[str, Any]) -> Any:
        """One invocation and all it set in motion, alone against moto."""
        with self._lock:
            result = self.functions[function].invoke(event)
            # What the change set in motion (events, mail) happens before the reply,
            # so that a client sees the settled state.
            self.chain.drain()
            self.mailbox.collect()
            # moto's record of every object it made, freed or not: nothing reads it here.
            forget_tracked_instances()
        return result

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes; with Nagle's algorithm the
            # body waited for the client's delayed ACK of the headers: 40 ms per reply.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BYTES:
                    status, headers, payload = _problem(
                        413, "BODY_TOO_LARGE", "The request body is too large"
                    )
                    self.close_connection = True
                else:
                    body = self.rfile.read(length) if length else b""
                    try:
                        status, headers, payload = runtime.handle(
                            self.command,
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            self.client_address[0],
                        )
                    except Exception:
                        log.exception("local runtime failed")
                        status, headers, payload = _problem(
                            502, "LAMBDA_FAILED", "The function raised instead of answering"
                        )
                self.send_response(status)
                for name, value in headers.items():
                    if name != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":  # a HEAD reply says its length, sends no body
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def __getattr__(self, name: str) -> Any:
                # Any other method (TRACE, QUERY, ...) gets the "no route" problem, as
                # API Gateway answers it, rather than http.server's HTML 501.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                # Request lines (and errors quoting them) without their queries: an
                # invitation link's token (the page, GET /v1/invitations/preview) and a
                # sign-in's code travel in queries, and never reach a log; API Gateway's
                # access log (template.yaml) names the route, never the query, either.
                log.info("%s %s", self.address_string(), QUERY.sub("?...", format % args))

        return Handler
