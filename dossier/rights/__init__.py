"""The client's rights: copies, corrections, statements, consent, disclosures (CSR 5, 6)."""
