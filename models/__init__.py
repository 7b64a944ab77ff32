"""Model adapters: one module per adapter, registered by name."""
