"""The functions' logs of an e2e run, as an on-call engineer reads them (issue 25):

- no personal data: fails when a line holds an e-mail address or a phone number in E.164
  form, the two kinds of personal data the tests send;
- every EMF line is EMF: its `_aws` block names metrics that are numbers on the line and
  dimensions that are strings on it, in namespace `Loyalty`;
- every function an event source invokes (the stream consumers and the scheduled jobs of
  template.yaml) wrote its line, as the requests' functions do.

scripts/e2e.sh runs it over the stack's log after every test has run.

usage: check_logs.py LOG...
"""
import json
import re
import sys

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w])\+[1-9]\d{7,14}(?!\d)")
JOBS = {"notifier", "webhook-fanout", "webhook-sender", "expire-lots", "expire-purchases"}


def emf_problem(doc):
    """Why `doc` is not an EMF document CloudWatch would take, or None."""
    aws = doc.get("_aws")
    if not isinstance(aws, dict) or not isinstance(aws.get("Timestamp"), int):
        return "no _aws block with a Timestamp"
    for directive in aws.get("CloudWatchMetrics") or [None]:
        if not isinstance(directive, dict) or directive.get("Namespace") != "Loyalty":
            return "a directive without namespace Loyalty"
        for metric in directive.get("Metrics", []):
            if not isinstance(doc.get(metric.get("Name")), (int, float)):
                return f"metric {metric.get('Name')} has no number"
        for dimensions in directive.get("Dimensions", []):
            for d in dimensions:
                if not isinstance(doc.get(d), str):
                    return f"dimension {d} has no string"
    return None


def main():
    found, bad, operations = [], [], set()
    for path in sys.argv[1:]:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                for kind, pattern in (("e-mail", EMAIL), ("phone", PHONE)):
                    m = pattern.search(line)
                    if m:
                        found.append(f"{path}:{n}: {kind} {m.group(0)!r}")
                start = line.find('{"')
                if '"_aws"' not in line or start < 0:
                    continue
                try:
                    doc = json.loads(line[start:])
                except ValueError:
                    bad.append(f"{path}:{n}: an EMF line that is not JSON")
                    continue
                problem = emf_problem(doc)
                if problem:
                    bad.append(f"{path}:{n}: {problem}")
                operations.add(doc.get("operation"))
    for f in (found + bad)[:20]:
        print(f)
    missing = sorted(JOBS - operations)
    if found:
        sys.exit(f"{len(found)} log lines hold personal data")
    if bad:
        sys.exit(f"{len(bad)} EMF lines CloudWatch would not take")
    if missing:
        sys.exit(f"no EMF line from {', '.join(missing)}")
    print(f"no e-mail address or phone number in {', '.join(sys.argv[1:])}; "
          f"EMF lines from {len(operations)} operations, the jobs among them")


if __name__ == "__main__":
    main()
