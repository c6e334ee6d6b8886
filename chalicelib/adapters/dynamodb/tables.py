"""Creating the table where nothing else does: the local server and the tests. On AWS the
table is a CloudFormation resource (infra/)."""

from chalicelib.adapters.dynamodb.models import OrgItem


def create_tables() -> None:
    """Every model shares one table, so creating it from one model creates it for all."""
    if not OrgItem.exists():
        OrgItem.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
