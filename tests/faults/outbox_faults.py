#!/usr/bin/env python3
"""Fault test of Billing Console's outbox: exactly-once money operations.

Runs N operations (small partial refunds against demo payment intents of paid invoices, and
customer metadata updates) through the billing-console CLI, each with its own --op-id, while
 - this script SIGKILLs the process at random moments (0-150 ms after it starts), and
 - the sandbox drops connections, delays answers, answers 429/500, and drops answers after
   applying the write (POST /__sandbox/config faults).
A killed or unfinished command is run again with the same --op-id until it exits 0; then
`outbox run` drains the queue. The sandbox's own records (GET /__sandbox/applied, the refunds of
each payment intent, each customer's metadata) must show every operation applied exactly once.

Environment: BC_SANDBOX_URL, BC_SANDBOX_KEY (set by CTest's sandbox fixture). Standard library only.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict

SANDBOX = os.environ.get("BC_SANDBOX_URL", "").rstrip("/")
KEY = os.environ.get("BC_SANDBOX_KEY", "")
ZERO_DECIMAL = {"jpy", "krw"}


def http(method, path, body=None):
    data = None
    headers = {"Authorization": "Bearer " + KEY}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    for attempt in range(20):  # the checker itself must not trip over injected faults
        try:
            req = urllib.request.Request(SANDBOX + path, data=data, method=method, headers=headers)
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            if e.code in (429, 500) and attempt < 19:
                time.sleep(0.05)
                continue
            raise
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if attempt == 19:
                raise
            time.sleep(0.05)


def list_all(path, limit_pages=1000):
    out, after = [], None
    sep = "&" if "?" in path else "?"
    for _ in range(limit_pages):
        page = http("GET", f"{path}{sep}limit=100" + (f"&starting_after={after}" if after else ""))
        out += page["data"]
        if not page.get("has_more") or not page["data"]:
            break
        after = page["data"][-1]["id"]
    return out


def faults_total(stats):
    return sum(int(v) for v in stats.get("faults", {}).values())


class Runner:
    def __init__(self, args, env):
        self.args = args
        self.env = env
        self.lock = threading.Lock()
        self.kills = 0
        self.runs = 0
        self.reruns_unfinished = 0
        self.problems = []
        self.start_ms = []

    def base(self):
        a = self.args
        return [a.console, "--data-dir", a.data_dir, "--workspace", "faults", "--base-url", SANDBOX]

    def run_once(self, argv, rng, kill):
        started = time.monotonic()
        p = subprocess.Popen(self.base() + argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        killed = False
        if kill:
            try:
                p.wait(timeout=rng.uniform(0, self.args.kill_max_ms) / 1000.0)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                killed = True
        out, err = p.communicate()
        with self.lock:
            self.runs += 1
            if killed and p.returncode == -signal.SIGKILL:
                self.kills += 1
            elif not kill:
                self.start_ms.append((time.monotonic() - started) * 1000)
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def run_op(self, op, rng):
        for attempt in range(self.args.max_attempts):
            kill = rng.random() < self.args.kill_probability
            code, out, err = self.run_once(op["argv"], rng, kill)
            if code == 0:
                return True
            if code == -signal.SIGKILL:
                continue
            if code == 2:
                with self.lock:
                    self.problems.append(f"{op['op_id']}: bad arguments: {err.strip()}")
                return False
            with self.lock:
                self.reruns_unfinished += 1  # 1 (refused/attention) or 3 (queued, not sent): try again
            if code == 1 and "refused" in err:
                with self.lock:
                    self.problems.append(f"{op['op_id']}: Stripe refused it: {err.strip()}")
                return False
        with self.lock:
            self.problems.append(f"{op['op_id']}: not done after {self.args.max_attempts} runs")
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--operations", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("BC_FAULT_SEED", "20261101")))
    ap.add_argument("--kill-probability", type=float, default=0.5)
    ap.add_argument("--kill-max-ms", type=float, default=0.0,
                    help="kill window; 0: 3x the measured run time of a command, at most 150 ms")
    ap.add_argument("--max-attempts", type=int, default=60)
    ap.add_argument("--fault", type=float, default=0.04, help="probability of each sandbox fault kind")
    args = ap.parse_args()
    if not SANDBOX or not KEY:
        print("BC_SANDBOX_URL / BC_SANDBOX_KEY are not set: run through CTest (fixture sandbox)", file=sys.stderr)
        return 2

    t0 = time.monotonic()
    rng = random.Random(args.seed)
    run_id = "%06x" % random.Random().getrandbits(24)  # fresh per run: the sandbox may have seen earlier runs
    shutil.rmtree(args.work_dir, ignore_errors=True)
    os.makedirs(args.work_dir)
    args.data_dir = os.path.join(args.work_dir, "data")
    env = dict(os.environ)
    env["BILLING_CONSOLE_STRIPE_KEY"] = KEY
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + os.path.join(args.work_dir, "no-bus")  # no keychain here
    env["HOME"] = args.work_dir
    env["XDG_CONFIG_HOME"] = os.path.join(args.work_dir, "config")
    env["XDG_DATA_HOME"] = os.path.join(args.work_dir, "share")
    runner = Runner(args, env)

    # The operations: refunds of one minor unit against succeeded demo payment intents, and
    # metadata updates of demo customers.
    # Other tests share this sandbox and may have refunded some payments: use untouched ones only.
    refunded = {r.get("payment_intent") for r in list_all("/v1/refunds")}
    pis = [p for p in list_all("/v1/payment_intents")
           if p.get("status") == "succeeded" and p.get("amount", 0) >= 2000 and p["id"] not in refunded]
    customers = [c for c in list_all("/v1/customers", 3) if not c.get("deleted")]
    if len(pis) < 20 or len(customers) < 20:
        print(f"not enough demo data: {len(pis)} payment intents, {len(customers)} customers", file=sys.stderr)
        return 1
    ops = []
    n_refunds = args.operations // 2
    for i in range(args.operations):
        op_id = f"{run_id}-{i}"
        if i < n_refunds:
            pi = pis[i % len(pis)]
            cur = pi["currency"]
            amount = "1" if cur in ZERO_DECIMAL else "0.01"
            argv = ["refund", "create", "--payment-intent", pi["id"], "--amount", amount, "--currency", cur.upper(),
                    "--reason", "requested_by_customer", "--metadata", f"fault_op={op_id}", "--op-id", op_id]
            ops.append({"kind": "refund", "op_id": op_id, "pi": pi["id"], "argv": argv})
        else:
            cus = customers[i % len(customers)]
            key = f"f{run_id}_{i}"
            argv = ["customer", "update", cus["id"], "--metadata", f"{key}=v{i}", "--op-id", op_id]
            ops.append({"kind": "customer", "op_id": op_id, "customer": cus["id"], "meta_key": key,
                        "meta_value": f"v{i}", "argv": argv})
    rng.shuffle(ops)

    # Warm up: creates the workspace once (not under kill), and measures the process start cost.
    for _ in range(5):
        code, out, err = runner.run_once(["outbox", "list"], rng, False)
        if code != 0:
            print("billing-console outbox list failed:", code, err, file=sys.stderr)
            return 1
    if args.kill_max_ms <= 0:
        # Kill points spread over the whole life of a command (which takes tens of ms here).
        args.kill_max_ms = min(150.0, 3 * sorted(runner.start_ms)[len(runner.start_ms) // 2])

    stats_before = http("GET", "/__sandbox/stats")
    applied_since = http("GET", "/__sandbox/applied?since=999999999")["count"]
    fault_cfg = {"drop": args.fault, "delay": args.fault, "delayMs": 300, "http429": args.fault,
                 "http500": args.fault, "dropAfterApply": args.fault}
    http("POST", "/__sandbox/config", {"faults": fault_cfg, "faultSeed": args.seed})
    drained = False
    outbox_runs = 0
    try:
        queue = list(ops)
        qlock = threading.Lock()

        def worker(wid):
            wrng = random.Random(args.seed * 31 + wid)
            while True:
                with qlock:
                    if not queue:
                        return
                    op = queue.pop()
                runner.run_op(op, wrng)

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(args.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Drain what is left (faults still on), without kills.
        for _ in range(30):
            outbox_runs += 1
            code, out, err = runner.run_once(["outbox", "run"], rng, False)
            if code == 0:
                drained = True
                break
    finally:
        http("POST", "/__sandbox/config", {"faults": {"drop": 0, "delay": 0, "http429": 0, "http500": 0,
                                                      "dropAfterApply": 0}})
    stats_after = http("GET", "/__sandbox/stats")

    # The sandbox's own records.
    applied = http("GET", f"/__sandbox/applied?since={applied_since}")["data"]
    applied_by_path = Counter(a["path"] for a in applied if a["method"] == "POST")
    keys = Counter(a["idempotency_key"] for a in applied if a.get("idempotency_key"))
    duplicates = sum(n - 1 for n in keys.values() if n > 1)
    lost = 0
    details = []
    refunds_by_op = Counter()
    for pi in sorted({o["pi"] for o in ops if o["kind"] == "refund"}):
        for r in list_all(f"/v1/refunds?payment_intent={pi}"):
            op_id = (r.get("metadata") or {}).get("fault_op", "")
            if op_id.startswith(run_id + "-"):
                refunds_by_op[op_id] += 1
    ops_by_customer = defaultdict(list)
    for o in ops:
        if o["kind"] == "refund":
            n = refunds_by_op.get(o["op_id"], 0)
            if n == 0:
                lost += 1
                details.append(f"lost refund {o['op_id']}")
            elif n > 1:
                duplicates += n - 1
                details.append(f"refund {o['op_id']} applied {n} times")
        else:
            ops_by_customer[o["customer"]].append(o)
    for cus, cops in ops_by_customer.items():
        meta = http("GET", f"/v1/customers/{cus}").get("metadata") or {}
        for o in cops:
            if meta.get(o["meta_key"]) != o["meta_value"]:
                lost += 1
                details.append(f"lost customer update {o['op_id']}")
        n = applied_by_path.get(f"/v1/customers/{cus}", 0)
        if n > len(cops):
            duplicates += n - len(cops)
            details.append(f"customer {cus}: {n} updates applied for {len(cops)} operations")
    n_refund_ops = sum(1 for o in ops if o["kind"] == "refund")
    if applied_by_path.get("/v1/refunds", 0) > n_refund_ops:
        details.append(f"{applied_by_path['/v1/refunds']} refunds applied for {n_refund_ops} operations")
        duplicates = max(duplicates, applied_by_path["/v1/refunds"] - n_refund_ops)

    faults = faults_total(stats_after) - faults_total(stats_before)
    by_kind = {k: int(stats_after["faults"].get(k, 0)) - int(stats_before["faults"].get(k, 0))
               for k in stats_after.get("faults", {})}
    wall = time.monotonic() - t0
    starts = sorted(runner.start_ms)
    median_start = starts[len(starts) // 2] if starts else 0.0
    print("==== outbox fault test ====")
    print(f"operations:        {len(ops)} ({n_refund_ops} refunds, {len(ops) - n_refund_ops} customer updates)")
    print(f"process runs:      {runner.runs} (median unkilled run {median_start:.0f} ms)")
    print(f"kills (SIGKILL):   {runner.kills} (kill window 0-{args.kill_max_ms:.0f} ms after start)")
    print(f"re-runs after a queued/unsent exit: {runner.reruns_unfinished}; outbox run passes: {outbox_runs}")
    print(f"faults injected:   {faults} {json.dumps(by_kind, sort_keys=True)}")
    print(f"writes applied:    {len(applied)}")
    print(f"duplicates:        {duplicates}")
    print(f"lost:              {lost}")
    print(f"wall time:         {wall:.1f} s")
    print("===========================")
    for line in (details + runner.problems)[:30]:
        print("  " + line)
    ok = drained and duplicates == 0 and lost == 0 and not runner.problems
    if not drained:
        print("the outbox did not drain", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
