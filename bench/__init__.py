"""Benchmarks and measuring tools, outside the runtime packages (run as ``python -m bench.X``)."""
