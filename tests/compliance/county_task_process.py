"""Run one county task in its own process (tests/compliance/test_nightly_concurrency.py).

    python -m tests.compliance.county_task_process RUN_ID COUNTY_ID AS_OF BARRIER_DIR NAME MAIL_DIR

Emails go to files in MAIL_DIR. The process waits at a barrier (a file per process in
BARRIER_DIR) before the task's notification step, so two processes send at the same moment.
"""

import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402

from apps.compliance import services, tasks  # noqa: E402


def main(run_id: str, county_id: str, as_of: str, barrier: str, name: str, mail_dir: str) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = mail_dir
    real = services.county_report_notify

    def gated(**kwargs):
        Path(barrier, name).touch()
        deadline = time.monotonic() + 60
        while len(list(Path(barrier).iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        return real(**kwargs)

    services.county_report_notify = gated
    result = tasks.evaluate_county.apply(args=[int(run_id), int(county_id), as_of]).get()
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:7])
