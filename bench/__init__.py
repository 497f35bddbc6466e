"""Benchmarks of load throughput, query latency and serving capacity at scale.

Run ``python -m bench --help`` (or ``make bench``); the results and how to read them are in
``bench/README.md``.
"""
