"""No personal data in the functions' logs (issue 25): fails when a log holds an e-mail
address or a phone number in E.164 form, the two kinds of personal data the tests send.
scripts/e2e.sh runs it over the stack's log after every test has run.

usage: check_logs_private.py LOG...
"""
import re
import sys

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w])\+[1-9]\d{7,14}(?!\d)")


def main():
    found = []
    for path in sys.argv[1:]:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                for kind, pattern in (("e-mail", EMAIL), ("phone", PHONE)):
                    m = pattern.search(line)
                    if m:
                        found.append(f"{path}:{n}: {kind} {m.group(0)!r}")
    for f in found[:20]:
        print(f)
    if found:
        sys.exit(f"{len(found)} log lines hold personal data")
    print(f"no e-mail address or phone number in {', '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
