#!/usr/bin/env python3
"""Kill test for safe outputs (issue 6): SIGKILL `zkmatch run --force` at random moments and check
that the previous results survive intact and no half-written directory is ever left.

  kill_test.py ZKMATCH [KILLS] [CANDIDATES]

Generates a city instance once (100,000 candidates by default: a run of about 1.5 s here, most
of it loading and matching, then ~47 MB written and fsync'd), runs it once for the "previous
results", then KILLS times (default 50) starts `zkmatch run --force` on the same --out and sends
SIGKILL after a delay drawn from a seeded generator (reproducible): even-numbered kills anywhere
in [0, T], odd-numbered ones in [0.7 T, T] where the writing happens (T = the shortest of three
warm runs). After every kill:
  - the target holds a complete run: manifest.json byte-identical to the first run's, exactly
    the files it lists, each with the listed size and SHA-256 (the run is deterministic, so the
    previous and a completed new run are the same bytes);
  - nothing else is beside it except `.run.zkmatch-tmp-PID-*` of killed processes, which the
    next run removes.
Finally a normal run succeeds and leaves the target alone in its parent. Exit 0 on success.
"""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def check_run(run_dir, manifest_bytes):
    with open(os.path.join(run_dir, "manifest.json"), "rb") as f:
        got = f.read()
    if got != manifest_bytes:
        return "manifest.json differs from the first run's"
    manifest = json.loads(got)
    want = sorted([o["file"] for o in manifest["outputs"]] + ["manifest.json", "inputs"])
    have = sorted(os.listdir(run_dir))
    if have != want:
        return "files %s, manifest lists %s" % (have, want)
    # The run bundle: every input the manifest records, complete, under inputs/.
    bundled = sorted(os.listdir(os.path.join(run_dir, "inputs")))
    if bundled != sorted(set(i["path"][len("inputs/"):] for i in manifest["inputs"])):
        return "inputs/ holds %s, manifest lists %s" % (bundled, [i["path"] for i in manifest["inputs"]])
    files = [{"file": o["file"], "bytes": o["bytes"], "sha256": o["sha256"]} for o in manifest["outputs"]]
    files += [{"file": i["path"], "bytes": i["bytes"], "sha256": i["sha256"]} for i in manifest["inputs"]]
    for o in files:
        path = os.path.join(run_dir, o["file"])
        if os.path.getsize(path) != o["bytes"]:
            return "%s: %d bytes, manifest says %d" % (o["file"], os.path.getsize(path), o["bytes"])
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        if h.hexdigest() != o["sha256"]:
            return "%s: SHA-256 differs from the manifest" % o["file"]
    return None


def main():
    zkmatch = sys.argv[1]
    kills = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    candidates = sys.argv[3] if len(sys.argv) > 3 else "100000"
    work = tempfile.mkdtemp(prefix="zkmatch-kill-")
    try:
        inst = os.path.join(work, "inst")
        subprocess.run([zkmatch, "gen", "--profile", "city", "--candidates", candidates, "--seed", "7", "--out", inst],
                       check=True, stdout=subprocess.DEVNULL)
        rules = os.path.join(inst, "rules.yaml")
        parent = os.path.join(work, "out")
        target = os.path.join(parent, "run")
        cmd = [zkmatch, "run", "--rules", rules, "--out", target, "--force", "--quiet"]
        subprocess.run(cmd[:-2] + ["--quiet"], check=True)
        # T: the shortest of three warm --force runs (the first, cold run is slower).
        duration = float("inf")
        for _ in range(3):
            start = time.monotonic()
            subprocess.run(cmd, check=True)
            duration = min(duration, time.monotonic() - start)
        with open(os.path.join(target, "manifest.json"), "rb") as f:
            manifest_bytes = f.read()
        problem = check_run(target, manifest_bytes)
        if problem:
            print("first run incomplete: " + problem)
            return 1
        rng = random.Random(20250708)
        killed_pids = set()
        finished = 0
        while_writing = 0  # kills that left a temporary directory: the run was writing its outputs
        failures = []
        print("one run takes %.2f s; %d kills" % (duration, kills))
        for i in range(kills):
            low = 0.0 if i % 2 == 0 else 0.7 * duration
            delay = rng.uniform(low, duration)
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            _, err = p.communicate()
            if p.returncode == 0:
                finished += 1
            elif p.returncode != -signal.SIGKILL:
                failures.append("kill %d: zkmatch exited %d: %s" % (i, p.returncode, err.decode(errors="replace")))
                continue
            killed_pids.add(p.pid)
            if any(n.startswith(".run.zkmatch-tmp-%d-" % p.pid) for n in os.listdir(parent)):
                while_writing += 1
            problem = check_run(target, manifest_bytes)
            if problem:
                failures.append("kill %d after %.3f s: %s" % (i, delay, problem))
            for name in os.listdir(parent):
                if name == "run":
                    continue
                prefix = ".run.zkmatch-tmp-"
                pid = name[len(prefix):].split("-")[0] if name.startswith(prefix) else ""
                if not pid.isdigit() or int(pid) not in killed_pids:
                    failures.append("kill %d after %.3f s: unexpected '%s' beside the run" % (i, delay, name))
        subprocess.run(cmd, check=True)
        problem = check_run(target, manifest_bytes)
        if problem:
            failures.append("final run: " + problem)
        if sorted(os.listdir(parent)) != ["run"]:
            failures.append("after the final run the parent holds %s" % sorted(os.listdir(parent)))
        print("%d kills: %d while writing outputs, %d before, %d after the run had finished; %s" %
              (kills, while_writing, kills - while_writing - finished, finished, "ok" if not failures else "FAILED"))
        for f in failures:
            print(f)
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
