from datetime import timedelta

import jwt
import pytest

from bot.backend.customer_tokens import customer_from_token, issue_customer_token

from .helpers import NOW, TOKEN_SECRET


def test_a_token_names_its_customer_until_it_expires():
    token = issue_customer_token("C-1001", TOKEN_SECRET, NOW, ttl=timedelta(minutes=30))
    assert customer_from_token(token, TOKEN_SECRET, NOW) == "C-1001"
    assert customer_from_token(token, TOKEN_SECRET, NOW + timedelta(minutes=29, seconds=59)) == "C-1001"
    assert customer_from_token(token, TOKEN_SECRET, NOW + timedelta(minutes=30)) is None


def test_default_lifetime_is_one_hour():
    token = issue_customer_token("C-1001", TOKEN_SECRET, NOW)
    assert customer_from_token(token, TOKEN_SECRET, NOW + timedelta(minutes=59)) == "C-1001"
    assert customer_from_token(token, TOKEN_SECRET, NOW + timedelta(hours=1)) is None


def test_a_token_signed_with_another_secret_is_refused():
    token = issue_customer_token("C-1001", "another-secret-that-is-32-bytes-long!!", NOW)
    assert customer_from_token(token, TOKEN_SECRET, NOW) is None


def test_a_tampered_token_is_refused():
    token = issue_customer_token("C-1001", TOKEN_SECRET, NOW)
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(b'{"sub":"C-1002","iat":1,"exp":9999999999}').decode()
    assert customer_from_token(f"{header}.{forged_payload}.{signature}", TOKEN_SECRET, NOW) is None


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", None, 42])
def test_malformed_tokens_are_refused_without_raising(token):
    assert customer_from_token(token, TOKEN_SECRET, NOW) is None


def test_tokens_missing_a_subject_or_unsigned_are_refused():
    issued = int(NOW.timestamp())
    no_subject = jwt.encode({"iat": issued, "exp": issued + 60}, TOKEN_SECRET, algorithm="HS256")
    unsigned = jwt.encode({"sub": "C-1001", "iat": issued, "exp": issued + 60}, None, algorithm="none")
    assert customer_from_token(no_subject, TOKEN_SECRET, NOW) is None
    assert customer_from_token(unsigned, TOKEN_SECRET, NOW) is None


def test_a_token_issued_in_the_future_is_refused():
    token = issue_customer_token("C-1001", TOKEN_SECRET, NOW + timedelta(minutes=5))
    assert customer_from_token(token, TOKEN_SECRET, NOW) is None


def test_short_secrets_are_refused_when_issuing():
    with pytest.raises(ValueError):
        issue_customer_token("C-1001", "short", NOW)
