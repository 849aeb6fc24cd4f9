"""Change Patron Security Group."""
from ..security import SECURITY_GROUPS, UTILITIES, Operator
from ..validation import Invalid, Problem, StoreModel, choice
from .base import PlanSQL, SetPatronColumn

_LEVEL = "(SELECT g.level FROM security_groups g WHERE g.name = p.security_group)"


class Options(StoreModel):
    group: str = choice("security_group", title="New Security Group",
                        description="The security group selected patrons will be in. You may "
                                    "assign only groups of a lower level than yours (a larger number).")


class ChangePatronSecurityGroup(SetPatronColumn):
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
    Options = Options
    value_label = "Security group"
    column = "security_group"
    option = "group"

    def check(self, db, options: Options, operator: Operator) -> None:
        level = db.execute("SELECT level FROM security_groups WHERE name = ?",
                           [options.group]).fetchone()[0]
        if not operator.outranks(level):
            raise Invalid([Problem(
                "group", Options.model_fields["group"].title,
                f"{options.group!r} is level {level}; as a level {operator.level} operator you "
                f"may assign only groups of level {operator.level + 1} or higher")])

    def plan_sql(self, options: Options, operator: Operator) -> PlanSQL:
        base = super().plan_sql(options, operator)
        mine = "p.id = :operator_id"
        above = "0" if operator.level == 0 else f"coalesce({_LEVEL} <= :operator_level, 0)"
        return PlanSQL(
            current=base.current, new=base.new,
            outcome=f"""CASE WHEN {mine} OR {above} THEN 'skip'
                        WHEN p.current IS p.new THEN 'unchanged' ELSE 'change' END""",
            reason=f"""CASE WHEN {mine} THEN 'your own account'
                       WHEN {above} THEN 'in ' || p.security_group || ' (level ' || {_LEVEL}
                            || '), not below your level ' || :operator_level
                       WHEN p.current IS p.new THEN 'already ' || p.new END""",
            params={**base.params, "operator_id": operator.patron_id,
                    "operator_level": operator.level})
