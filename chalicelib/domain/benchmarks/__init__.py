"""Benchmark sets, KPI values and where a value stands against a peer group's quartiles.

A benchmark set is data. Socitm's quartile tables are members-only, so a council imports the set
it receives (JSON through the API, or the CSV layout in docs/benchmarks.md); the tracker ships
only an illustrative set built from public figures. Standard library only, no I/O.

    model.py       the records: KPIs, quartiles, sets, periods, positions, and what the store keeps
    rules.py       units, periods, KPI value checks, quartiles and positions
    shape.py       a set as data: its fields, identifiers and limits, read (checked) and written
    csv_reader.py  the CSV layout a council imports, read into a set

Nothing is imported here: import each name from the module that holds it."""
