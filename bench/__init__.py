"""Benchmarks: scripts that print their figures (see bench/README.md). Not tests."""
