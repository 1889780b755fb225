"""Offline evaluation of KDPay Assist (`make eval`, `make eval-smoke`).

NLU cross-validation and held-out scores, a side-by-side comparison of
pipelines and dialogue policies, and the end-to-end flow results, written to
results/eval/ (report.md, metrics.json, confusion.png).
"""
