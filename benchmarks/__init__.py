"""Benchmark scripts; a package so that tests can build data with benchmarks.volume."""
