"""cli/flags.py: a flag per field, shaped by the field's kind in store/fields.py."""

from __future__ import annotations

import argparse

from cli.flags import add_model
from store import Selection


def test_the_flags_follow_the_kinds():
    parser = argparse.ArgumentParser()
    add_model(parser, Selection, "s__", "Selection")
    args = parser.parse_args(
        [
            "--grades",
            "12",
            "--grades",
            "11",
            "--barcodes",
            "A1",
            "--barcodes",
            "A2",
            "--barcode-from",
            "100",
        ]
    )
    assert (args.s__grades, args.s__barcodes, args.s__barcode_from) == (
        ["12", "11"],
        ["A1", "A2"],
        "100",
    )
