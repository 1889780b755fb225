"""The compiled check of action server answers agrees with Rasa's own, errors included."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import channels  # noqa: F401  (installs the check, as the Rasa server does)
from bot.action_response_check import _RASA_CHECK, check_action_result

ACTION = RemoteAction("action_lock_account", None)
VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "customer_verified", "value": True, "timestamp": None}],
     "responses": [{"text": "好的", "buttons": [{"title": "是", "payload": "/affirm"}]}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},  # a slot event needs a name
    {"responses": [42]},
    [],
]


def test_the_rasa_server_uses_the_compiled_check():
    assert RemoteAction._validate_action_result is check_action_result


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass_both(result):
    assert _RASA_CHECK(ACTION, result) is True
    assert check_action_result(ACTION, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_fail_both_with_the_same_message(result):
    with pytest.raises(ValidationError) as rasa_error:
        _RASA_CHECK(ACTION, result)
    with pytest.raises(ValidationError) as our_error:
        check_action_result(ACTION, result)
    assert our_error.value.message == rasa_error.value.message
