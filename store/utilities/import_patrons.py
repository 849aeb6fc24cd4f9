"""Import Patrons, as the journal knows it: a file's rows inserted or updated.

Not in the picker (patron-utils import runs it); declared here so the Operations
screen, the summary and undo read an import like any other operation.
"""

from pydantic import Field

from ..fields import list_as_text
from ..security import Operator
from ..validation import StoreModel
from .base import PlanSQL, Utility


class ImportPatronsOptions(StoreModel):
    file: str = Field("", title="File")
    # Lists typed as text (store/fields.py): an operation's report shows them as a line.
    mapping: list[str] = list_as_text(title="Columns mapped")
    preset: str = Field("", title="Preset")
    ignore: list[str] = list_as_text(title="Columns to ignore")
    ignore_unknown: bool = Field(False, title="Ignore unknown columns")
    site: str = Field("", title="Site for rows without one")
    ignored: list[str] = list_as_text(title="Columns not read")


class ImportPatrons(Utility[ImportPatronsOptions]):
    key = "import-patrons"
    title = "Import Patrons"
    summary = "Inserts new barcodes from a CSV file and updates the patrons already there."
    Options = ImportPatronsOptions
    value_label = "Record"
    # What the journal's "Selections" says of an import: the file chose its patrons.
    fixed_description = "The patrons of the file"

    def plan_sql(self, options: ImportPatronsOptions, operator: Operator) -> PlanSQL:
        raise NotImplementedError("imports are run by patron-utils import, not planned")
