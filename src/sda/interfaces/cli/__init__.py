"""The ``sda`` command line (typer + rich)."""
