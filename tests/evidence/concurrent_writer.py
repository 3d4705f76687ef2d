"""A separate writer process for tests/evidence/test_concurrent_writes.py.

    python tests/evidence/concurrent_writer.py import|api|review <kind> <file> <username>

Sets Django up, prints "ready", waits for a line on stdin (so two writers start together), then
imports the file (``import``), posts its rows one by one to the API (``api``: the CSV rows as
JSON bodies, through Django's test client in this process) or posts the review in the file
(``review``: {"pk": …, "body": {…}}), and prints the outcome as JSON.
"""

import csv
import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main(mode: str, kind: str, path: str, username: str) -> dict:
    import django

    django.setup()
    from django.test import Client

    from apps.accounts.models import User
    from apps.evidence.importing import import_records
    from apps.evidence.kinds import KINDS

    user = User.objects.get(username=username)
    data = Path(path).read_bytes()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    print("ready", flush=True)
    sys.stdin.readline()
    if mode == "import":
        result = import_records(kind=kind, data=data, actor=user, filename="roster.csv")
        return {"created": result.created, "skipped": result.skipped, "teams_created": result.teams_created,
                "errors": [str(e) for e in result.errors]}
    if mode == "review":
        review = json.loads(data)
        response = client.post(f"/api/v1/evidence/{kind}/{review['pk']}/review/", review["body"],
                               content_type="application/json", headers={"If-Match": review["if_match"]})
        return {"status": response.status_code, "body": response.json()}
    by_label = {f.label: f.name for f in KINDS[kind].fields}
    statuses: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(data.decode())):
        body = {by_label[label]: value for label, value in row.items()}
        response = client.post(f"/api/v1/evidence/{kind}/", body, content_type="application/json")
        code = str(response.status_code)
        if response.status_code == 409:
            code += ":" + response.json()["code"]
        statuses[code] = statuses.get(code, 0) + 1
    return {"statuses": statuses}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5])), flush=True)
