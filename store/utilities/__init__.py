"""One module per utility of the vendor manual; store/catalog.py lists them.

Importing this package loads none of them, so the engine can import the contract
(``store.utilities.base``) alone.
"""
