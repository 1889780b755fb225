"""Custom Rasa NLU components of KDPay Assist (referenced by module path in config.yml)."""
