"""One exception tree, and the single place vendor errors are mapped onto it.

Retry and failover branch on the type: `BusyError` (worth retrying, or trying
elsewhere) versus `PermanentError` (retrying cannot help). `StreamInterrupted`
is a stream that broke after text arrived: the partial text is kept and the
user decides whether to retry or continue. Pages catch `AppError` and show
its `kind` through the translation table, never a traceback.
"""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from core.secrets import redact


class AppError(Exception):
    """Base of every error the app reports to a person.

    `kind` names the translation key (`errors.<kind>`); `params` fill it in.
    `detail` is the provider's own message, already scrubbed of keys.
    """

    kind: ClassVar[str] = "unexpected"
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        detail: str = "",
        *,
        provider: str = "",
        key_env: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.detail = redact(detail)[:500]
        self.provider = provider
        self.key_env = key_env
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{self.kind}: {self.detail}" if self.detail else self.kind)

    @property
    def params(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "key_env": self.key_env,
            "status": self.status or "",
            "detail": self.detail,
        }


class BusyError(AppError):
    """The backend is overloaded or unreachable for now: retry or go elsewhere."""

    kind = "busy"
    retryable = True


class RateLimited(BusyError):
    kind = "rate_limited"


class Overloaded(BusyError):
    kind = "overloaded"


class ServerError(BusyError):
    kind = "server_error"


class ConnectionFailed(BusyError):
    kind = "connection"


class FirstTokenTimeout(BusyError):
    kind = "first_token_timeout"


class Stalled(BusyError):
    """Nothing at all (not even a keep-alive) arrived for too long."""

    kind = "stalled"


class PermanentError(AppError):
    """Retrying the same request cannot succeed."""

    kind = "permanent"


class AuthFailed(PermanentError):
    kind = "auth"


class PermissionDenied(PermanentError):
    kind = "permission"


class QuotaExhausted(PermanentError):
    kind = "quota"


class ModelNotFound(PermanentError):
    kind = "not_found"


class BadRequest(PermanentError):
    kind = "bad_request"


class ContextTooLong(PermanentError):
    kind = "context_too_long"


class ProviderUnavailable(PermanentError):
    """The provider is not configured (missing key) or the model has no route."""

    kind = "unavailable"


class StreamInterrupted(AppError):
    """The stream broke after text had arrived; what arrived is kept."""

    kind = "interrupted"


class UserLimitReached(AppError):
    """A per-user limit (concurrent generations, messages per minute)."""

    kind = "user_limit"


class TooManyMessages(UserLimitReached):
    """The user's messages-per-minute limit; `detail` is the wait in seconds."""

    kind = "user_rate"


class TooManyAtOnce(UserLimitReached):
    """The user's limit of answers being written at once; `detail` is the limit."""

    kind = "user_concurrency"


class AnswerInProgress(AppError):
    """The conversation's answer is still being written (maybe by another replica):
    a new question waits until it ends or is stopped."""

    kind = "answer_in_progress"


class InputRejected(AppError):
    """What the user typed cannot be sent as it is (empty, too long…)."""

    kind = "input_rejected"


class SettingsRejected(AppError):
    """A persona or a chat's settings that cannot be kept as given.

    `reason` names the sentence a person reads (`personas.invalid.<reason>`),
    `limit` the bound that was passed; no value the user typed is echoed.
    """

    kind = "settings_rejected"

    def __init__(self, detail: str = "", *, reason: str, limit: float | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.limit = limit


class VoteRefused(AppError):
    """An arena vote that cannot count (an answer failed, was stopped, is unfinished…)."""

    kind = "vote_refused"


class PromptSetInvalid(AppError):
    """An uploaded prompt set cannot be read; `detail` says where and why."""

    kind = "prompt_set"


# Phrases providers use for "busy" in bodies whose status alone is ambiguous.
_BUSY_MARKERS = re.compile(
    r"overload|busy|繁忙|capacity|try again later|稍后再试|EngineServerLimitExceeded|"
    r"too many requests|throttl|rate.?limit|concurrency",
    re.IGNORECASE,
)
_CONTEXT_MARKERS = re.compile(
    r"context.{0,20}(length|window|limit)|maximum context|too many tokens|"
    r"context_length_exceeded|input is too long|prompt is too long|超出.{0,6}长度",
    re.IGNORECASE,
)
_BALANCE_MARKERS = re.compile(r"insufficient.{0,10}(balance|quota|credit)|余额不足|arrearage", re.I)

_STATUS_KINDS: dict[int, type[AppError]] = {
    400: BadRequest,
    401: AuthFailed,
    402: QuotaExhausted,
    403: PermissionDenied,
    404: ModelNotFound,
    408: ServerError,
    409: ServerError,
    422: BadRequest,
    429: RateLimited,
    500: ServerError,
    502: ServerError,
    503: Overloaded,
    504: ServerError,
    529: Overloaded,
}


# What a provider's refusal says, by the words it uses, so that a person reading
# another language gets an explanation beside the provider's own words. First
# match wins; the reason names the translation `errors.reason.<reason>`.
_REFUSAL_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "content_filter",
        re.compile(
            r"content.{0,20}(filter|policy|moderation|risk|safety|inspection)|"
            r"data_inspection_failed|inappropriate|sensitive|safety system|"
            r"违规|敏感|审核|不安全",
            re.I,
        ),
    ),
    (
        "model_missing",
        re.compile(
            r"model.{0,40}(not exist|not found|does not exist|unknown|invalid|not available)|"
            r"no such model|模型不存在",
            re.I,
        ),
    ),
    ("access", re.compile(r"not have access|permission|forbidden|not allowed|region|无权", re.I)),
    ("key", re.compile(r"api.?key|authenticat|unauthori[sz]ed|token is invalid|密钥", re.I)),
    (
        "max_tokens",
        re.compile(r"max_tokens|max_completion_tokens|maximum.{0,20}(output|completion)", re.I),
    ),
    (
        "parameter",
        re.compile(
            r"invalid.{0,20}(param|argument|value|field)|unsupported|not supported|"
            r"unknown (param|field|argument)|extra inputs|must be|参数",
            re.I,
        ),
    ),
    (
        "messages",
        re.compile(r"messages?.{0,40}(invalid|must|required|empty|format|role)|role", re.I),
    ),
)
REFUSAL_KINDS = frozenset({"permanent", "bad_request"})  # whose sentence quotes the provider


def refusal_reason(detail: str) -> str | None:
    """Why a provider refused, read from its own words ('content_filter', …), if known."""
    for reason, pattern in _REFUSAL_REASONS:
        if pattern.search(detail or ""):
            return reason
    return None


def body_text(body: object) -> str:
    """A provider error body (dict, list or text) as one searchable string."""
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(body)


def error_message(body: object, fallback: str = "") -> str:
    """The human part of an error body: `error.message`, `message`, or the text."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            for key in ("message", "msg", "Message", "code"):
                if isinstance(inner.get(key), str) and inner[key]:
                    return inner[key]
        elif isinstance(inner, str):
            return inner
    text = body_text(body)
    return text or fallback


def kind_for(status: int | None, text: str) -> type[AppError]:
    """Map an HTTP status and the body's text onto an error class."""
    if status in (401, 402):
        # Never call a bad key or an empty balance "busy", whatever the body says.
        return _STATUS_KINDS[status]
    if _BALANCE_MARKERS.search(text):
        return QuotaExhausted
    if _CONTEXT_MARKERS.search(text):
        return ContextTooLong
    if status is not None and status >= 500:
        return Overloaded if _BUSY_MARKERS.search(text) else _STATUS_KINDS.get(status, ServerError)
    if status == 429:
        return RateLimited
    if _BUSY_MARKERS.search(text):
        return Overloaded
    if status is None:
        return AppError
    return _STATUS_KINDS.get(status, BadRequest if status < 500 else ServerError)


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or date)."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        return max(0.0, (parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def classify(exc: BaseException, *, provider: str = "", key_env: str = "") -> AppError:
    """The app's error for anything a backend raised. The one mapping place."""
    if isinstance(exc, AppError):
        return exc
    # Imported here: the SDK takes ~0.5 s to import, which the first page
    # would wait for; whoever calls this has had it imported by the SDK call.
    import openai

    where = {"provider": provider, "key_env": key_env}
    if isinstance(exc, openai.APITimeoutError):
        return Stalled(str(exc), **where)
    if isinstance(exc, openai.APIConnectionError):
        return ConnectionFailed(str(exc.__cause__ or exc), **where)
    if isinstance(exc, openai.APIStatusError):
        text = body_text(exc.body) or exc.message
        cls = kind_for(exc.status_code, text)
        return cls(
            error_message(exc.body, exc.message),
            status=exc.status_code,
            retry_after=retry_after_seconds(exc.response.headers),
            **where,
        )
    if isinstance(exc, openai.APIError):
        # An error event inside an HTTP 200 stream (OpenRouter and others).
        text = body_text(exc.body) or exc.message
        status = _status_in_body(exc.body)
        cls = kind_for(status, text)
        if cls is AppError:
            cls = ServerError
        return cls(error_message(exc.body, exc.message), status=status, **where)
    if isinstance(exc, json.JSONDecodeError):
        return StreamInterrupted(f"malformed chunk: {exc.msg}", **where)
    if isinstance(exc, ConnectionError | OSError):
        return ConnectionFailed(str(exc), **where)
    return AppError(f"{type(exc).__name__}: {exc}", **where)


def classify_http(
    status: int, body: object, headers: Any = None, *, provider: str = ""
) -> AppError:
    """The app's error for a failed plain HTTP call (a search API), mapped as a
    model provider's would be: 429 is rate limited with its Retry-After, and so on."""
    cls = kind_for(status, body_text(body))
    if cls is AppError:
        cls = ServerError
    return cls(
        error_message(body, f"HTTP {status}"),
        status=status,
        retry_after=retry_after_seconds(headers),
        provider=provider,
    )


def classify_transport(exc: BaseException, *, provider: str = "") -> AppError:
    """The app's error for an HTTP client failure before any status (httpx)."""
    name = type(exc).__name__
    if "Timeout" in name:
        return Stalled(name, provider=provider)
    return ConnectionFailed(f"{name}: {exc}", provider=provider)


def _status_in_body(body: object) -> int | None:
    if isinstance(body, dict):
        code = body.get("code") or body.get("status")
        if isinstance(code, int):
            return code
        if isinstance(code, str) and code.isdigit():
            return int(code)
    return None


class RecordNotFound(AppError):
    """No such conversation or message for this user (or none at all)."""

    kind = "not_found_record"


class StorageError(AppError):
    """The database cannot be read or written; the subclasses name why.

    core/store/errors.py decides which one a database's own error is, so the
    person is told the real cause (and not to free disk space when the disk
    is fine).
    """

    kind = "storage"


class StorageFull(StorageError):
    """No space left: the disk, SQLite's size cap, or the database server's."""

    kind = "storage_full"


class StorageReadOnly(StorageError):
    """The file or the server accepts no writes (permissions, a standby server)."""

    kind = "storage_read_only"


class StorageCorrupt(StorageError):
    """The file is not a database, or is damaged."""

    kind = "storage_corrupt"


class StorageBusy(StorageError):
    """Another writer held a lock longer than we wait, or a deadlock was broken."""

    kind = "storage_busy"


class StorageUnreachable(StorageError):
    """The database server cannot be reached or refuses our credentials."""

    kind = "storage_unreachable"


class StorageRefused(StorageError):
    """The database refused a value (too long for its column, a broken rule)."""

    kind = "storage_refused"


class SchemaTooNew(StorageError):
    """The database was upgraded by a newer version of the app than this one."""

    kind = "storage_too_new"


class ImportRejected(AppError):
    """A file offered for import is not a conversation export we can read.

    `detail` says why in English (logs, tests); `reason` names the sentence a
    person reads (`import.<reason>` in the locales), with where in the file
    (1-based conversation and message numbers) and the field or limit. No value
    from the file is echoed: it is nobody's to render.
    """

    kind = "import_rejected"

    def __init__(
        self,
        detail: str = "",
        *,
        reason: str = "structure",
        field: str = "",
        conversation: int | None = None,
        message: int | None = None,
        limit: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.reason = reason
        self.field = field
        self.conversation = conversation
        self.message = message
        self.limit = limit


class StorageQuotaReached(UserLimitReached):
    """The user's stored conversations reached `[policy] max_stored_mb`; `detail` is the cap."""

    kind = "quota_storage"


class FileStorageQuotaReached(UserLimitReached):
    """Keeping the attached files would take the user's original files past
    `[policy] max_stored_files_mb`; `detail` is the cap."""

    kind = "quota_files"


class TokenQuotaReached(UserLimitReached):
    """The user's tokens in the last 24 hours reached `[policy] max_tokens_per_day`."""

    kind = "quota_tokens"


class CostQuotaReached(UserLimitReached):
    """The user's list-price cost in the last 24 hours reached `[policy] max_cost_usd_per_day`."""

    kind = "quota_cost"


class MonthlyTokenQuotaReached(TokenQuotaReached):
    """The user's tokens in the last 30 days reached their monthly limit; `detail` is it."""

    kind = "quota_tokens_month"


class MonthlyCostQuotaReached(CostQuotaReached):
    """The user's list-price cost in the last 30 days reached their monthly limit."""

    kind = "quota_cost_month"


class ModelNotAllowed(UserLimitReached):
    """The model is not among those the user's groups may use (core/access.py);
    `detail` is the model id."""

    kind = "model_not_allowed"


class AdminOnly(AppError):
    """Only an admin may do this (see or export others' usage, manage groups)."""

    kind = "admin_only"
