"""Subcommands of the `vaxcert` operator CLI (one module each, see vaxcert.cli)."""
