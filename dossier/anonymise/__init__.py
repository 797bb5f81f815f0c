"""Anonymised case export for intervision and supervision (TB 2.16; CSR 6.8, 6.9)."""
