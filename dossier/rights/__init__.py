"""What the coach does for the client: the copy, decisions on requests, reports (CSR 5.1-5.3, 6.1; GDPR 15-20)."""
