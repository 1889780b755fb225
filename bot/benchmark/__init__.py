"""Load tests of the running bot: `make bench` (latency, throughput, memory,
cold start, NLU floor, baseline comparison) and `make soak` (sustained load,
then every conversation's tracker reconciled with what the clients saw).

Run with `python -m bot.benchmark bench|soak --help`. Numbers are printed and
written to results/bench/; nothing here is a timed unit test.
"""
