"""Published reference numbers (``paper/*.csv``); runs are written under ``results/runs/``."""
