"""Administrators made outside the API, where nobody could authorise them (uses DATABASE_URL):

  python -m gateway.identities bootstrap-admin --login L --region R
      the first administrator of a region; does nothing if the login exists (safe on every start).
  python -m gateway.identities recover-admin --login L --region CITY [--force]
      gives the city an administrator again when none can sign in: creates the login, or reactivates it as an
      administrator of the city with a new password. Refused while the city has an active administrator,
      unless --force.

The password is read from HUB_BOOTSTRAP_PASSWORD, or generated and printed once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from gateway.identities import repository
from gateway.identities.administrators import bootstrap_administrator, recover_city_administrator
from gateway.identities.secrets import new_secret, use_cost
from gateway.settings import Settings
from hub.db import create_engine, create_sessionmaker
from hub.errors import Problem


async def bootstrap(login: str, region: str, password: str) -> tuple[str, bool]:
    """Create the administrator unless the login exists: what happened, and whether the password was set."""
    settings = Settings()
    use_cost(settings)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            if await bootstrap_administrator(session, login, password, region) is not None:
                return f"created {login}", True
            existing = await repository.client_by_login(session, login)
            if existing is not None and existing.status != "active":
                return f"{login} exists but is {existing.status}; nothing changed (`recover-admin` restores it)", False
            return f"{login} exists already; nothing changed", False
    finally:
        await engine.dispose()


async def recover(login: str, city: str, password: str, force: bool) -> tuple[str, bool]:
    """Give the city an administrator again: what happened, and that the password was set."""
    settings = Settings()
    use_cost(settings)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            client = await recover_city_administrator(session, login, password, city, force=force)
            return f"{login} is an active administrator of {client.region_code}", True
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.identities", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["bootstrap-admin", "recover-admin"])
    parser.add_argument("--login", required=True)
    parser.add_argument("--region", required=True, help="e.g. 320200 for the city of Wuxi")
    parser.add_argument("--force", action="store_true", help="recover-admin: even if the city has an administrator")
    args = parser.parse_args()
    chosen = os.environ.get("HUB_BOOTSTRAP_PASSWORD")
    password = chosen or new_secret()
    try:
        if args.command == "bootstrap-admin":
            outcome, password_set = asyncio.run(bootstrap(args.login, args.region, password))
        else:
            outcome, password_set = asyncio.run(recover(args.login, args.region, password, args.force))
    except Problem as refused:
        print(f"refused: {refused.detail}", file=sys.stderr)
        return 1
    print(outcome)
    if password_set and not chosen:
        print(f"password (shown once): {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
