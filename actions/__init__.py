"""KDPay Assist custom actions (rasa_sdk action server: `rasa run actions`)."""
