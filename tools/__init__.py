"""Commands run beside the app, never part of the Lambda zip or its layer (Chalice packages only
app.py, chalicelib/ and requirements.txt; `make package` checks that tools/ is in neither):

    bench.py              `make bench`: DynamoDB requests and latency per route, over moto
    workload.py           what `make bench` and `make cost` (infra/cost.py) measure the app with
    check_stage.py        `make package`'s checks of the stage and the packaged template
    check_package.py      ... and of the function zip and its layer (sizes, contents), via check_stage
    import_benchmarks.py  `make import-benchmarks`: a benchmark set from a CSV, into a running API

The local server itself, and its token and snapshot commands, are devserver/."""
