"""Jieba tokenizer for mixed Chinese and English text.

Rasa's JiebaTokenizer returns the spaces between English words as tokens
("reset", " ", "my", ...), which turns every space into a feature. This one
drops whitespace tokens, so "我的KDPay password忘了" and "reset my password"
are both split into real words. The KDPay user dictionary is configured with
`dictionary_path` and stored in the model like Rasa's own.
"""
from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class BilingualJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer without whitespace tokens."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        return [token for token in tokens if token.text.strip()]
