"""`make snapshot`: take this month's scorecard snapshot of every organisation now, as the daily
scheduled function does on AWS, by asking the running local server (it holds the data)."""

import json
import os
import sys
import urllib.error
import urllib.request

from devserver import identity
from devserver.handler import RUN_SNAPSHOTS_PATH


def main() -> int:
    url = identity.issuer_for(int(os.environ.get("PORT") or identity.DEFAULT_PORT)) + RUN_SNAPSHOTS_PATH
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=120) as response:
            taken = json.load(response)["organisations"]
    except urllib.error.URLError as e:
        print(f"error: no local server answered at {url} ({e.reason}); start it with `make run`", file=sys.stderr)
        return 1
    print(f"snapshot taken for {len(taken)} organisation(s): {', '.join(taken)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
