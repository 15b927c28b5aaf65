"""The command line: `hub-client ingest` and `hub-client catalogue import`, translated to the jobs' functions.

Standard output gets the job's summary as one JSON object; standard error the progress bar and messages. Exit
status: 0 the job is done (rows the centre quarantined are in the errors file), 1 the hub refused (or the file
cannot be read), 2 a usage error, 3 the hub stayed unavailable through every retry. A job stopped any way is
resumed by running the same command again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from hub_client.catalogue import CatalogueImport, run_import
from hub_client.errors import HubRefused, HubUnavailable, ResumeError, SourceError
from hub_client.gateway import DEFAULT_GATEWAY, Gateway
from hub_client.ingest import DEFAULT_BATCH_SIZE, IngestJob, NoProgress, Progress, run_ingest
from hub_client.progress import TerminalProgress
from hub_client.retry import RetryPolicy

EXIT_REFUSED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3
MAX_BATCH_SIZE = 1_000_000


def _entry_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an entry id (a UUID): {text!r}") from None


def _batch_size(text: str) -> int:
    size = int(text)
    if not 1 <= size <= MAX_BATCH_SIZE:
        raise argparse.ArgumentTypeError(f"between 1 and {MAX_BATCH_SIZE} records")
    return size


def _connection_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    hub = common.add_argument_group("the hub")
    hub.add_argument("--gateway", default=os.environ.get("HUB_GATEWAY_URL", DEFAULT_GATEWAY),
                     help="the gateway's URL (env HUB_GATEWAY_URL; default %(default)s)")  # fmt: skip
    hub.add_argument("--client-id", default=os.environ.get("HUB_CLIENT_ID"),
                     help="the client's login (env HUB_CLIENT_ID)")  # fmt: skip
    hub.add_argument("--client-secret", default=os.environ.get("HUB_CLIENT_SECRET"),
                     help="its secret (env HUB_CLIENT_SECRET, better than this flag: flags show in ps)")  # fmt: skip
    hub.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for an answer (default 300)")
    hub.add_argument("--attempts", type=int, default=RetryPolicy.attempts,
                     help="tries of a request on 429/503/network errors (default %(default)s)")  # fmt: skip
    hub.add_argument("--max-wait", type=float, default=RetryPolicy.max_wait,
                     help="longest wait before a retry, in seconds (default %(default)s)")  # fmt: skip
    hub.add_argument("--quiet", action="store_true", help="no progress bar")
    return common


def parser() -> argparse.ArgumentParser:
    """The command line's parser."""
    common = _connection_options()
    top = argparse.ArgumentParser(prog="hub-client", description="Push data and catalogues to the public data hub.")
    commands = top.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", parents=[common], help="push a file's records to an entry of the centre")
    ingest.add_argument("file", type=Path, help="a .csv, .ndjson (.jsonl) or .xlsx file, header row first")
    ingest.add_argument("--entry", required=True, type=_entry_id, help="the published entry's id")
    ingest.add_argument("--mode", choices=("replace", "merge"), default="replace",
                        help="replace: a row is the whole record; merge: it sets the items it names")  # fmt: skip
    ingest.add_argument("--batch-size", type=_batch_size, default=DEFAULT_BATCH_SIZE,
                        help="records per batch (default %(default)s)")  # fmt: skip
    ingest.add_argument("--errors", type=Path, help="row errors, JSON lines (default FILE.<entry>.errors.jsonl here)")
    ingest.add_argument("--state", type=Path, help="the job's state (default FILE.<entry>.state.jsonl here)")
    ingest.add_argument("--encoding", default="utf-8-sig", help="a CSV file's encoding (e.g. gb18030)")
    ingest.add_argument("--sheet", help="the XLSX sheet to read (default the first)")

    catalogue = commands.add_parser("catalogue", help="the agency's catalogue")
    actions = catalogue.add_subparsers(dest="action", required=True)
    imports = actions.add_parser("import", parents=[common], help="import the catalogue from a .csv or .xlsx file")
    imports.add_argument("file", type=Path)
    imports.add_argument("--submit", action="store_true", help="also send each imported entry for review")
    imports.add_argument("--errors", type=Path, help="refused rows, JSON lines (default FILE.errors.jsonl here)")
    imports.add_argument("--encoding", default="utf-8", help="a CSV file's encoding (e.g. gb18030)")
    return top


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; the exit status."""
    top = parser()
    args = top.parse_args(argv)
    if not args.client_id or not args.client_secret:
        top.error("the client's credentials are needed: HUB_CLIENT_ID and HUB_CLIENT_SECRET (or the flags)")
    if not args.file.is_file():
        top.error(f"no such file: {args.file}")
    ingesting = args.command == "ingest"
    progress: Progress = NoProgress()
    if not args.quiet:
        progress = TerminalProgress("ingest", "records") if ingesting else TerminalProgress("import", "entries")
    policy = RetryPolicy(attempts=max(1, args.attempts), max_wait=args.max_wait)
    try:
        with Gateway(args.gateway, args.client_id, args.client_secret, policy=policy, timeout=args.timeout,
                     on_retry=progress.note) as gateway:  # fmt: skip
            if ingesting:
                summary = run_ingest(gateway, _ingest_job(args), progress).as_dict()
            else:
                errors = args.errors or Path(f"{args.file.name}.errors.jsonl")
                job = CatalogueImport(args.file, errors, submit=args.submit, encoding=args.encoding)
                summary = run_import(gateway, job, progress).as_dict()
    except (SourceError, ResumeError, HubRefused) as exc:
        _say(f"hub-client: {exc}")
        return EXIT_REFUSED
    except HubUnavailable as exc:
        _say(f"hub-client: the hub is unavailable: {exc}. Run the same command again to resume.")
        return EXIT_UNAVAILABLE
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _ingest_job(args: argparse.Namespace) -> IngestJob:
    name = f"{args.file.name}.{args.entry[:8]}"
    return IngestJob(
        entry_id=args.entry, path=args.file, errors_path=args.errors or Path(f"{name}.errors.jsonl"),
        state_path=args.state or Path(f"{name}.state.jsonl"), mode=args.mode, batch_size=args.batch_size,
        encoding=args.encoding, sheet=args.sheet,
    )  # fmt: skip
