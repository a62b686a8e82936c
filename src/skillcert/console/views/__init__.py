"""Console views, one module per domain; shared helpers in ``console.common`` (issue #21 item 5)."""
