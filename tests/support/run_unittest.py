"""Runs one Python test module (like `python -m unittest -v MODULE`) so that CTest can tell a skip
from a pass: exits 0 when every test ran and passed, 1 on any failure or error, and 77 (CTest's
SKIP_RETURN_CODE, see tests/CMakeLists.txt) when tests passed but some were skipped. With
DF_REQUIRE_ALL=1 (scripts/test.sh sets it: CI has root and every tool) a skip is a failure.

    python3 run_unittest.py MODULE      # from the directory holding MODULE.py
"""
import os
import sys
import unittest

SKIPPED = 77


def outcome(result, require_all):
    """The exit status for a finished unittest result."""
    if not result.wasSuccessful():
        return 1
    if result.skipped:
        return 1 if require_all else SKIPPED
    return 0


def main(argv):
    if len(argv) != 2:
        print("usage: run_unittest.py MODULE", file=sys.stderr)
        return 2
    sys.path.insert(0, os.getcwd())
    suite = unittest.defaultTestLoader.loadTestsFromName(argv[1])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    require_all = os.environ.get("DF_REQUIRE_ALL") == "1"
    for test, reason in result.skipped:
        print("SKIPPED %s: %s%s" % (test.id(), reason, " (a failure: DF_REQUIRE_ALL=1)" if require_all else ""),
              file=sys.stderr)
    if result.testsRun == 0:
        print("no tests ran", file=sys.stderr)
        return 1
    return outcome(result, require_all)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
