"""What the two HTTP edges (api/ for JSON, web/ for HTML) share: how records are presented, how a
request's path, body and CSV are handled, and which status each domain error is. Neither edge
imports the other; both import this."""
