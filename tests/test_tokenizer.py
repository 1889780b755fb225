from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import BilingualJiebaTokenizer

DICTIONARY = Path(__file__).resolve().parent.parent / "bot" / "nlu" / "jieba_dict"


@pytest.fixture(scope="module")
def tokenizer():
    config = {**BilingualJiebaTokenizer.get_default_config(), "dictionary_path": str(DICTIONARY)}
    return BilingualJiebaTokenizer.create(config, None, None, None)


def tokens(tokenizer, text):
    return [t.text for t in tokenizer.tokenize(Message.build(text), "text")]


def test_english_words_are_tokens_and_spaces_are_not(tokenizer):
    assert tokens(tokenizer, "reset my  password") == ["reset", "my", "password"]


def test_mixed_text(tokenizer):
    found = tokens(tokenizer, "我的KDPay password忘了")
    assert "KDPay" in found and "password" in found
    assert all(token.strip() for token in found)


@pytest.mark.parametrize("word", ["重置密码", "交易争议", "国际转账", "跨境汇款", "两步验证", "退款申请", "人工客服"])
def test_kdpay_dictionary_keeps_domain_words_whole(tokenizer, word):
    assert word in tokens(tokenizer, f"我想问{word}的事")


def test_token_offsets_match_the_text(tokenizer):
    text = "how 国际转账 works"
    for token in tokenizer.tokenize(Message.build(text), "text"):
        assert text[token.start:token.end] == token.text
