import random

from hypothesis import given
from hypothesis import strategies as st

from bot.backend.masking import mask_card_numbers, mask_email, mask_personal_data, mask_phone, passes_luhn


def luhn_complete(prefix: str) -> str:
    """Append the check digit that makes `prefix` a valid card number."""
    return next(prefix + str(digit) for digit in range(10) if passes_luhn(prefix + str(digit)))


def test_masks_email_keeping_first_letter_and_domain():
    assert mask_email("lin.wei@example.com") == "l***@example.com"
    assert mask_email("not an email") == "***"


def test_masks_phone_keeping_country_prefix_and_last_four():
    assert mask_phone("+8613800138000") == "+86*******8000"
    assert mask_phone("+14155550100") == "+14*****0100"


def test_masks_a_luhn_valid_card_number_keeping_last_four_and_layout():
    assert mask_card_numbers("card 4111 1111 1111 1111 please") == "card **** **** **** 1111 please"
    assert mask_card_numbers("4111-1111-1111-1111") == "****-****-****-1111"
    assert mask_card_numbers("卡号4111111111111111") == "卡号************1111"


def test_keeps_a_sixteen_digit_number_that_fails_luhn():
    assert not passes_luhn("1234567812345678")
    assert mask_card_numbers("order 1234567812345678") == "order 1234567812345678"


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_every_luhn_valid_card_number_is_masked(prefix):
    card = luhn_complete(prefix)
    masked = mask_card_numbers(f"pay {card} now")
    assert card not in masked
    assert masked == f"pay {'*' * (len(card) - 4)}{card[-4:]} now"


def test_random_non_luhn_sixteen_digit_numbers_are_kept():
    rng = random.Random(7)
    for _ in range(50):
        number = "".join(rng.choice("0123456789") for _ in range(16))
        if not passes_luhn(number):
            assert mask_card_numbers(number) == number


def test_masks_personal_data_in_a_log_line_but_not_ids():
    line = (
        "lin@example.com called from +86 138 0013 8000 and 13800138000 about T20261102-0001, "
        "DSP-000123, card 4111111111111111, on 2026-11-02"
    )
    masked = mask_personal_data(line)
    assert "lin@example.com" not in masked and "l***@example.com" in masked
    assert "138 0013 8000" not in masked and "+86*******8000" in masked
    assert "13*****8000" in masked
    assert "************1111" in masked
    assert "T20261102-0001" in masked and "DSP-000123" in masked and "2026-11-02" in masked
