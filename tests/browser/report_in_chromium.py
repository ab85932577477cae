#!/usr/bin/python3
"""Renders the Weihai report.html in headless Chromium (Debian's `chromium`) and checks it.

usage: report_in_chromium.py ZKMATCH_BINARY SOURCE_DIR BUILD_DIR

1. zkmatch run rules/weihai-2025.yaml and zkmatch report (Chinese, the default) into
   BUILD_DIR/browser-test/;
2. chromium --dump-dom with console logging on stderr: the page logs nothing to the console
   (no script errors, nothing blocked by its Content-Security-Policy, no failed load);
3. the DOM Chromium built holds the run's numbers: every seat block of cutoffs.csv is a row of
   the "seats" table (plan, flows, seats, admitted, cut-off), the general-high ratio is the
   run's, and verify holds;
   the publications: the 一分一段表 recounted from candidates.csv, each program's admitted list,
   the quota matrix and the junior schools' outcomes (check_publications);
4. a screenshot: BUILD_DIR/report.png (non-empty PNG);
5. zkmatch letters: candidate 2500000003's letter loads cleanly, holds its five choices and the
   placement; a screenshot: BUILD_DIR/letter.png.

Chromium missing: exit 77 (ctest: skipped) on a developer machine, but exit 1 when CI is set,
so CI cannot pass without running the browser. Nothing is downloaded.
"""
import html.parser
import os
import shutil
import subprocess
import sys

SKIP = 77


class Tables(html.parser.HTMLParser):
    """Cell texts of every <table id=...>, and the text of elements with an id."""

    def __init__(self):
        super().__init__()
        self.tables = {}
        self.by_id = {}
        self._table = None
        self._row = None
        self._cell = None
        self._ids = []  # open elements with an id: [tag, id, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "id" in a:
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag, ""]
        if "id" in a and tag != "table":
            self._ids.append([tag, a["id"], ""])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            if self._cell[0] == "td":
                self._row.append(self._cell[1])
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        if self._ids and self._ids[-1][0] == tag:
            _, ident, text = self._ids.pop()
            self.by_id[ident] = text

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        for e in self._ids:
            e[2] += data


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, **kw)


# The Chinese report shows the labels rules/weihai-2025.yaml gives batches and channels.
BATCH_LABELS = {"early": "提前批", "general": "普通批"}
CHANNEL_LABELS = {"sports": "体育特长生", "music": "音乐特长生", "art": "美术特长生", "scitech": "科技特长生", "combined": "综合艺术特长生",
                  "track_3p4": "3+4 对口贯通", "general": "统招", "balanced": "校际均衡"}


def expected_seats(cutoffs_csv):
    """(program, batch, stage, channel) -> [plan, in, out, seats, admitted, lowest cut-off], in file order."""
    rows = {}
    with open(cutoffs_csv, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            r = line.rstrip("\n").split(",")
            key = (r[col["program"]], BATCH_LABELS[r[col["batch"]]], r[col["stage"]], CHANNEL_LABELS[r[col["channel"]]])
            v = rows.setdefault(key, [0, 0, 0, 0, 0, ""])
            for i, name in enumerate(("initial_capacity", "flowed_in", "flowed_out", "capacity", "admitted")):
                v[i] += int(r[col[name]])
            cut = r[col["cutoff_total"]]
            if cut and (not v[5] or float(cut) < float(v[5])):
                v[5] = cut
    out = []
    for key, v in rows.items():
        if v[0] == 0 and v[1] == 0 and v[3] == 0 and v[4] == 0:
            continue  # a block the program does not offer: left out of the report
        out.append(list(key) + [str(x) for x in v])
    return out


def check_publications(dom, source, run_dir):
    """The publications' tables as Chromium built them: the 一分一段表 recounted from
    candidates.csv, one admitted list per program as long as cutoffs.csv's admissions, the quota
    matrix's seats, and every candidate in the junior schools' outcomes."""
    totals = {}
    with open(os.path.join(source, "fixtures", "weihai-2025", "candidates.csv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        t = header.index("total")
        for line in f:
            v = line.rstrip("\n").split(",")[t]
            totals[float(v)] = totals.get(float(v), 0) + 1
    bands = dom.tables.get("score_bands", [])
    want, cumulative = [], 0
    for total in sorted(totals, reverse=True):
        cumulative += totals[total]
        want.append([float(total), totals[total], cumulative])
    got = [[float(r[0]), int(r[1]), int(r[2])] for r in bands]
    if got != want or cumulative != 12394:
        fail("score_bands: %d rows, expected %d (cumulative %d)" % (len(got), len(want), cumulative))
    print("ok: 一分一段表 holds %d totals, 12394 candidates" % len(got))
    admitted = {}
    with open(os.path.join(run_dir, "cutoffs.csv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split(",")))
            admitted[r["program"]] = admitted.get(r["program"], 0) + int(r["admitted"])
    for program, n in admitted.items():
        rows = dom.tables.get("admitted-" + program, [])
        if len(rows) != n:
            fail("admitted list of %s has %d rows, cutoffs.csv admits %d" % (program, len(rows), n))
    print("ok: admitted lists of %d programs, %d candidates" % (len(admitted), sum(admitted.values())))
    quota = dom.tables.get("quota_matrix", [])
    seats = sum(int(c) for row in quota for c in row[1::3] if c)
    if len(quota) != 28 or seats != 965:
        fail("quota matrix: %d junior schools, %d seats (expected 28, 965)" % (len(quota), seats))
    went = sum(int(r[4]) for r in dom.tables.get("junior_outcomes", []))
    if went != 12394:
        fail("junior outcomes count %d candidates, not 12394" % went)
    print("ok: quota matrix 28 junior schools, 965 seats; junior outcomes 12394 candidates")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    zkmatch, source, build = sys.argv[1:]
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if chromium is None:
        message = "chromium is not installed (apt-get install -y chromium; see README.md)"
        if os.environ.get("CI"):
            fail(message + "; CI must run this test")
        print("SKIP: " + message, file=sys.stderr)
        return SKIP

    work = os.path.join(build, "browser-test")
    run_dir = os.path.join(work, "weihai-2025")
    os.makedirs(work, exist_ok=True)
    r = run([zkmatch, "run", "-q", "--rules", os.path.join(source, "rules", "weihai-2025.yaml"), "--out", run_dir, "--force"])
    if r.returncode != 0:
        fail("zkmatch run: " + r.stderr)
    r = run([zkmatch, "report", "--run", run_dir])
    if r.returncode != 0:
        fail("zkmatch report: " + r.stderr)
    page = os.path.join(os.path.abspath(run_dir), "report.html")
    url = "file://" + page

    # A profile of our own, so parallel or earlier runs do not share state.
    profile = os.path.join(work, "chromium-profile")
    shutil.rmtree(profile, ignore_errors=True)
    common = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--disable-extensions", "--disable-background-networking", "--user-data-dir=" + profile]
    r = run(common + ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000", "--dump-dom", url])
    if r.returncode != 0 or "</html>" not in r.stdout:
        fail("chromium --dump-dom failed (exit %d):\n%s" % (r.returncode, r.stderr[-4000:]))
    console = [line for line in r.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    if console:
        fail("the page logged to the console:\n" + "\n".join(console))

    dom = Tables()
    dom.feed(r.stdout)
    want = expected_seats(os.path.join(run_dir, "cutoffs.csv"))
    got = [[row[1], row[2], row[3], row[4]] + row[5:11] for row in dom.tables.get("seats", [])]
    if got != want:
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                fail("seats table row %d is %s, cutoffs.csv gives %s" % (i + 1, g, w))
        fail("seats table has %d rows, cutoffs.csv gives %d" % (len(got), len(want)))
    print("ok: the seats table holds all %d seat blocks of cutoffs.csv" % len(want))

    general_high = set()
    with open(os.path.join(source, "fixtures", "weihai-2025", "programs.csv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        for line in f:
            r_ = dict(zip(header, line.rstrip("\n").split(",")))
            if r_["kind"] == "general_high":
                general_high.add(r_["code"])
    placed = total = 0
    with open(os.path.join(run_dir, "placements.csv"), encoding="utf-8") as f:
        f.readline()
        for line in f:
            r_ = line.split(",")
            total += 1
            placed += r_[1] == "placed" and r_[3] in general_high
    ratio = "%.2f%% (%d / %d)" % (100.0 * placed / total, placed, total)
    if ratio not in dom.by_id.get("gh-ratio", ""):
        fail("general-high ratio: expected %s in %r" % (ratio, dom.by_id.get("gh-ratio")))
    print("ok: general-high admission ratio " + ratio)
    if "zkmatch verify" not in dom.by_id.get("verify", "") or "未通过" in dom.by_id.get("verify", ""):
        fail("verify status: %r" % dom.by_id.get("verify"))
    print("ok: verify holds")

    check_publications(dom, source, run_dir)

    png = os.path.join(build, "report.png")
    if os.path.exists(png):
        os.remove(png)
    r = run(common + ["--hide-scrollbars", "--window-size=1280,2000", "--screenshot=" + png, url])
    if r.returncode != 0 or not os.path.exists(png):
        fail("chromium --screenshot failed (exit %d):\n%s" % (r.returncode, r.stderr[-4000:]))
    with open(png, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n" or os.path.getsize(png) < 10000:
            fail(png + " is not a plausible screenshot")
    print("ok: screenshot " + png)

    # A letter to a family (zkmatch letters): its choices as the DOM holds them, and a screenshot.
    letters = os.path.join(work, "letters")
    r = run([zkmatch, "letters", "--run", run_dir, "--out", letters, "--force"])
    if r.returncode != 0:
        fail("zkmatch letters: " + r.stderr)
    letter_url = "file://" + os.path.join(os.path.abspath(letters), "2500000003.html")
    r = run(common + ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000", "--dump-dom", letter_url])
    console = [line for line in r.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    if r.returncode != 0 or console:
        fail("the letter did not load cleanly:\n" + "\n".join(console) + r.stderr[-2000:])
    items = r.stdout.count("<li>")
    if items != 5 or "你已被威海四中录取（普通批，统招名额），第 5 志愿。" not in r.stdout:
        fail("letter 2500000003: %d choices in the DOM (expected 5) or the placement missing" % items)
    letter_png = os.path.join(build, "letter.png")
    r = run(common + ["--hide-scrollbars", "--window-size=900,700", "--screenshot=" + letter_png, letter_url])
    if r.returncode != 0 or not os.path.exists(letter_png) or os.path.getsize(letter_png) < 10000:
        fail("chromium --screenshot of the letter failed")
    print("ok: letter 2500000003 with its 5 choices; screenshot " + letter_png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
