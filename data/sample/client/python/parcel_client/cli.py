"""The ``parcel`` command line: upload, list, download and delete files.

    parcel upload photos/*.jpg --resume
    parcel ls --limit 20
    parcel get f_01HZX4 -o out.jpg
    parcel rm f_01HZX4
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from pathlib import Path

import requests

from parcel_client.config import ConfigError, load_config
from parcel_client.uploader import UploadError, Uploader

STATE_FILE = Path(".parcel-uploads.json")


def progress_printer(name: str):
    """A callback that redraws one status line per file."""
    def show(sent: int, total: int) -> None:
        percent = 100 * sent // total if total else 100
        sys.stderr.write(f"\r{name}: {percent:3d}% ({sent >> 20}/{total >> 20} MiB)")
        if sent >= total:
            sys.stderr.write("\n")
    return show


def load_state() -> dict:
    return json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}


def save_state(state: dict) -> None:
    STATE_FILE.write_text(json.dumps(state, indent=2))


def cmd_upload(args, config) -> int:
    uploader = Uploader(config)
    state = load_state()
    failures = 0
    for path in map(Path, args.files):
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        resume_id = state.get(str(path)) if args.resume else None
        try:
            record = uploader.upload_file(path, content_type,
                                          on_progress=progress_printer(path.name),
                                          resume_id=resume_id)
        except UploadError as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            failures += 1
            continue
        state.pop(str(path), None)
        print(f"{record['id']}\t{path}")
    save_state(state)
    return 1 if failures else 0


def cmd_ls(args, config) -> int:
    response = requests.get(f"{config.api_url}/v1/files", params={"limit": args.limit},
                            headers={"Authorization": f"Bearer {config.api_key}"}, timeout=30)
    response.raise_for_status()
    for item in response.json()["files"]:
        print(f"{item['id']}\t{item['size']:>12}\t{item['created_at']}\t{item['name']}")
    return 0


def cmd_get(args, config) -> int:
    url = f"{config.api_url}/v1/files/{args.file_id}/content"
    with requests.get(url, headers={"Authorization": f"Bearer {config.api_key}"},
                      stream=True, timeout=60) as response:
        response.raise_for_status()
        with open(args.output, "wb") as out:
            for block in response.iter_content(1 << 20):
                out.write(block)
    return 0


def cmd_rm(args, config) -> int:
    response = requests.delete(f"{config.api_url}/v1/files/{args.file_id}",
                               headers={"Authorization": f"Bearer {config.api_key}"}, timeout=30)
    response.raise_for_status()
    print(f"deleted {args.file_id}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parcel", description="Parcel command line client")
    parser.add_argument("--profile", help="config profile to use")
    sub = parser.add_subparsers(dest="command", required=True)

    upload = sub.add_parser("upload", help="upload one or more files")
    upload.add_argument("files", nargs="+")
    upload.add_argument("--resume", action="store_true", help="continue interrupted uploads")
    upload.set_defaults(run=cmd_upload)

    ls = sub.add_parser("ls", help="list recent files")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(run=cmd_ls)

    get = sub.add_parser("get", help="download a file")
    get.add_argument("file_id")
    get.add_argument("-o", "--output", required=True)
    get.set_defaults(run=cmd_get)

    rm = sub.add_parser("rm", help="delete a file")
    rm.add_argument("file_id")
    rm.set_defaults(run=cmd_rm)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(profile=args.profile)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    return args.run(args, config)


if __name__ == "__main__":
    sys.exit(main())
