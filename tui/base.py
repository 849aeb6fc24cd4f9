"""What every screen and dialog of ours may ask of ``self.app``: this product's App.

Textual types ``app`` as a plain ``App``, so mypy cannot see ``say``, ``drafts``,
``refused`` and the rest. ``getters.app`` is Textual's way to name the App subclass; it
is declared for the type checker only, as Textual declares its own: at run time ``app``
stays Textual's property (which also serves a screen mounted in a test's own App), and
the app module, which imports the screens, is imported for its type only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from textual import getters

    from .app import PatronUtilsApp

ResultT = TypeVar("ResultT")


class ProductScreen(Screen[ResultT]):
    """A full screen of Patron Utilities."""

    if TYPE_CHECKING:
        app = getters.app(PatronUtilsApp)


class ProductModalScreen(ModalScreen[ResultT]):
    """A dialog of Patron Utilities."""

    if TYPE_CHECKING:
        app = getters.app(PatronUtilsApp)
