"""Checks the action server's answers with a JSON-schema validator compiled once.

Rasa 3.6 checks every action server answer with `jsonschema.validate`, which
(jsonschema 4.17) first checks the schema itself against its meta-schema, on
every call. Under load (50 customers, py-spy on the Rasa server) that was a
fifth of the server's CPU, all of it on turns that call the action server. The
same schema compiled once gives the same verdict, errors included, at a
fraction of the cost. `install()` puts it in place of Rasa's method; the
channels package calls it when the Rasa server loads our channels.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_RASA_CHECK: Callable[[RemoteAction, Dict[str, Any]], bool] = RemoteAction._validate_action_result
_validator: Optional[Any] = None


def _compiled_validator() -> Any:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)  # once, not per answer
        _validator = validator_class(schema)
    return _validator


def check_action_result(action: RemoteAction, result: Dict[str, Any]) -> bool:
    """Rasa's RemoteAction._validate_action_result, with the validator compiled once."""
    error: Optional[ValidationError] = best_match(_compiled_validator().iter_errors(result))
    if error is not None:
        error.message += (  # Rasa's own wording
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    RemoteAction._validate_action_result = check_action_result
