#!/usr/bin/python3
"""Rebuilds the seed corpora under fuzz/corpus/ from the repository's own files.

  csv/         every fixtures/**/*.csv (files over 4 KiB cut to their first lines)
  rules/       rules/*.yaml, fixtures/**/*.yaml, tests/schema/**/*.yaml
  expression/  every condition and ranking key written in those rules files
  json/        audit.jsonl lines (one per record kind) and manifest.json of a few runs
  xlsx/        small workbooks (first byte 0: the bytes are an .xlsx file) and parts (first
               byte 1: sheet XML, NUL, shared strings, NUL, styles), see fuzz/xlsx_fuzzer.cc

Usage: fuzz/make_corpus.py [path/to/zkmatch]   (the json corpus needs a built zkmatch;
default build/zkmatch; without one it is left as it is). Needs python3-yaml.
Seeds stay small (libFuzzer's default maximum input length follows the largest seed).
"""
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
MAX_SEED = 4096
JSON_CASES = ["plain", "stages", "lines", "balanced-table", "flow-later-batch", "specialists", "ties"]


def reset(name):
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def flat_name(path):
    return "__".join(path.relative_to(ROOT).parts)


def head(data, limit=MAX_SEED):
    """At most `limit` bytes, cut after a line end."""
    if len(data) <= limit:
        return data
    cut = data.rfind(b"\n", 0, limit)
    return data[: cut + 1] if cut > 0 else data[:limit]


def write_unique(d, name, data, seen):
    digest = hashlib.sha1(data).hexdigest()
    if digest in seen:
        return
    seen.add(digest)
    (d / name).write_bytes(data)


def rules_files():
    files = sorted(ROOT.glob("rules/*.yaml")) + sorted(ROOT.glob("fixtures/**/*.yaml"))
    files += sorted(ROOT.glob("tests/schema/**/*.yaml"))
    return files


EXPRESSION_KEYS = {"eligible", "programs", "general_high", "count", "score"}


# The rest of the grammar (expression.h), which the shipped rules do not all use.
EXTRA_EXPRESSIONS = [
    "not (a < 1 or b <= 2) and c > 3 and d >= 4.5",
    "x != 'A' and y == \"B\" and z not in [A, 城区, 'c d']",
    "n in [1, 2, 3.25] or n not in [4]",
    "district not in program.area and program.kind = 'public'",
    "min(a, b, 3) / 2 - -c * 0.01",
    "(chinese + maths) * 1.5 - max(english, 0)",
    "line.control + 10 <= total",
    "id = '2500000001' and total > 0",
]


def expressions(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("inputs", "columns"):  # file names and headers, not expressions
                continue
            if k in EXPRESSION_KEYS and isinstance(v, (str, int, float)):
                out.append(str(v))
            elif k == "keys" and isinstance(v, list):
                for key in v:
                    if isinstance(key, str):
                        for suffix in (" desc", " asc"):
                            if key.endswith(suffix):
                                key = key[: -len(suffix)]
                        out.append(key)
            else:
                expressions(v, out)
    elif isinstance(node, list):
        for v in node:
            expressions(v, out)


XLSX_SHEET = (b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
              b'<row r="2"><c r="A2" t="inlineStr"><is><r><t>Z</t></r><r><t>1</t></r></is></c><c r="B2"><v>612.49999999999994</v></c></row>'
              b'<row r="4"><c r="A4" t="s"><v>2</v></c><c r="B4" s="1"><v>45123</v></c><c r="C4"><f>B4*2</f><v>1</v></c>'
              b'<c r="D4" t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row></sheetData></worksheet>')
XLSX_STRINGS = b'<sst><si><t>id</t></si><si><r><t>to</t></r><r><t>tal</t><rPh><t>x</t></rPh></r></si><si><t>Z2</t></si></sst>'
XLSX_STYLES = (b'<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;y&quot;m"/></numFmts>'
               b'<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>')


def xlsx_file(sheet, strings, styles):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name, data):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # the same bytes every time
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        put("xl/workbook.xml", b'<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        put("xl/_rels/workbook.xml.rels", b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')
        put("xl/worksheets/sheet1.xml", sheet)
        put("xl/sharedStrings.xml", strings)
        put("xl/styles.xml", styles)
    return buf.getvalue()


def main():
    seen = set()
    d = reset("xlsx")
    write_unique(d, "workbook.xlsx", b"\x00" + xlsx_file(XLSX_SHEET, XLSX_STRINGS, XLSX_STYLES), seen)
    write_unique(d, "parts", b"\x01" + XLSX_SHEET + b"\x00" + XLSX_STRINGS + b"\x00" + XLSX_STYLES, seen)
    write_unique(d, "parts-named-sheet", b"\x02" + XLSX_SHEET + b"\x00" + XLSX_STRINGS, seen)
    seen = set()
    d = reset("csv")
    for f in sorted(ROOT.glob("fixtures/**/*.csv")):
        write_unique(d, flat_name(f), head(f.read_bytes()), seen)

    d = reset("rules")
    found = []
    for f in rules_files():
        data = f.read_bytes()
        write_unique(d, flat_name(f), head(data, 16384), seen)
        try:
            expressions(yaml.safe_load(data), found)
        except Exception:  # fixtures/bad/ holds broken YAML on purpose
            pass

    d = reset("expression")
    for e in found + EXTRA_EXPRESSIONS:
        data = e.encode()
        write_unique(d, hashlib.sha1(data).hexdigest(), data, seen)

    zkmatch = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "zkmatch")
    if not os.access(zkmatch, os.X_OK):
        print(f"no {zkmatch}: fuzz/corpus/json left as it is", file=sys.stderr)
        return
    d = reset("json")
    with tempfile.TemporaryDirectory() as tmp:
        for case in JSON_CASES:
            rules = sorted((ROOT / "fixtures" / "cases" / case).glob("*.yaml"))[0]
            run = pathlib.Path(tmp) / case
            subprocess.run([str(zkmatch), "run", "--rules", str(rules.relative_to(ROOT)), "--out", str(run)],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            kinds = set()

            def portable(data):  # the audit log records absolute paths
                return data.replace(str(run).encode(), b"out/" + case.encode()).replace(str(ROOT).encode() + b"/", b"")

            for line in portable((run / "audit.jsonl").read_bytes()).splitlines():
                kind = json.loads(line).get("record")
                if kind in kinds:
                    continue
                kinds.add(kind)
                data = head(line)
                write_unique(d, f"{case}.audit.{kind}.json", data, seen)
            write_unique(d, f"{case}.manifest.json", head(portable((run / "manifest.json").read_bytes())), seen)


if __name__ == "__main__":
    main()
