"""Benchmarks: mlprep against a bare-ASGI baseline that returns the same bytes (`make bench`).

`python -m bench` starts a real `mlprep serve` and the baseline (`bench.baseline`) on free ports of
127.0.0.1, drives bounded loads at both (`bench.load`), drives whole maintenance runs and logins at
mlprep (`bench.workflows`), and writes the table to `bench/results.md` (`bench.report`).
"""
