"""How many SQL queries one request of a page makes (issue 19: at most 10, admin 15).

    queries.py PATH [EMAIL]

benchmarks/run calls it for each page, with the run's database and page caching off
(PORTAL_PAGE_CACHE_SECONDS=0), and passes the number to report.py for the "SQL" column. The
page is requested twice through Django's test client (logged in as EMAIL if given, like
probe.py session): the first request fills what a running process keeps (reference data read
once), the second is counted, as a visitor after the first would make it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("email", nargs="?", default="")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from portal.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    if args.email:
        client.force_login(User.objects.get(email=args.email))
    first = client.get(args.path)
    if first.status_code != 200:
        sys.exit(f"queries.py: {args.path} answered {first.status_code}")
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        client.get(args.path)
    print(count)


if __name__ == "__main__":
    main()
