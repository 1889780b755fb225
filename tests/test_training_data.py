"""The training data is big enough, bilingual, and never overlaps the held-out set."""
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONTRACT_INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "inform", "cancel",
    "faq/password_reset", "faq/dispute_process", "faq/international_transfer", "faq/account_security",
    "faq/refund_policy", "faq/contact_channels",
    "reset_password", "open_dispute", "request_refund", "check_status", "lock_account", "human_handoff",
]


def examples(path):
    grouped = defaultdict(list)
    for message in load_data(str(path)).intent_examples:
        grouped[message.get_full_intent()].append(message.get("text"))
    return grouped


def normal(text):
    """Case and punctuation do not make an example different (unless it is all punctuation)."""
    return re.sub(r"[\W_]+", "", text.lower()) or text.strip()


@pytest.fixture(scope="module")
def training():
    return examples(PROJECT_DIR / "data" / "nlu")


@pytest.fixture(scope="module")
def heldout():
    return examples(PROJECT_DIR / "tests" / "data" / "nlu_heldout.yml")


def test_every_contract_intent_has_40_examples_in_both_languages(training):
    assert sorted(training) == sorted(CONTRACT_INTENTS)
    for intent, texts in training.items():
        chinese = [t for t in texts if re.search(r"[\u4e00-\u9fff]", t)]
        english = [t for t in texts if re.search(r"[a-zA-Z]{3}", t) and not re.search(r"[\u4e00-\u9fff]", t)]
        assert len(texts) >= 40, intent
        assert len(chinese) >= 15 and len(english) >= 15, intent


def test_heldout_has_15_per_intent_in_both_languages(heldout):
    assert sorted(heldout) == sorted(CONTRACT_INTENTS)
    for intent, texts in heldout.items():
        assert len(texts) >= 15, intent
        assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts), intent


@pytest.mark.parametrize("heldout_file", ["nlu_heldout.yml", "nlu_heldout_fresh.yml"])
def test_heldout_examples_never_appear_in_training(training, heldout_file):
    heldout = examples(PROJECT_DIR / "tests" / "data" / heldout_file)
    seen = {normal(t) for texts in training.values() for t in texts}
    leaked = [t for texts in heldout.values() for t in texts if normal(t) in seen]
    assert leaked == []


def test_no_example_is_labelled_with_two_intents(training):
    owners = Counter(n for texts in training.values() for n in {normal(t) for t in texts})
    assert [t for t, n in owners.items() if n > 1] == []
