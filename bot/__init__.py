"""KDPay Assist: the bot's own Python code (NLU components, language, FAQ, settings)."""
