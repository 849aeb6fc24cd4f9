"""The password page (``patron-utils serve --web HOST:PORT``): where a patron's reset link
leads, and where a patron signs in to choose a new password.

Small on purpose, like serve/: it never imports the screens, the CLI or a terminal library
(import-linter holds it), and it decides nothing a store call does not.
"""

from .app import make_app
from .server import WebServer

__all__ = ["WebServer", "make_app"]
