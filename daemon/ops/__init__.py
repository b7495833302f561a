"""What an operator runs: backups, key rotation, doctor, pairing, housekeeping, going live and App
Review's papers."""
