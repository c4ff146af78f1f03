"""The project package. Imported as `website`: Python's standard library owns `site`."""
