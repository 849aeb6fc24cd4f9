"""Change Patron Security Group."""

import sqlite_utils

from ..authority import may_assign
from ..fields import choice, field_title
from ..security import SECURITY_GROUPS, UTILITIES, Operator
from ..validation import Invalid, Problem, StoreModel
from .base import SetPatronColumn


class ChangeSecurityGroupOptions(StoreModel):
    group: str = choice(
        "security_group",
        title="New Security Group",
        description="The security group selected patrons will be in. You may "
        "assign only groups of a lower level than yours (a larger "
        "number); District Administrators (level 0) may assign any.",
    )


class ChangePatronSecurityGroup(SetPatronColumn[ChangeSecurityGroupOptions]):
    key = "change-security-group"
    title = "Change Patron Security Group"
    summary = "Changes the security group of selected patrons to the specified security group."
    guidance = (
        "Run this utility if you assign security groups by grade: use the Patrons in Grade "
        "selection for the grade(s) to put in a group.\n\n"
        "Security level controls which groups you can change: an operator of level 2 can only "
        "change and assign groups of level 3 or higher. District Administrators (level 0) are "
        "exempt. Your own account is never changed here."
    )
    textbook_tracker = True
    permissions = (UTILITIES, SECURITY_GROUPS)
    Options = ChangeSecurityGroupOptions
    value_label = "Security group"
    column = "security_group"
    option = "group"

    def check(
        self, db: sqlite_utils.Database, options: ChangeSecurityGroupOptions, operator: Operator
    ) -> None:
        level = db.execute(
            "SELECT level FROM security_groups WHERE name = ?", [options.group]
        ).fetchone()[0]
        refused = may_assign(operator, options.group, level)
        if refused:
            raise Invalid(
                [Problem("group", field_title(ChangeSecurityGroupOptions, "group"), refused)]
            )
