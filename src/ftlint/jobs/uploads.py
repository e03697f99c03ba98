"""Large files through the Uploads API, resumable: an upload is created once, each part the
service accepted is recorded in the submission's state as soon as it is, and a rerun within the
upload's hour sends only the parts still missing.

The service cannot list or retrieve uploads, so the state is the only memory of one. Creating an
upload or a part twice costs nothing (an unfinished upload expires, an unlisted part is
ignored); completing twice would make a second file, so ``complete`` runs with the client's
retries off and the service is asked for the file before it is tried again."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PART_SIZE = 64 * 10**6  # the API takes parts of up to 64 MB
MARGIN = 300  # seconds: an upload this close to its expiry is not resumed but started again


def file_md5(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _usable(record: dict, digest: str, size: int, part_size: int, now: float) -> bool:
    return (record.get("sha256") == digest and record.get("bytes") == size and record.get("part_size") == part_size
            and isinstance(record.get("parts"), list) and float(record.get("expires_at") or 0) > now + MARGIN)


@dataclass
class PartPlan:
    """How a large file goes up: the state's record of its upload (kept as the parts go), how to
    save the state, the part size, and where to say what happens."""

    record: dict
    save: Callable[[], None]
    part_size: int
    say: Callable[[str], None]

    def forget(self, why: str) -> None:
        """The recorded upload is gone: start a new one next time."""
        self.record.clear()
        self.save()
        self.say(f"the recorded upload is gone ({why}); starting a new one")


def upload_parts(client: Any, path: str, name: str, digest: str, size: int, plan: PartPlan) -> str:
    """Send the file's parts to an upload, resuming the one the plan's record holds when it is
    still usable; returns the upload's id, with every part sent and recorded."""
    record, save, part_size, say = plan.record, plan.save, plan.part_size, plan.say
    now = time.time()
    if not _usable(record, digest, size, part_size, now):
        upload = client.uploads.create(bytes=size, filename=name, mime_type="application/jsonl",
                                       purpose="fine-tune")
        record.clear()
        record.update(id=upload.id, expires_at=upload.expires_at, sha256=digest, bytes=size, part_size=part_size,
                      parts=[])
        save()
    elif record["parts"]:
        say(f"resuming upload {record['id']}: {len(record['parts'])} part(s) already sent")
    total = -(-size // part_size)
    with open(path, "rb") as fh:
        for index in range(len(record["parts"]), total):
            fh.seek(index * part_size)
            part = client.uploads.parts.create(record["id"], data=fh.read(part_size))
            record["parts"].append(part.id)
            save()  # a crash from here on resends nothing before this part
            say(f"  part {index + 1}/{total} sent")
    return record["id"]


def complete(client_once: Any, record: dict, md5: str) -> Any:
    """Finish the upload: the service assembles the parts, in order, into one file."""
    upload = client_once.uploads.complete(record["id"], part_ids=record["parts"], md5=md5)
    if upload.file is None:
        raise RuntimeError(f"upload {record['id']} completed with status {upload.status} and no file")
    return upload.file
