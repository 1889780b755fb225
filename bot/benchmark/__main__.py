"""`python -m bot.benchmark bench [--smoke]` and `python -m bot.benchmark soak [--smoke]`."""
from __future__ import annotations

import argparse
import signal
import sys
from typing import List, Optional

from bot.benchmark import bench, soak


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.benchmark", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    bench.add_arguments(commands.add_parser("bench", help="latency/throughput/memory per concurrency and channel"))
    soak.add_arguments(commands.add_parser("soak", help="sustained load, then trackers reconciled with clients"))
    args = parser.parse_args(argv)
    # A CI timeout sends SIGTERM: exit through the `finally` blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    return bench.main(args) if args.command == "bench" else soak.main(args)


if __name__ == "__main__":
    sys.exit(main())
