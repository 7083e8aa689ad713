#!/usr/bin/env python3
"""Independent reader for Billing Console CSV exports (Python's csv and sqlite3 modules only).

  check_csv.py dump FILE                 print the parsed rows (header first) as JSON
  check_csv.py invoices FILE CACHE.db    compare an unfiltered invoices export with the cache, row by row
  check_csv.py customers FILE CACHE.db   the same for customers

Checks the RFC 4180 framing on the raw bytes too (CRLF record ends, optional UTF-8 BOM).
Exit 0 when everything matches; 1 with the first differences on stderr.
"""
import csv
import datetime
import io
import json
import sqlite3
import sys

EXPONENT = {"jpy": 0, "krw": 0, "vnd": 0, "clp": 0, "xof": 0, "xaf": 0, "kwd": 3, "bhd": 3, "jod": 3, "omr": 3, "tnd": 3}


def read(path):
    raw = open(path, "rb").read()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    if raw and not raw.endswith(b"\r\n"):
        raise SystemExit("file does not end with CRLF")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    # Every record end is CRLF: count bare LFs that are not inside quoted fields.
    inside = sum(field.count("\n") for row in rows for field in row)
    bare = text.replace("\r\n", "").count("\n")
    if bare != inside:
        raise SystemExit("a record ends with LF instead of CRLF")
    return bom, rows


def amount(minor, currency):
    if minor is None or not currency:
        return ""
    e = EXPONENT.get(currency.lower(), 2)
    sign = "-" if minor < 0 else ""
    v = abs(int(minor))
    if e == 0:
        return f"{sign}{v}"
    return f"{sign}{v // 10**e}.{v % 10**e:0{e}d}"


def date(secs):
    if secs is None:
        return ""
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(s):
    s = s or ""
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + s
    return s


def compare(name, rows, expected):
    errors = []
    if len(rows) != len(expected):
        errors.append(f"{name}: {len(rows)} rows in the file, {len(expected)} expected")
    for i, (got, want) in enumerate(zip(rows, expected)):
        if got != want:
            errors.append(f"{name} row {i + 1}: got {got!r}, want {want!r}")
            if len(errors) > 10:
                break
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    print(f"{name}: {len(rows)} rows match")
    return 0


def invoices(path, db):
    _, rows = read(path)
    header = ["id", "number", "customer_id", "customer_name", "customer_email", "subscription_id", "status",
              "collection_method", "billing_reason", "currency", "subtotal", "total", "amount_due", "amount_paid",
              "amount_remaining", "attempt_count", "created", "due_date", "period_start", "period_end", "paid_at"]
    if rows[0] != header:
        print(f"header {rows[0]!r}", file=sys.stderr)
        return 1
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    expected = []
    for r in con.execute("SELECT id, number, customer_id, customer_name, customer_email, subscription_id, status,"
                         " collection_method, billing_reason, currency, subtotal, total, amount_due, amount_paid,"
                         " amount_remaining, attempt_count, created, due_date, period_start, period_end, paid_at"
                         " FROM invoices ORDER BY COALESCE(created, 9223372036854775807), id"):
        cur = r[9]
        expected.append([text(x) for x in r[0:9]] + [cur.upper()] + [amount(x, cur) for x in r[10:15]]
                        + [str(r[15])] + [date(x) for x in r[16:21]])
    return compare("invoices", rows[1:], expected)


def customers(path, db):
    _, rows = read(path)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    expected = []
    for r in con.execute("SELECT id, name, email, description, phone, country, currency, balance, delinquent, created"
                         " FROM customers ORDER BY id"):
        cur = r[6]
        expected.append([text(x) for x in r[0:6]] + [cur.upper(), amount(r[7], cur), str(r[8]), date(r[9])])
    return compare("customers", rows[1:], expected)


def main(argv):
    if len(argv) >= 3 and argv[1] == "dump":
        bom, rows = read(argv[2])
        print(json.dumps({"bom": bom, "rows": rows}, ensure_ascii=False))
        return 0
    if len(argv) == 4 and argv[1] == "invoices":
        return invoices(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "customers":
        return customers(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
