"""`python -m guidemo.bench _worker LOOP WORKLOAD PARAMS`: one worker of `guidemo bench`.

It runs one workload on a fresh loop and prints its result as one JSON line. Also
`python -m guidemo.bench http_panel [--requests N ...]`: the http panel measured alone.
"""

from __future__ import annotations

import json
import sys

from guidemo.bench.http import http_panel_main
from guidemo.bench.processes import no_nan
from guidemo.bench.workloads import run_workload

USAGE = """usage: python -m guidemo.bench _worker LOOP WORKLOAD PARAMS  (use `guidemo bench`)
       python -m guidemo.bench http_panel [--help]"""


def main(argv: list[str]) -> int:
    if argv[:1] == ["http_panel"]:
        return http_panel_main(argv[1:])
    if argv[:1] != ["_worker"] or len(argv) != 4:
        sys.exit(USAGE)
    loop_kind, name, raw = argv[1:]
    result = run_workload(loop_kind, name, json.loads(raw))
    print(json.dumps(no_nan(result)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
