"""The local development server: the Chalice app over an embedded moto DynamoDB, with its data
saved under .local/ after every write, and its own sign-in (a development key under .local/, see
devserver.identity). Run it with `python -m devserver` (or `make run`); `python -m devserver.token`
(`make token`) prints a token for it, and `python -m devserver.snapshot` (`make snapshot`) asks it
for this month's snapshots. The tools beside it (bench, packaging checks, the benchmark importer)
are in tools/.

Nothing is imported here: `python -m devserver` must set the environment before botocore,
PynamoDB or the app are imported."""
