"""Which records an import may write over what the target holds (domain/transfer.py)."""

import pytest

from chalicelib.domain.transfer import DIFFERENT, NEW, NEWER, OLDER, SAME, verdict


def stamped(at: str, name: str = "x") -> dict:
    return {"name": name, "updated": {"at": at, "by": {}}}


@pytest.mark.parametrize(
    "incoming, stored, derived, outcome, write",
    [
        (stamped("2026-01-01T00:00:00Z"), None, False, NEW, True),
        (stamped("2026-01-01T00:00:00Z"), stamped("2026-01-01T00:00:00Z"), False, SAME, False),
        (stamped("2026-02-01T00:00:00Z", "b"), stamped("2026-01-01T00:00:00Z", "a"), False, OLDER, True),
        (stamped("2026-01-01T00:00:00Z", "a"), stamped("2026-02-01T00:00:00Z", "b"), False, NEWER, False),
        # The same instant, another content: not newer in the file, so not written.
        (stamped("2026-01-01T00:00:00Z", "a"), stamped("2026-01-01T00:00:00Z", "b"), False, NEWER, False),
        ({"taken_at": "2026-03-02T00:00:00Z", "v": 2}, {"taken_at": "2026-03-01T00:00:00Z", "v": 1}, False, OLDER, True),
        ({"score": 1}, {"score": 2}, False, DIFFERENT, False),  # an assessment never changes
        ({"components": {}}, {"components": {"crm": {}}}, True, OLDER, True),  # a summary follows
    ],
)
def test_what_an_import_does_with_each_record(incoming, stored, derived, outcome, write):
    judged = verdict(incoming, stored, derived)
    assert (judged.outcome, judged.write, judged.refused) == (outcome, write, outcome in (NEWER, DIFFERENT))
