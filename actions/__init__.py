"""KDPay Assist custom actions (rasa_sdk action server: `rasa run actions`)."""
from bot import log_masking

# The action server imports this package before it runs any action: from here
# on its log lines have personal data masked.
log_masking.install()
