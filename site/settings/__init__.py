"""Settings modules: `base` (production), `dev` (local runs) and `test` (the suite)."""
