"""`make snapshot`: take this month's scorecard snapshot of every organisation now, as the daily
scheduled function does on AWS, by asking the running local server (it holds the data), as a
platform admin: with a token signed by the development key (LDD_LOCAL_DIR), or TOKEN when the
server trusts another provider (OIDC_ISSUER in its shell)."""

import json
import os
import sys
import urllib.error
import urllib.request

from devserver import identity
from devserver.handler import RUN_SNAPSHOTS_PATH
from devserver.token import platform_admin_token


def main() -> int:
    port = int(os.environ.get("PORT") or identity.DEFAULT_PORT)
    url = identity.issuer_for(port) + RUN_SNAPSHOTS_PATH
    token = (os.environ.get("TOKEN") or "").strip() or platform_admin_token(port)
    request = urllib.request.Request(url, data=b"", method="POST", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            taken = json.load(response)["organisations"]
    except urllib.error.HTTPError as e:
        try:
            detail = ": " + json.loads(e.read())["detail"]
        except (ValueError, TypeError, KeyError):
            detail = ""
        print(f"error: the local server answered {e.code} {e.reason}{detail}", file=sys.stderr)
        return 1
    except urllib.error.URLError as e:
        print(f"error: no local server answered at {url} ({e.reason}); start it with `make run`", file=sys.stderr)
        return 1
    print(f"snapshot taken for {len(taken)} organisation(s): {', '.join(taken)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
