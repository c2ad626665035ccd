#!/usr/bin/env python3
"""Checks one server's answers to TechEmpower's six test types before
benches/tfb.sh times them, as TechEmpower's own verifier does, and stricter
where it can be: the rows a server returns are compared with the database.

    check.py URL NAME "TESTS" FORTUNES_HTML SQL_COMMAND...

TESTS is a space-separated list of test types (plaintext json db queries
fortunes updates).
SQL_COMMAND is a command that runs the SQL given as its last argument and
prints rows as `id|randomnumber` lines (psql -At, sqlite3). Prints one line
per check and exits 1 if any failed."""

import http.client
import json
import re
import subprocess
import sys
import urllib.parse

URL, NAME, TESTS, FORTUNES_HTML = sys.argv[1:5]
SQL = sys.argv[5:]
HOST = urllib.parse.urlparse(URL).netloc
DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")
failures = []


def fail(test, why):
    failures.append(f"{NAME} {test}: {why}")
    print(f"  FAIL {NAME:14} {test:10} {why}", file=sys.stderr)


def get(path):
    conn = http.client.HTTPConnection(HOST, timeout=30)
    conn.request("GET", path)
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, {k.lower(): v for k, v in res.getheaders()}, body


def fetch(test, path, content_types):
    """GET path; checks status and the three headers; returns the body or None."""
    status, headers, body = get(path)
    ok = True
    if status != 200:
        fail(test, f"{path}: status {status}: {body[:200]!r}")
        return None
    if not headers.get("server"):
        ok = fail(test, f"{path}: no Server header") or False
    if not DATE.match(headers.get("date", "")):
        ok = fail(test, f"{path}: Date {headers.get('date')!r} is not an HTTP date") or False
    if headers.get("content-type", "").lower() not in content_types:
        ok = fail(test, f"{path}: Content-Type {headers.get('content-type')!r}, expected one of {content_types}") or False
    if "content-length" not in headers and headers.get("transfer-encoding") != "chunked":
        ok = fail(test, f"{path}: neither Content-Length nor chunked") or False
    return body if ok else None


def table():
    """The whole world table, id -> randomnumber."""
    out = subprocess.run(SQL + ["SELECT id, randomnumber FROM world"], check=True, capture_output=True, text=True).stdout
    return {int(a): int(b) for a, b in (line.split("|") for line in out.split())}


def is_world(w):
    return (isinstance(w, dict) and set(w) == {"id", "randomNumber"}
            and all(type(w[k]) is int and 1 <= w[k] <= 10000 for k in w))


JSON = ["application/json"]
TEXT = ["text/plain", "text/plain; charset=utf-8"]
HTML = ["text/html; charset=utf-8", "text/html;charset=utf-8"]


def check_plaintext():
    body = fetch("plaintext", "/plaintext", TEXT)
    if body is not None and body != b"Hello, World!":
        fail("plaintext", f"body {body[:100]!r}")


def check_json():
    body = fetch("json", "/json", JSON)
    if body is not None and json.loads(body) != {"message": "Hello, World!"}:
        fail("json", f"body {body[:100]!r}")


def check_db(rows):
    for _ in range(5):
        body = fetch("db", "/db", JSON)
        if body is None:
            return
        w = json.loads(body)
        if not is_world(w):
            return fail("db", f"not a world row: {body[:100]!r}")
        if rows[w["id"]] != w["randomNumber"]:
            return fail("db", f"{w} but the database holds {rows[w['id']]}")


def check_many(test, rows, before=None):
    """/queries or /updates: clamping, shape, and the rows against the database."""
    for query, count in [("", 1), ("?queries=foo", 1), ("?queries=0", 1), ("?queries=1", 1),
                         ("?queries=20", 20), ("?queries=501", 500)]:
        body = fetch(test, f"/{test}{query}", JSON)
        if body is None:
            return
        worlds = json.loads(body)
        if not isinstance(worlds, list) or len(worlds) != count:
            return fail(test, f"/{test}{query}: expected a list of {count}, got {body[:100]!r}")
        if not all(is_world(w) for w in worlds):
            return fail(test, f"/{test}{query}: not all world rows: {body[:100]!r}")
        if test == "queries":
            wrong = [w for w in worlds if rows[w["id"]] != w["randomNumber"]]
            if wrong:
                return fail(test, f"/{test}{query}: {wrong[0]} but the database holds {rows[wrong[0]['id']]}")
        else:
            after = table()
            # An id drawn twice in one request holds the last value written.
            ids = [w["id"] for w in worlds]
            once = [w for w in worlds if ids.count(w["id"]) == 1]
            wrong = [w for w in once if after[w["id"]] != w["randomNumber"]]
            if wrong:
                return fail(test, f"/{test}{query}: answered {wrong[0]} but the database holds {after[wrong[0]['id']]}")
            changed = sum(1 for k in after if after[k] != before[k])
            # A new random number equals the old one once in 10,000 draws.
            if changed < len(once) - 1:
                return fail(test, f"/{test}{query}: {len(once)} rows answered, {changed} changed in the database")
            before = after


def normalised(html):
    """The spellings of one character that TechEmpower's verifier takes as equal
    (toolset/test_types/fortune/fortune_html_parser.py, handle_charref)."""
    for spelling, canonical in [("&#x27;", "&#39;"), ("&#X27;", "&#39;"), ("&apos;", "&#39;"),
                                ("&#34;", "&quot;"), ("&#x22;", "&quot;"),
                                ("&#x2f;", "/"), ("&#x2F;", "/"), ("&#47;", "/"),
                                ("&#60;", "&lt;"), ("&#x3c;", "&lt;"), ("&#x3C;", "&lt;"),
                                ("&#62;", "&gt;"), ("&#x3e;", "&gt;"), ("&#x3E;", "&gt;")]:
        html = html.replace(spelling, canonical)
    return html


def check_fortunes():
    body = fetch("fortunes", "/fortunes", HTML)
    if body is None:
        return
    expected = open(FORTUNES_HTML, encoding="utf-8").read()
    got = normalised(body.decode("utf-8"))
    if got != expected:
        at = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        fail("fortunes", f"differs from {FORTUNES_HTML} at byte {at}: got {got[at - 20:at + 40]!r}, "
                         f"expected {expected[at - 20:at + 40]!r}")


tests = TESTS.split()
rows = table() if set(tests) & {"db", "queries", "updates"} else None
for test in tests:
    count = len(failures)
    if test == "plaintext":
        check_plaintext()
    elif test == "json":
        check_json()
    elif test == "db":
        check_db(rows)
    elif test == "queries":
        check_many("queries", rows)
    elif test == "fortunes":
        check_fortunes()
    elif test == "updates":
        check_many("updates", rows, table())
    else:
        fail(test, "unknown test type")
    if len(failures) == count:
        print(f"  ok   {NAME:14} {test}", file=sys.stderr)
sys.exit(1 if failures else 0)
