#!/usr/bin/env python3
"""Reads an Autobahn|Testsuite index.json, prints one summary line (plus the cases that are not OK) and exits
non-zero when a case FAILED, when no case ran, or when a case outside 12.x/13.x (permessage-deflate, which the
transport declines on purpose) is UNIMPLEMENTED. wstest itself exits 0 even when cases fail."""
import collections
import json
import sys


def main(path):
    with open(path) as f:
        index = json.load(f)
    failed = []
    unexpected = []
    counts = collections.Counter()
    notes = []
    for agent, cases in index.items():
        for case, result in sorted(cases.items(), key=lambda kv: [int(p) for p in kv[0].split(".")]):
            behavior = result.get("behavior")
            close = result.get("behaviorClose")
            counts[behavior] += 1
            if behavior == "FAILED" or close == "FAILED":
                failed.append(case)
            elif behavior == "UNIMPLEMENTED" and not case.startswith(("12.", "13.")):
                unexpected.append(case)
            compression = case.startswith(("12.", "13."))
            if behavior not in ("OK",) and not (compression and behavior == "UNIMPLEMENTED"):
                notes.append("  %s %s (close %s)" % (case, behavior, close))
    total = sum(counts.values())
    summary = ", ".join("%d %s" % (n, b) for b, n in sorted(counts.items()))
    print("autobahn: %d cases: %s" % (total, summary))
    for line in notes:
        if not any(line.strip().startswith(c + " ") for c in failed):
            print(line)
    if failed:
        print("autobahn: FAILED cases: " + " ".join(failed))
    if unexpected:
        print("autobahn: UNIMPLEMENTED outside compression: " + " ".join(unexpected))
    if total == 0:
        print("autobahn: no case ran")
    return 1 if failed or unexpected or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
