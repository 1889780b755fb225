"""Custom Rasa input channels of KDPay Assist (registered in credentials.yml)."""
from bot import action_response_check, log_masking

# The Rasa server imports this package (for credentials.yml) before it handles
# any message: from here on its log lines have personal data masked, and the
# action server's answers are checked with a schema validator compiled once.
log_masking.install()
action_response_check.install()
