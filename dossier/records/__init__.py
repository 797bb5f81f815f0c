"""The dossier as stored, one module per dossier/1 section (CSR 9.1, 5.1-5.3, 6.1-6.5); document.py assembles them."""
