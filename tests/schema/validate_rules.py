#!/usr/bin/python3
"""Checks rules/schema/zkmatch-rules.schema.json against the shipped rule files.

1. The schema itself must be a valid JSON Schema draft 2020-12 document.
2. Every shipped rules file must be ACCEPTED: rules/*.yaml, fixtures/**/*.yaml (except
   fixtures/bad/, which is broken on purpose for the engine), tests/schema/valid/*.yaml
   (including the two examples copied verbatim from the rules-file contract in DESIGN.md).
3. Every tests/schema/invalid/*.yaml must be REJECTED.

Usage: validate_rules.py [REPO_ROOT]   (default: two levels above this script)
Prints one line per file and a final "N passed, M failed"; exits 1 if anything failed.
Needs the Debian packages python3-jsonschema and python3-yaml; run with /usr/bin/python3.
Exits 77 (reported by ctest as skipped) when either module is missing.
"""

import json
import pathlib
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover - environment problem, not a test failure
    sys.stderr.write(f"validate_rules.py: SKIPPED: {e}; install with: apt-get install -y python3-jsonschema python3-yaml\n")
    sys.exit(77)  # ctest: SKIP_RETURN_CODE 77


class RulesLoader(yaml.SafeLoader):
    """A YAML 1.2-ish loader, closer to yaml-cpp (the engine) and the VS Code YAML extension:
    no timestamps (seed: 2025-07-08 stays text), only true/false are booleans (not yes/no/on/off),
    and mapping keys are always strings."""


RulesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
RulesLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    out = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key if isinstance(key, str) else str(key)] = loader.construct_object(value_node, deep=True)
    return out


RulesLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"at {where}: {error.message}"


def main():
    root = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2]
    schema_path = root / "rules" / "schema" / "zkmatch-rules.schema.json"
    passed = failed = 0

    def ok(label):
        nonlocal passed
        passed += 1
        print(f"ok    {label}")

    def fail(label, why):
        nonlocal failed
        failed += 1
        print(f"FAIL  {label}: {why}")

    # 1. The schema is itself a valid draft 2020-12 schema.
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            raise ValueError("$schema is not https://json-schema.org/draft/2020-12/schema")
    except Exception as e:  # noqa: BLE001 - any problem here is a failure to report
        fail(str(schema_path.relative_to(root)), f"not a valid draft 2020-12 schema: {e}")
        print(f"{passed} passed, {failed} failed")
        return 1
    ok(f"{schema_path.relative_to(root)} is a valid draft 2020-12 schema")
    validator = jsonschema.Draft202012Validator(schema)

    def load(path):
        with open(path, encoding="utf-8") as f:
            return yaml.load(f, Loader=RulesLoader)  # noqa: S506 - RulesLoader is a SafeLoader

    # 2. Shipped rule files must be accepted.
    bad_dir = root / "fixtures" / "bad"
    must_pass = sorted((root / "rules").rglob("*.yaml"))  # may be empty; rules/examples/ too
    must_pass += sorted(p for p in (root / "fixtures").rglob("*.yaml") if bad_dir not in p.parents)
    must_pass += sorted((root / "tests" / "schema" / "valid").glob("*.yaml"))
    for required in ("plain.yaml", "two-rankings.yaml"):
        if not (root / "tests" / "schema" / "valid" / required).is_file():
            fail(f"tests/schema/valid/{required}", "missing (the DESIGN.md contract example)")
    # The two copies must stay verbatim copies of the contract's examples (checked only where
    # the shared DESIGN.md is present next to the repository).
    design = root.parent / "shared" / "DESIGN.md"
    if design.is_file():
        contract = design.read_text(encoding="utf-8").split("## Contract: the rules file", 1)[-1]
        contract = contract.split("\n## ", 1)[0]
        blocks = re.findall(r"^```yaml\n(.*?)^```", contract, re.M | re.S)
        for block in blocks:
            first = block.splitlines()[0]
            m = re.match(r"# ([\w.-]+\.yaml):", first)
            if not m:
                continue
            copy = root / "tests" / "schema" / "valid" / m.group(1)
            label = f"{copy.relative_to(root)} == DESIGN.md example"
            if copy.is_file() and copy.read_text(encoding="utf-8") == block:
                ok(label)
            else:
                fail(label, f"not a verbatim copy of the {m.group(1)} example in {design}")
    for path in must_pass:
        label = str(path.relative_to(root))
        try:
            doc = load(path)
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            fail(label, "cannot be read as YAML: " + " ".join(str(e).split()))
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            fail(label, "rejected by the schema, but it is a shipped rules file; " + "; ".join(describe(e) for e in errors))
        else:
            ok(label)

    # 3. Files in tests/schema/invalid/ must be rejected.
    invalid = sorted((root / "tests" / "schema" / "invalid").glob("*.yaml"))
    if not invalid:
        fail("tests/schema/invalid/", "no invalid examples found")
    for path in invalid:
        label = str(path.relative_to(root))
        try:
            doc = load(path)
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            fail(label, "cannot be read as YAML, so it does not test the schema: " + " ".join(str(e).split()))
            continue
        text = path.read_text(encoding="utf-8")
        what = text.splitlines()[0].lstrip("# ") if text else "(no comment)"
        expect = re.search(r"^# error-at: (.*)$", text, re.M)
        errors = list(validator.iter_errors(doc))
        if not errors:
            fail(label, f"ACCEPTED by the schema but must be rejected ({what})")
            continue
        paths = {"/".join(str(p) for p in e.absolute_path) or "(top level)" for e in errors}
        if expect and expect.group(1).strip() not in paths:
            fail(label, f"rejected, but not at {expect.group(1).strip()} as its '# error-at:' line says; "
                        + "; ".join(describe(e) for e in errors))
            continue
        ok(f"{label} rejected ({describe(jsonschema.exceptions.best_match(errors))})")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
