"""A task only the fault tests' worker imports (``celery worker --include``)."""

import os
import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.faults.stall_first_run")
def stall_first_run(marker: str) -> str:
    """The first run writes its process id to ``marker`` and stalls (to be killed); later runs finish."""
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        time.sleep(300)
        return "first run finished"
    return f"rerun in process {os.getpid()}"
