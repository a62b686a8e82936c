"""Console forms, one module per domain (issue #21 item 5)."""
