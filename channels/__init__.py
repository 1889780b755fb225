"""Custom Rasa input channels of KDPay Assist (registered in credentials.yml)."""
