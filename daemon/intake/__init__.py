"""Codes in: the transaction that stores forwards (codes), the group-commit writer the intake hands
them to, and the catch-up poll of the plugin's queue."""
