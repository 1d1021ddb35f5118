"""The simulated GitHub Copilot usage metrics API: daily reports behind signed download links.

As GitHub does it: `GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=YYYY-MM-DD` (one day
per call; a Bearer or `token` credential; `X-GitHub-Api-Version` 2022-11-28 or 2026-03-10, any
other value a 400) answers `{"download_links": [...], "report_day": ...}`; the NDJSON, one line
per user (`user_login`, `user_id`: no email), is behind the links, which carry a signature and
an expiry (`se`, `sig`) and answer 403 once expired or altered. The last ~3 days are restated
(sandbox/ai_usage.py). Reports exist from 2025-10-10, at most one year back, up to yesterday
(422 otherwise). The old `GET /orgs/{org}/copilot/metrics` was shut down on 2026-04-02: 404.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from itertools import count
from typing import Any

from sandbox.ai_usage import Usage, UsageWorld
from sandbox.framework import SimResponse
from sandbox.http_api import ApiError, HttpApi, Request, Route

ORG = "acme"
API_VERSIONS = ("2022-11-28", "2026-03-10")
FIRST_REPORT_DAY = date(2025, 10, 10)
DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"


def token(seed: int) -> str:
    return "ghp_" + hashlib.sha256(f"copilot|{seed}".encode()).hexdigest()[:36]


def user_id(login: str) -> int:
    return 10_000_000 + int(hashlib.sha256(login.encode()).hexdigest()[:6], 16)


def user_record(day: date, login: str, usages: list[Usage]) -> dict[str, Any]:
    """One NDJSON line of the users-1-day report: a user's day, by feature and by model."""

    def activity(feature: str, u: Usage) -> dict[str, Any]:
        completion = feature == "code_completion"
        agent = u.counts["agent_requests"]
        prompts = {"chat_panel_ask_mode": u.requests - agent, "chat_panel_agent_mode": agent}.get(feature, 0)
        return {
            "feature": feature,
            "user_initiated_interaction_count": prompts,
            "code_generation_activity_count": u.counts["suggestions"] if completion else 0,
            "code_acceptance_activity_count": u.counts["acceptances"] if completion else 0,
            "loc_suggested_to_add_sum": u.counts["lines_suggested"] if completion else 0,
            "loc_suggested_to_delete_sum": 0,
            "loc_added_sum": u.counts["lines_accepted"] if completion else 0,
            "loc_deleted_sum": 0,
        }

    features = ("code_completion", "chat_panel_ask_mode", "chat_panel_agent_mode")
    by_model = [{"model": u.model, **activity(f, u)} for u in usages for f in features]
    totals = {
        key: sum(row[key] for row in by_model) for key in by_model[0] if key.endswith(("_count", "_sum"))
    }
    by_feature = [
        {"feature": f, **{k: sum(r[k] for r in by_model if r["feature"] == f) for k in totals}}
        for f in features
    ]
    return {
        "day": day.isoformat(),
        "organization_id": "4001",
        "enterprise_id": None,
        "user_id": user_id(login),
        "user_login": login,
        **totals,
        "used_agent": any(u.counts["agent_requests"] for u in usages),
        "used_chat": True,
        "ai_credits_used": round(sum(u.counts["credits_cents"] for u in usages) / 100, 2),
        "totals_by_ide": [{"ide": "vscode", **totals}],
        "totals_by_feature": by_feature,
        "totals_by_model_feature": by_model,
    }


class CopilotSimulator(HttpApi):
    name = "copilot"
    ROUTES = (
        Route("GET", "/orgs/{org}/copilot/metrics/reports/users-1-day", "users_report", "_users_report"),
        Route("GET", "/orgs/{org}/copilot/metrics", "metrics", "_metrics"),
        Route("GET", "/reports/{report}/{file}", "download", "_download"),
    )
    OPEN_ENDPOINTS = frozenset({"download"})  # signed links: no token, the signature is checked

    def __init__(self, *, file_rows: int = 15, link_seconds: float = 300.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.world = UsageWorld(self.seed, self.scale)
        self.key = token(self.seed)
        self.file_rows = file_rows
        self.link_seconds = link_seconds
        self._signing_key = hashlib.sha256(f"copilot-links|{self.seed}".encode()).digest()
        self._reports = count(1)
        self.downloads = 0

    # ----- auth and errors ------------------------------------------------------------------

    def authenticate(self, request: Request) -> str | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return "token" if scheme.lower() in ("bearer", "token") and value.strip() == self.key else None

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        return {"message": message, "documentation_url": DOCS, "status": str(status)}

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "Bad credentials")

    def log_fields(self, request: Request) -> dict[str, Any]:
        return {"api_version": request.headers.get("x-github-api-version")}

    def _check(self, request: Request) -> None:
        version = request.headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            raise ApiError(400, f"Unsupported 'X-GitHub-Api-Version' header value: {version}")
        if request.path_params.get("org") != ORG:
            raise ApiError(404, "Not Found")

    # ----- the report ---------------------------------------------------------------------------

    def users(self, day: date) -> list[dict[str, Any]]:
        """The users-1-day report of `day` as answered today (restated days change)."""
        by_login: dict[str, list[Usage]] = {}
        for usage in self.world.reported("copilot", day, self.today):
            by_login.setdefault(usage.identity, []).append(usage)
        return [user_record(day, login, usages) for login, usages in sorted(by_login.items())]

    def _metrics(self, request: Request) -> Any:
        raise ApiError(404, "Not Found")  # shut down on 2026-04-02: use the usage metrics reports

    def _users_report(self, request: Request) -> Any:
        self._check(request)
        raw = request.param("day")
        try:
            day = date.fromisoformat(raw or "")
        except ValueError:
            raise ApiError(422, "Validation Failed: day takes YYYY-MM-DD") from None
        oldest = max(FIRST_REPORT_DAY, self.today - timedelta(days=365))
        if day < oldest or day > self.world.newest_day("copilot", self.today):
            raise ApiError(422, f"Validation Failed: reports cover {oldest} to yesterday, not {day}")
        parts = max(1, -(-len(self.users(day)) // self.file_rows))
        report = f"r{next(self._reports)}"
        base = request.base_url(self.name)
        return {
            "download_links": [
                self._sign(base, report, f"users-{day}-{part}.ndjson") for part in range(parts)
            ],
            "report_day": day.isoformat(),
        }

    def _sign(self, base: str, report: str, file: str) -> str:
        expires = int(self._clock() + self.link_seconds)
        return f"{base}/reports/{report}/{file}?se={expires}&sig={self._signature(report, file, expires)}"

    def _signature(self, report: str, file: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{report}/{file}|{expires}".encode(), hashlib.sha256).hexdigest()

    def _download(self, request: Request) -> SimResponse:
        report, file = request.path_params["report"], request.path_params["file"]
        try:
            expires = int(request.param("se") or "")
        except ValueError:
            expires = -1
        signature = self._signature(report, file, expires)
        if not hmac.compare_digest(signature, request.param("sig") or ""):
            return _blob_error("AuthenticationFailed", "Signature did not match.")
        if self._clock() > expires:
            return _blob_error("AuthenticationFailed", "Signed expiry time has expired.")
        stem = file.removesuffix(".ndjson")
        try:
            day, part = date.fromisoformat(stem[6:16]), int(stem.rsplit("-", 1)[1])
        except (ValueError, IndexError):
            return _blob_error("BlobNotFound", "The specified blob does not exist.", 404)
        rows = self.users(day)[part * self.file_rows :][: self.file_rows]
        self.downloads += 1
        body = "".join(_json_line(row) for row in rows).encode()
        return SimResponse(200, body, {"Content-Type": "application/x-ndjson"})

    def extra_state(self) -> dict[str, Any]:
        return {"org": ORG, "downloads": self.downloads, "file_rows": self.file_rows}


def _json_line(row: dict[str, Any]) -> str:
    import json

    return json.dumps(row, separators=(",", ":")) + "\n"


def _blob_error(code: str, message: str, status: int = 403) -> SimResponse:
    # What the storage behind the links answers: XML, not GitHub's JSON.
    body = f"<?xml version='1.0' encoding='utf-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
    return SimResponse(status, (body + "</Error>").encode(), {"Content-Type": "application/xml"})
