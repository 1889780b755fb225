from bot.origins import origin_allowed


def test_allow_list_and_own_origin():
    allowed = ["https://help.kdpay.example"]
    assert origin_allowed("https://help.kdpay.example", allowed, production=True)
    assert origin_allowed("https://bot.kdpay.example", allowed, production=True, own_origin="https://bot.kdpay.example")
    assert not origin_allowed("https://evil.example", allowed, production=True)


def test_localhost_only_outside_production():
    assert origin_allowed("http://localhost:8080", [], production=False)
    assert origin_allowed("http://127.0.0.1:5005", [], production=False)
    assert not origin_allowed("http://localhost:8080", [], production=True)
    assert not origin_allowed("http://localhost.evil.example", [], production=False)


def test_no_origin_is_not_a_cross_site_request():
    assert origin_allowed(None, [], production=True)
