"""One delivery run in a process of its own, for the overlapping-runs tests (test_alerts_delivery_claims.py).

    python deliver_worker.py <store path> <hook url> <alert count> <start at (epoch s)>

Opens the SQLite store, waits until the start time (so two workers begin together), delivers the alerts
`make_alert` gives for hours 0..count-1 to one webhook channel "hook", and prints the report as JSON."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]

from conftest import make_alert  # noqa: E402 (the path above first)

from alerts.config import WebhookChannel  # noqa: E402
from alerts.deliver import deliver  # noqa: E402
from indexing.sqlite import SqliteStore  # noqa: E402


def main() -> None:
    path, url, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    store = SqliteStore(path)
    alerts = [make_alert(hour=hour) for hour in range(count)]
    channel = WebhookChannel(type="webhook", name="hook", url_env="HOOK", retries=0, backoff_s=0)
    time.sleep(max(0.0, start - time.time()))
    report = deliver(alerts, [channel], store, {"HOOK": url})
    store.close()
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    main()
