"""The write side: commands, the ``Package`` aggregate, its events and the application."""
