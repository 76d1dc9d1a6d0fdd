"""Measuring quality (`qa eval`) and speed (`qa bench`); each returns plain dicts for the CLI to print."""
