"""`python -m gateway.identities bootstrap-admin --login L --region R`: the first administrator of a region.

The password is read from HUB_BOOTSTRAP_PASSWORD, or generated and printed once. Uses DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from gateway.identities.secrets import new_secret
from gateway.identities.service import bootstrap_administrator
from gateway.settings import Settings
from hub.db import create_engine, create_sessionmaker


async def bootstrap(login: str, region: str, password: str) -> bool:
    engine = create_engine(Settings())
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await bootstrap_administrator(session, login, password, region) is not None
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.identities", description=__doc__)
    parser.add_argument("command", choices=["bootstrap-admin"])
    parser.add_argument("--login", required=True)
    parser.add_argument("--region", required=True, help="e.g. 320200 for the city of Wuxi")
    args = parser.parse_args()
    password = os.environ.get("HUB_BOOTSTRAP_PASSWORD") or new_secret()
    created = asyncio.run(bootstrap(args.login, args.region, password))
    if not created:
        print(f"{args.login} exists already; nothing changed")
    elif "HUB_BOOTSTRAP_PASSWORD" not in os.environ:
        print(f"created {args.login}; password (shown once): {password}")
    else:
        print(f"created {args.login}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
