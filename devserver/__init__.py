"""The local development server: the Chalice app over an embedded moto DynamoDB, with its data
saved under .local/ after every write. Run it with `python -m devserver` (or `make run`).

Nothing is imported here: `python -m devserver` must set the environment before botocore,
PynamoDB or the app are imported."""
