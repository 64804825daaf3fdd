"""The `mlprep` command line (typer + rich)."""
