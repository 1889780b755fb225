"""KDPay's account backend: customers, transactions, tickets, codes and notices.

Plain Python on SQLAlchemy (no Rasa here), so the action server, the web
widget and scripts share one tested set of rules. Service functions take a
Session first and an explicit `now`, and return frozen views, never ORM rows.
"""
