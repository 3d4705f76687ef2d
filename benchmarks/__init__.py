"""Benchmarks: timing goals live here, never in timed tests (see docs/performance.md)."""
