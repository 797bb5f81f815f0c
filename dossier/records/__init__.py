"""The client record (CSR 9.1, CSR 7.1, TB 2.2-2.3): clients, sessions, results, attachments."""
