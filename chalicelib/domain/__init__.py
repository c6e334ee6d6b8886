"""Pure domain: records, scoring, lock-in rules and scorecards. Standard library only."""
