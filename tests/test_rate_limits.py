from bot.rate_limits import Rate, RateLimiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_allows_a_burst_then_refuses_then_refills():
    clock = Clock()
    limiter = RateLimiter(Rate(count=3, seconds=60), clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now += 20  # one token back
    assert limiter.allow("a") and not limiter.allow("a")


def test_keys_are_independent():
    limiter = RateLimiter(Rate(count=1, seconds=60), clock=Clock())
    assert limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")


def test_memory_is_bounded():
    limiter = RateLimiter(Rate(count=1, seconds=60), clock=Clock(), max_keys=10)
    for key in range(100):
        limiter.allow(str(key))
    assert len(limiter._buckets) <= 10
