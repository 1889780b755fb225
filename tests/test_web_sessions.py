from bot.web_sessions import is_issued, new_session_id


def test_issued_ids_are_recognised_and_unique():
    first, second = new_session_id(), new_session_id()
    assert first != second and is_issued(first) and is_issued(second)


def test_made_up_or_tampered_ids_are_not():
    issued = new_session_id()
    nonce, _, signature = issued.partition(".")
    other_last = "1" if signature.endswith("0") else "0"  # a tampered signature really differs
    for forged in ["", "abc", "abc.def", f"{nonce}x.{signature}", f"{nonce}.{signature[:-1]}{other_last}", None, 5,
                   "a" * 200]:
        assert not is_issued(forged)
