#!/usr/bin/env python3
"""Status of a job started by submit.py: prints running, success or failed (cluster-generic)."""

import os
import sys
from pathlib import Path


def main() -> int:
    jid = sys.argv[-1]
    jobs = Path(os.environ.get("LINREGIONS_JOBS_DIR", ".snakemake/local-cluster")).resolve()
    code = jobs / f"{jid}.exit"
    if not code.exists():
        print("running" if (jobs / f"{jid}.running").exists() else "failed")
    else:
        print("success" if code.read_text().strip() == "0" else "failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
