"""`make import-benchmarks`: tools/import_benchmarks.py against a tiny stand-in for the API
(stdlib http.server on 127.0.0.1:0) that records every request and answers as configured."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from chalicelib.domain.benchmarks.csv_reader import CSV_COLUMNS
from tools import import_benchmarks

HEADER = ",".join(CSV_COLUMNS)
SET = "socitm-2025,Socitm benchmarks 2025,\"Socitm benchmarking, members' tables\",2025-06-30,false"
GOOD_ROWS = (
    f"{SET},cost_per_user,Cost per user,gbp,lower,org,London boroughs,2500,3135,3800,31",
    f"{SET},cost_per_user,Cost per user,gbp,lower,org,Unitary authorities,2100,2600,3100,",
    f"{SET},ict_satisfaction,Satisfaction with ICT,score,higher,service,London boroughs,4.8,5.3,5.9,",
    f"{SET},devices_donated,Devices donated,count,higher,org,,,,,",
)


class StandIn:
    """Records requests; answers each with (status, body) from `answer`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answer = (201, {"set_id": "socitm-2025"})
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.requests.append({"method": "PUT", "path": self.path, "headers": dict(self.headers),
                                          "body": json.loads(raw)})
                status, body = stand_in.answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status < 400 else "application/problem+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    stand_in = StandIn()
    yield stand_in
    stand_in.close()


def write(tmp_path, *rows, bom=False):
    path = tmp_path / "set.csv"
    path.write_text(("\ufeff" if bom else "") + "\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def run(*argv, env=None):
    out, err = io.StringIO(), io.StringIO()
    code = import_benchmarks.main([str(a) for a in argv], env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_a_valid_file_is_put_once_with_the_token(tmp_path, api):
    code, out, err = run(write(tmp_path, *GOOD_ROWS, bom=True), "--api", api.url, "--token", "tok-123")
    assert (code, err) == (0, "")
    assert out == "imported socitm-2025: 3 KPIs, 2 peer groups (created)\n"
    [request] = api.requests
    assert request["path"] == "/benchmarks/socitm-2025"
    assert request["headers"]["Authorization"] == "Bearer tok-123"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert "set_id" not in body
    assert body["title"] == "Socitm benchmarks 2025" and body["published"] == "2025-06-30"
    assert body["illustrative"] is False
    assert [k["kpi_id"] for k in body["kpis"]] == ["cost_per_user", "ict_satisfaction", "devices_donated"]
    assert body["kpis"][0] == {"kpi_id": "cost_per_user", "title": "Cost per user", "unit": "gbp",
                               "better": "lower", "level": "org"}
    assert body["peer_groups"] == {
        "London boroughs": {"cost_per_user": {"p25": 2500, "median": 3135, "p75": 3800, "n": 31},
                            "ict_satisfaction": {"p25": 4.8, "median": 5.3, "p75": 5.9}},
        "Unitary authorities": {"cost_per_user": {"p25": 2100, "median": 2600, "p75": 3100}},
    }


def test_a_replaced_set_says_so(tmp_path, api):
    api.answer = (200, {})
    code, out, _ = run(write(tmp_path, *GOOD_ROWS), "--api", api.url, "--token", "t")
    assert code == 0 and out.endswith("(replaced)\n")


def test_without_a_token_the_local_development_key_signs_a_platform_admin_token(tmp_path, api):
    port = api.url.rsplit(":", 1)[1]
    local = tmp_path / "local"
    code, _, err = run(write(tmp_path, *GOOD_ROWS), env={"PORT": port, "LDD_LOCAL_DIR": str(local)})
    assert code == 0, err
    token = api.requests[0]["headers"]["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == api.url and claims["cognito:groups"] == ["platform_admin"]
    assert (local / "dev-signing-key.pem").exists()


def test_bad_rows_are_all_reported_by_line_and_nothing_is_sent(tmp_path, api):
    rows = list(GOOD_ROWS)
    rows[1] = rows[1].replace(",gbp,", ",stars,")  # line 3, but reported under the KPI's first line too
    rows[3] = rows[3].replace("Devices donated,count,higher,org,,,,,", "Devices donated,count,higher,org,,,12,,")
    rows.append(f"{SET},cost_per_user,Cost per user,gbp,lower,org,Counties,3000,2900,3500,")
    code, out, err = run(write(tmp_path, *rows), "--api", api.url, "--token", "t")
    assert code == 1 and out == ""
    assert api.requests == []
    assert "Nothing was imported" in err
    assert "line 3.unit:" in err
    assert "line 5.peer_group:" in err
    assert "line 6.p25:" in err
    keys = [line.strip().split(":")[0] for line in err.splitlines()[1:]]
    assert keys == sorted(keys, key=import_benchmarks.line_order)


def test_errors_sort_by_line_number_not_text():
    keys = ["line 10.unit", "line 2", "line 9.p25", "line 2.kpi_id", "score_range"]
    assert sorted(keys, key=import_benchmarks.line_order) == ["line 2", "line 2.kpi_id", "line 9.p25", "line 10.unit",
                                                              "score_range"]


def test_a_large_file_shows_progress(tmp_path, api):
    rows = [f"{SET},cost_per_user,Cost per user,gbp,lower,org,Group {i:04d},2500,3135,3800,"
            for i in range(3000)]
    code, out, err = run(write(tmp_path, *rows), "--api", api.url, "--token", "t")
    assert code == 0, err
    assert err.splitlines() == ["read 1,000 of 3,000 rows", "read 2,000 of 3,000 rows",
                                "read 3,000 of 3,000 rows; checking them"]
    assert out == "imported socitm-2025: 1 KPIs, 3000 peer groups (created)\n"
    assert len(api.requests) == 1 and len(api.requests[0]["body"]["peer_groups"]) == 3000


def test_a_small_file_shows_no_progress(tmp_path, api):
    _, _, err = run(write(tmp_path, *GOOD_ROWS), "--api", api.url, "--token", "t")
    assert err == ""


def test_an_http_422_prints_its_detail_and_errors(tmp_path, api):
    api.answer = (422, {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
                        "detail": "The benchmark set is not valid.",
                        "errors": {"kpis.1.unit": ["'stars' is not a unit"], "score_range": ["low must be below high"]}})
    code, out, err = run(write(tmp_path, *GOOD_ROWS), "--api", api.url, "--token", "t")
    assert code == 1 and out == ""
    assert "error: the API answered 422: The benchmark set is not valid." in err
    assert "  kpis.1.unit: 'stars' is not a unit" in err
    assert "  score_range: low must be below high" in err


def test_a_server_that_is_not_running_gets_a_hint(tmp_path):
    stand_in = StandIn()
    url = stand_in.url
    stand_in.close()  # nothing listens on the port now
    code, _, err = run(write(tmp_path, *GOOD_ROWS), "--api", url, "--token", "t")
    assert code == 1
    assert "make run" in err


def test_a_deployed_api_needs_a_token(tmp_path):
    code, _, err = run(write(tmp_path, *GOOD_ROWS), "--api", "https://api.example.gov.uk")
    assert code == 1 and "--token" in err


def test_a_missing_or_non_utf8_file(tmp_path):
    code, _, err = run(tmp_path / "nope.csv")
    assert code == 1 and "does not exist" in err
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + GOOD_ROWS[0].replace("Cost", "Co\u00fbt") + "\n").encode("latin-1"))
    code, _, err = run(path)
    assert code == 1 and "not UTF-8" in err


def test_a_set_too_large_for_one_request_is_refused_before_sending(tmp_path, api, monkeypatch):
    monkeypatch.setattr(import_benchmarks, "MAX_BODY_BYTES", 100)
    code, _, err = run(write(tmp_path, *GOOD_ROWS), "--api", api.url, "--token", "t")
    assert code == 1 and "split it" in err and api.requests == []
