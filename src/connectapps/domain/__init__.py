"""The rules: who may see or change what, and what a valid Connect App is. No HTTP here."""
