"""``python -m jobyard.cluster.controllers.job.conformance FILE...``"""

from __future__ import annotations

import sys
from pathlib import Path

from ._runner import run_file


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m jobyard.cluster.controllers.job.conformance FILE...", file=sys.stderr)
        return 2
    passed = failed = 0
    for name in argv:
        for result in run_file(Path(name)):
            if result.problems:
                failed += 1
                print(f"FAIL {result.case_id} {result.name}: {'; '.join(result.problems)}")
            else:
                passed += 1
                print(f"PASS {result.case_id} {result.name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
