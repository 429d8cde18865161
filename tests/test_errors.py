"""Errors are classified once: busy versus permanent, never busy for a bad key."""

import pytest

from core.errors import (
    AuthFailed,
    BadRequest,
    BusyError,
    ContextTooLong,
    ModelNotFound,
    Overloaded,
    PermanentError,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    ServerError,
    kind_for,
    refusal_reason,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (429, "Rate limit reached for requests (RPM)", RateLimited),
        (429, '{"code": "Throttling.RateQuota"}', RateLimited),
        (500, "internal error", ServerError),
        (502, "bad gateway", ServerError),
        (503, "Service Unavailable", Overloaded),
        (504, "gateway timeout", ServerError),
        (529, "overloaded", Overloaded),
        (500, "服务器繁忙，请稍后再试", Overloaded),
        (400, "FailedOperation.EngineServerLimitExceeded", Overloaded),
        (400, "invalid parameter", BadRequest),
        (400, "This model's maximum context length is 65536 tokens", ContextTooLong),
        (401, "Authentication Fails (server busy)", AuthFailed),
        (402, "Insufficient Balance", QuotaExhausted),
        (400, "Arrearage: insufficient balance", QuotaExhausted),
        (403, "forbidden", PermissionDenied),
        (404, "Model Not Exist", ModelNotFound),
        (422, "Invalid Parameters", BadRequest),
    ],
)
def test_status_and_body_map_onto_the_tree(status, body, expected):
    assert kind_for(status, body) is expected


@pytest.mark.parametrize("cls", [RateLimited, Overloaded, ServerError])
def test_busy_kinds_are_retryable(cls):
    assert issubclass(cls, BusyError) and cls.retryable


@pytest.mark.parametrize(
    "cls", [AuthFailed, QuotaExhausted, BadRequest, ContextTooLong, ModelNotFound]
)
def test_permanent_kinds_are_not(cls):
    assert issubclass(cls, PermanentError) and not cls.retryable


def test_retry_after_headers():
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "7"}) == 7.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({}) is None


def test_details_are_scrubbed_of_keys():
    error = AuthFailed("Incorrect API key provided: sk-abcdefghijklmnop1234")
    assert "sk-abcdefghijklmnop1234" not in error.detail
    assert "sk-abcdefghijklmnop1234" not in str(error)


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ("Content Exists Risk", "content_filter"),
        ("Input data may contain inappropriate content.", "content_filter"),
        ("data_inspection_failed", "content_filter"),
        ("Model Not Exist", "model_missing"),
        ("The model `gpt-9` does not exist or you do not have access to it.", "model_missing"),
        ("Invalid max_tokens value, the valid range of max_tokens is [1, 8192]", "max_tokens"),
        ("Unsupported parameter: 'temperature' is not supported with this model.", "parameter"),
        ("messages: at least one message is required", "messages"),
        ("Something nobody has seen before", None),
    ],
)
def test_a_refusal_is_read_for_its_reason(detail, reason):
    assert refusal_reason(detail) == reason


def test_every_refusal_reason_is_explained_in_both_languages():
    from core.errors import _REFUSAL_REASONS
    from core.i18n import strings

    reasons = {reason for reason, _ in _REFUSAL_REASONS} | {"other"}
    prefix = "errors.reason."
    for locale in ("en", "zh"):
        explained = {key.removeprefix(prefix) for key in strings(locale) if key.startswith(prefix)}
        assert reasons <= explained, locale
