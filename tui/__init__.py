"""Patron Utilities' terminal interface: it presents; store/ decides."""
