import logging

import pytest

from bot.backend import config
from bot.backend.hashing import hashes_match, keyed_hash


def test_defaults_suit_a_local_demo():
    settings = config.backend_settings()
    assert settings.refund_window_days == 30 and settings.database_url is None
    assert config.web_base_url() == "https://www.kdpay.example"
    assert config.customer_token_secret() == config.DEV_CUSTOMER_TOKEN_SECRET


def test_the_demo_pepper_is_used_with_a_single_warning(monkeypatch, caplog):
    monkeypatch.delenv("KDPAY_SECRET_PEPPER")
    monkeypatch.setattr(config, "_warned_about_dev_pepper", False)
    with caplog.at_level(logging.WARNING, logger=config.__name__):
        assert config.secret_pepper() == config.DEV_SECRET_PEPPER
        config.secret_pepper()
    assert len([r for r in caplog.records if "KDPAY_SECRET_PEPPER" in r.message]) == 1


def test_hashes_depend_on_the_pepper_and_the_purpose(monkeypatch):
    first = keyed_hash("code", "123456")
    assert hashes_match(first, keyed_hash("code", "123456"))
    assert not hashes_match(first, keyed_hash("token", "123456"))
    monkeypatch.setenv("KDPAY_SECRET_PEPPER", "another-pepper")
    assert not hashes_match(first, keyed_hash("code", "123456"))


def test_a_refund_window_must_not_be_negative(monkeypatch):
    monkeypatch.setenv("KDPAY_REFUND_WINDOW_DAYS", "-1")
    with pytest.raises(ValueError):
        config.backend_settings()
