"""Use cases that change the ledger; each owns its unit of work (one transaction)."""
