"""Identities and permissions: user accounts with hashed API tokens, and the one table of
role × action × scope that every entry point consults."""
