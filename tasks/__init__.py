"""Benchmark families: one module per family (loader, prompts, request kind, extraction)."""
