"""Custom Rasa input channels of KDPay Assist (registered in credentials.yml)."""
from bot import log_masking

# The Rasa server imports this package (for credentials.yml) before it handles
# any message: from here on its log lines have personal data masked.
log_masking.install()
