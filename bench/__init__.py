"""Benchmarks of the node (python -m bench). Development only."""
