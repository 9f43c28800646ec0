#!/usr/bin/env python3
"""A stand-in scheduler for snakemake's cluster-generic executor: each job its own process.

Snakemake calls ``submit.py <jobscript>``; this starts the jobscript as a detached background
process (its own session, so it outlives nothing but itself), prints a job id, and records the
exit code in ``$LINREGIONS_JOBS_DIR`` (default ``.snakemake/local-cluster``) when the job ends.
``status.py <id>`` reports it. Only the standard library is used, so any python3 runs it.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path


def main() -> int:
    jobscript = sys.argv[-1]
    jobs = Path(os.environ.get("LINREGIONS_JOBS_DIR", ".snakemake/local-cluster")).resolve()
    jobs.mkdir(parents=True, exist_ok=True)
    jid = uuid.uuid4().hex[:12]
    out, code = jobs / f"{jid}.out", jobs / f"{jid}.exit"
    # The exit code is written to a temporary name and renamed, so status never reads half a file.
    wrapper = f'bash "{jobscript}" > "{out}" 2>&1; echo $? > "{code}.tmp"; mv "{code}.tmp" "{code}"'
    subprocess.Popen(["bash", "-c", wrapper], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    (jobs / f"{jid}.running").write_text(jobscript)
    print(jid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
