#!/usr/bin/env python3
"""Lists the English texts the dashboard translates (tools/i18n_strings.py
FILE...), or with --check CATALOGUE, those missing from the catalogue
(exit 1 when any is). Finds the literal text given to Tr/Trf/Para/Alert and
the titles and messages given to the page builders; C++ adjacent literals
are joined."""
import re
import sys

LITERAL = r'"(?:[^"\\]|\\.)*"'
JOINED = r'(%s(?:\s*%s)*)' % (LITERAL, LITERAL)
CALLS = [
    r'\bTrf?\(\s*[^,"]+,\s*' + JOINED,
    r'\bPara\(\s*[^,"]+,\s*' + JOINED,
    r'\bfield\("[^"]*",\s*' + JOINED,
    r'\b(?:Page|LoginPage|SignupPage|PasswordPage|ProjectsPage|SettingsPage|CheckFormPage|'
    r'ShowIntegrations|ShowIntegration)\(\s*\d+,\s*' + JOINED,
]


def unescape(joined):
    parts = re.findall(LITERAL, joined)
    text = "".join(p[1:-1] for p in parts)
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode(
        "latin-1").decode("utf-8")


def texts(paths):
    found = set()
    for path in paths:
        src = open(path, encoding="utf-8").read()
        for pattern in CALLS:
            for m in re.finditer(pattern, src):
                found.add(unescape(m.group(1)))
    found.discard("")
    return found


def catalogue_keys(path):
    src = open(path, encoding="utf-8").read()
    keys = set()
    for m in re.finditer(r'\{\s*' + JOINED + r',\s*' + JOINED + r'\s*\}', src):
        keys.add(unescape(m.group(1)))
    return keys


def main(argv):
    if len(argv) > 2 and argv[1] == "--check":
        keys = catalogue_keys(argv[2])
        missing = sorted(texts(argv[3:]) - keys)
        for t in missing:
            print("missing: " + t)
        return 1 if missing else 0
    for t in sorted(texts(argv[1:])):
        print(t)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
