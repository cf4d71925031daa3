"""A fake GitHub REST API v3 on 127.0.0.1, real HTTP in a thread, for PyGithub-driven tests.

Speaks enough for change records: the repository, issues (create, get, edit, list with label and
state filters and `Link` pagination), issue comments and labels. Checks the token, records every
request for assertions, and can be told to answer the next matching requests with GitHub's error
shapes: 401 bad credentials, 403 forbidden, 403 primary rate limit (`X-RateLimit-Remaining: 0`,
`X-RateLimit-Reset`), 403 secondary rate limit (`Retry-After`), 404, 422 validation and 429.
Never binds anything but 127.0.0.1.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_DOCS = "https://docs.github.com/rest"
_ERRORS: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {
    "401": (401, {"message": "Bad credentials"}, {}),
    "403": (403, {"message": "Resource not accessible by personal access token"}, {}),
    "404": (404, {"message": "Not Found"}, {}),
    "422": (422, {"message": "Validation Failed",
                  "errors": [{"resource": "Issue", "code": "invalid", "field": "labels"}]}, {}),
    "429": (429, {"message": "Too many requests"}, {"Retry-After": "30"}),
    "rate_limit": (403, {"message": "API rate limit exceeded for user ID 1."}, {"X-RateLimit-Remaining": "0"}),
    "secondary_rate_limit": (403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                                              "before you try again."}, {"Retry-After": "60"}),
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    @property
    def text(self) -> str:
        return json.dumps(self.body) if self.body is not None else ""


@dataclass
class _Failure:
    kind: str
    times: int
    method: str | None
    path: str | None


@dataclass
class _Repo:
    owner: str
    name: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub:
    """`with FakeGitHub(repos=["acme/netops"], token="t") as gh:` then `Github(base_url=gh.url, ...)`."""

    def __init__(self, repos: tuple[str, ...] | list[str] = ("acme/netops",), token: str = "test-token",
                 prefix: str = "") -> None:
        """`prefix="/api/v3"` serves the API where GitHub Enterprise Server does."""
        self.tokens = {token}
        self.prefix = prefix.rstrip("/")
        self.requests: list[RecordedRequest] = []
        self._repos = {name: _Repo(*name.split("/", 1)) for name in repos}
        self._failures: list[_Failure] = []
        self._ids = iter(range(1000, 10**9))
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            github = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-github", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The API base URL to give PyGithub."""
        return self.root + self.prefix

    # -- test controls ---------------------------------------------------------------------------

    def fail(self, kind: str, *, times: int = 1, method: str | None = None, path: str | None = None) -> None:
        """Answer the next `times` matching requests with error `kind` (see module docstring)."""
        if kind not in _ERRORS:
            raise ValueError(f"unknown failure {kind!r}; one of {sorted(_ERRORS)}")
        with self._lock:
            self._failures.append(_Failure(kind, times, method, path))

    def issues(self, repo: str = "acme/netops") -> list[dict[str, Any]]:
        with self._lock:
            return [dict(i) for i in self._repos[repo].issues.values()]

    def comments(self, number: int, repo: str = "acme/netops") -> list[str]:
        with self._lock:
            return [c["body"] for c in self._repos[repo].comments.get(number, [])]

    def calls(self, method: str | None = None, contains: str = "") -> list[RecordedRequest]:
        return [r for r in self.requests if (method is None or r.method == method) and contains in r.path]

    # -- request handling (called from the server thread) ----------------------------------------

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if (failure.method in (None, method)) and (failure.path is None or failure.path in path):
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: Any
               ) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(raw_path)
        if not parts.path.startswith(self.prefix + "/"):
            return _not_found()
        path = parts.path[len(self.prefix):]
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, dict(headers), body))
        auth = headers.get("authorization", "")
        if auth.split(" ", 1)[-1] not in self.tokens:
            return 401, {"message": "Bad credentials", "documentation_url": _DOCS}, {}
        failure = self._take_failure(method, path)
        if failure:
            status, payload, extra = _ERRORS[failure.kind]
            extra = dict(extra)
            if failure.kind == "rate_limit":
                extra["X-RateLimit-Reset"] = str(int(time.time()) + 120)
            return status, {**payload, "documentation_url": _DOCS}, extra
        with self._lock:
            return self._route(method, path, query, body)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any, dict[str, str]]:
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        repo = self._repos.get(f"{match.group(1)}/{match.group(2)}") if match else None
        if not match or repo is None:
            return _not_found()
        rest = match.group(3) or ""
        if rest == "" and method == "GET":
            return 200, self._repo_json(repo), {}
        if rest == "/issues" and method == "GET":
            return self._list_issues(repo, query)
        if rest == "/issues" and method == "POST":
            return self._create_issue(repo, body or {})
        if rest == "/labels" and method == "GET":
            return 200, list(repo.labels.values()), {}
        if rest == "/labels" and method == "POST":
            name = (body or {}).get("name")
            if not name or name in repo.labels:
                return _invalid("Label", "name", "already_exists" if name else "missing_field")
            return 201, self._label(repo, name, (body or {}).get("color", "ededed")), {}
        found = re.fullmatch(r"/labels/([^/]+)", rest)
        if found and method == "GET":
            label = repo.labels.get(unquote(found.group(1)))
            return (200, label, {}) if label else _not_found()
        found = re.fullmatch(r"/issues/(\d+)(/comments|/labels)?", rest)
        if not found or int(found.group(1)) not in repo.issues:
            return _not_found()
        issue = repo.issues[int(found.group(1))]
        sub = found.group(2)
        if sub is None and method == "GET":
            return 200, issue, {}
        if sub is None and method == "PATCH":
            return self._edit_issue(repo, issue, body or {})
        if sub == "/comments" and method == "GET":
            return 200, repo.comments.get(issue["number"], []), {}
        if sub == "/comments" and method == "POST":
            text = (body or {}).get("body")
            if not text:
                return _invalid("IssueComment", "body", "missing_field")
            return 201, self._comment(repo, issue, text), {}
        if sub == "/labels" and method == "POST":
            names = body.get("labels", []) if isinstance(body, dict) else list(body or [])
            for name in names:
                name = unquote(name)
                if name not in {label["name"] for label in issue["labels"]}:
                    issue["labels"].append(repo.labels.get(name) or self._label(repo, name))
            issue["updated_at"] = _now()
            return 200, issue["labels"], {}
        return _not_found()

    def _base(self, repo: _Repo) -> str:
        return f"{self.url}/repos/{repo.owner}/{repo.name}"

    def _repo_json(self, repo: _Repo) -> dict[str, Any]:
        return {"id": 1, "name": repo.name, "full_name": f"{repo.owner}/{repo.name}", "private": True,
                "owner": {"login": repo.owner, "id": 2, "type": "Organization"}, "url": self._base(repo),
                "html_url": f"{self.root}/{repo.owner}/{repo.name}", "has_issues": True,
                "default_branch": "main", "created_at": "2025-01-01T00:00:00Z", "updated_at": _now()}

    def _label(self, repo: _Repo, name: str, color: str = "ededed") -> dict[str, Any]:
        label = {"id": next(self._ids), "name": name, "color": color, "description": None, "default": False,
                 "url": f"{self._base(repo)}/labels/{name}"}
        repo.labels[name] = label
        return label

    def _create_issue(self, repo: _Repo, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if not body.get("title"):
            return _invalid("Issue", "title", "missing_field")
        number = max(repo.issues, default=0) + 1
        url = f"{self._base(repo)}/issues/{number}"
        issue = {"id": next(self._ids), "number": number, "title": body["title"], "body": body.get("body"),
                 "state": "open", "locked": False, "comments": 0, "url": url, "comments_url": f"{url}/comments",
                 "labels_url": f"{url}/labels{{/name}}", "repository_url": self._base(repo),
                 "html_url": f"{self.root}/{repo.owner}/{repo.name}/issues/{number}",
                 "user": {"login": "netops-bot", "id": 3, "type": "Bot"}, "created_at": _now(), "updated_at": _now(),
                 "closed_at": None, "labels": []}
        for name in body.get("labels") or []:
            issue["labels"].append(repo.labels.get(name) or self._label(repo, name))
        repo.issues[number] = issue
        return 201, issue, {}

    def _edit_issue(self, repo: _Repo, issue: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if "state" in body and body["state"] not in ("open", "closed"):
            return _invalid("Issue", "state", "invalid")
        for key in ("title", "body", "state"):
            if key in body:
                issue[key] = body[key]
        if "labels" in body:
            issue["labels"] = [repo.labels.get(n) or self._label(repo, n) for n in body["labels"]]
        issue["updated_at"] = _now()
        return 200, issue, {}

    def _comment(self, repo: _Repo, issue: dict[str, Any], text: str) -> dict[str, Any]:
        comment_id = next(self._ids)
        comment = {"id": comment_id, "body": text, "user": {"login": "netops-bot", "id": 3, "type": "Bot"},
                   "created_at": _now(), "updated_at": _now(),
                   "url": f"{self._base(repo)}/issues/comments/{comment_id}",
                   "html_url": f"{issue['html_url']}#issuecomment-{comment_id}", "issue_url": issue["url"]}
        repo.comments.setdefault(issue["number"], []).append(comment)
        issue["comments"] += 1
        return comment

    def _list_issues(self, repo: _Repo, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        state = query.get("state", ["open"])[0]
        wanted = {n for n in query.get("labels", [""])[0].split(",") if n}
        issues = [i for i in sorted(repo.issues.values(), key=lambda i: -i["number"])
                  if (state == "all" or i["state"] == state) and wanted <= {label["name"] for label in i["labels"]}]
        per_page = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        chunk = issues[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(issues):
            params = "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "page")
            headers["Link"] = f'<{self._base(repo)}/issues?{params}&page={page + 1}>; rel="next"'
        return 200, chunk, headers


def _not_found() -> tuple[int, Any, dict[str, str]]:
    return 404, {"message": "Not Found", "documentation_url": _DOCS}, {}


def _invalid(resource: str, name: str, code: str) -> tuple[int, Any, dict[str, str]]:
    return 422, {"message": "Validation Failed", "errors": [{"resource": resource, "field": name, "code": code}],
                 "documentation_url": _DOCS}, {}


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; Nagle plus delayed ACK would add ~40 ms to each answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — keep test output quiet
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra = self.github.handle(self.command, self.path, headers, body)
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-RateLimit-Limit", "5000")
        if "X-RateLimit-Remaining" not in extra:
            self.send_header("X-RateLimit-Remaining", "4999")
            self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve
