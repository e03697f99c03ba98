"""A fake fine-tuning service on 127.0.0.1 that the real ``openai`` client talks to through
``base_url``: files, fine-tuning jobs with metadata filtering and events, and faults injected per
route (a status with retry-after, a slow answer, a connection dropped before the server stores
anything or after it stored and before it answered). It records every request and every object it
stored, so tests assert on what the server saw, not on what the client believes."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Fault:
    """What to do to the next request of a route: ``status`` (with ``retry_after``), ``delay``
    seconds before answering, or ``drop`` the connection "before" storing or "after"."""

    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    drop: str | None = None  # "before" or "after"
    code: str | None = None  # the error's code, with status


@dataclass
class Service:
    files: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    events: dict[str, list] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)  # method, path, headers (lowercased), body bytes
    faults: dict[str, list[Fault]] = field(default_factory=dict)  # "POST /files" -> faults, used in turn
    process_after: int = 1  # GETs of a file before it is processed
    fail_files: set = field(default_factory=set)  # file names that fail processing
    # what each GET of a job moves it to, in turn; the last step holds
    job_steps: list = field(default_factory=lambda: ["queued", "running", "running", "succeeded"])
    job_error: dict | None = None  # set: the job fails with this error instead of succeeding
    total_steps: int = 2  # training steps a job reports in its metrics events
    steps_per_poll: int = 1  # steps a running job advances each time it is read
    log_lines: int = 0  # message events a running job logs each time it is read
    uploads: dict[str, dict] = field(default_factory=dict)  # with their parts' bytes
    upload_ttl: int = 3600  # seconds an upload lives
    metadata_support: bool = True  # False: an endpoint that neither stores job metadata nor filters by it
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:06d}"

    def fault(self, route: str) -> Fault | None:
        queue = self.faults.get(route)
        return queue.pop(0) if queue else None


def _multipart(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    boundary = re.search(r"boundary=([^;]+)", content_type).group(1).strip('"').encode()
    out = {}
    for part in body.split(b"--" + boundary):
        if b"\r\n\r\n" not in part:
            continue
        head, _, data = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        filename = re.search(rb'filename="([^"]*)"', head)
        if name:
            out[name.group(1).decode()] = (filename.group(1).decode() if filename else None, data[:-2])
    return out


class _Handler(BaseHTTPRequestHandler):
    service: Service  # set on the subclass each server makes
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, doc: dict, headers: dict | None = None) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        path = re.sub(r"^/(openai/v1|v1|openai)(?=/)", "", url.path)  # OpenAI, Azure v1, Azure dated
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        svc = self.service
        route = f"{method} {re.sub(r'/(file|ftjob|upload)-[0-9]+', '/{id}', path)}"  # "POST /fine_tuning/jobs"
        with svc.lock:
            svc.requests.append({"method": method, "path": path, "query": url.query, "body": body,
                                 "headers": {k.lower(): v for k, v in self.headers.items()}})
            fault = svc.fault(route)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop == "before":
                return self._drop()
            if fault.status:
                headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
                return self._answer(fault.status, {"error": {"message": "injected", "type": "server_error",
                                                            "code": fault.code, "param": None}}, headers)
        with svc.lock:
            status, doc = self._route(method, path, parse_qs(url.query), body)
        if fault is not None and fault.drop == "after":
            return self._drop()  # stored, but the client never hears of it
        self._answer(status, doc)

    def _route(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        svc = self.service
        now = int(time.time())
        if method == "POST" and path == "/files":
            parts = _multipart(body, self.headers.get("content-type", ""))
            filename, data = parts["file"]
            fid = svc.next_id("file")
            svc.files[fid] = {"id": fid, "object": "file", "bytes": len(data), "created_at": now,
                              "filename": filename, "purpose": parts["purpose"][1].decode(), "status": "uploaded",
                              "_data": data, "_polls": 0}
            return 200, _public(svc.files[fid])
        if method == "POST" and path == "/uploads":
            spec = json.loads(body)
            uid = svc.next_id("upload")
            svc.uploads[uid] = {"id": uid, "object": "upload", "bytes": spec["bytes"], "filename": spec["filename"],
                                "purpose": spec["purpose"], "status": "pending", "created_at": now,
                                "expires_at": now + svc.upload_ttl, "file": None, "_parts": {}}
            return 200, _public(svc.uploads[uid])
        m = re.fullmatch(r"/uploads/(upload-[0-9]+)/(parts|complete|cancel)", path)
        if m and method == "POST":
            upload = svc.uploads.get(m.group(1))
            if upload is None:
                return _refusal(404, "No such Upload")
            if upload["status"] != "pending" or now >= upload["expires_at"]:
                state = "expired" if upload["status"] == "pending" else upload["status"]
                return _refusal(400, f"Upload is {state}")
            if m.group(2) == "parts":
                pid = svc.next_id("part")
                upload["_parts"][pid] = _multipart(body, self.headers.get("content-type", ""))["data"][1]
                return 200, {"id": pid, "object": "upload.part", "created_at": now, "upload_id": upload["id"]}
            if m.group(2) == "cancel":
                upload["status"] = "cancelled"
                return 200, _public(upload)
            spec = json.loads(body)
            data = b"".join(upload["_parts"][p] for p in spec["part_ids"])
            if len(data) != upload["bytes"] or ("md5" in spec and hashlib.md5(data).hexdigest() != spec["md5"]):
                return _refusal(400, "the parts do not add up to the upload")
            fid = svc.next_id("file")
            svc.files[fid] = {"id": fid, "object": "file", "bytes": len(data), "created_at": now,
                              "filename": upload["filename"], "purpose": upload["purpose"], "status": "uploaded",
                              "_data": data, "_polls": 0}
            upload.update(status="completed", file=_public(svc.files[fid]))
            return 200, _public(upload)
        if method == "GET" and path == "/files":
            rows = [_public(f) for f in svc.files.values()]
            return 200, {"object": "list", "data": rows, "has_more": False}
        m = re.fullmatch(r"/files/(file-[0-9]+)", path)
        if m and method == "GET":
            f = svc.files.get(m.group(1))
            if f is None:
                return _refusal(404, "No such File object")
            f["_polls"] += 1
            if f["status"] == "uploaded" and f["_polls"] >= svc.process_after:
                f["status"] = "error" if f["filename"].split("-")[-1] in svc.fail_files else "processed"
                if f["status"] == "error":
                    f["status_details"] = "Invalid file format: line 3 is not JSON"
            return 200, _public(f)
        if method == "POST" and path == "/fine_tuning/jobs":
            spec = json.loads(body or b"{}")
            jid = svc.next_id("ftjob")
            svc.jobs[jid] = {"id": jid, "object": "fine_tuning.job", "created_at": now, "status": "validating_files",
                             "model": spec["model"], "training_file": spec["training_file"],
                             "validation_file": spec.get("validation_file"), "fine_tuned_model": None,
                             "finished_at": None, "error": None, "hyperparameters": {"n_epochs": "auto"},
                             "method": spec.get("method"),
                             "metadata": spec.get("metadata") if svc.metadata_support else None,
                             "organization_id": "org-fake", "result_files": [], "seed": spec.get("seed") or 7,
                             "suffix": spec.get("suffix"), "trained_tokens": None, "integrations": None}
            svc.events[jid] = []
            return 200, _public(svc.jobs[jid])
        if method == "GET" and path == "/fine_tuning/jobs":
            rows = [_public(j) for j in sorted(svc.jobs.values(), key=lambda j: j["id"], reverse=True)]
            for key, values in query.items():
                m = re.fullmatch(r"metadata\[(.+)\]", key)
                if m and svc.metadata_support:
                    rows = [j for j in rows if (j["metadata"] or {}).get(m.group(1)) == values[0]]
            return 200, {"object": "list", "data": rows, "has_more": False}
        m = re.fullmatch(r"/fine_tuning/jobs/(ftjob-[0-9]+)(/events)?", path)
        if m and method == "GET":
            job = svc.jobs.get(m.group(1))
            if job is None:
                return _refusal(404, "not found")
            if m.group(2):  # events, newest first, a page of `limit` after the event `after`
                return 200, _page(list(reversed(svc.events[job["id"]])), query)
            self._advance(job, now)
            return 200, _public(job)
        m = re.fullmatch(r"/fine_tuning/jobs/(ftjob-[0-9]+)/(cancel|pause|resume)", path)
        if m and method == "POST":
            job = svc.jobs.get(m.group(1))
            if job is None:
                return _refusal(404, "not found")
            action = m.group(2)
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return _refusal(400, f"Job has already {job['status']}")
            job["status"] = {"cancel": "cancelled", "pause": "paused", "resume": "running"}[action]
            return 200, _public(job)
        m = re.fullmatch(r"/fine_tuning/jobs/(ftjob-[0-9]+)/checkpoints", path)
        if m and method == "GET":
            job = svc.jobs.get(m.group(1))
            rows = [] if job is None or job["status"] != "succeeded" else [
                {"id": f"ftckpt-{i}", "object": "fine_tuning.job.checkpoint", "created_at": now,
                 "fine_tuned_model_checkpoint": f"{job['fine_tuned_model']}:ckpt-step-{i}", "fine_tuning_job_id":
                 job["id"], "step_number": i, "metrics": {"step": i, "train_loss": 0.5 / i}} for i in (2, 1)]
            return 200, {"object": "list", "data": rows, "has_more": False}
        return _refusal(404, f"no route {method} {path}")

    def _advance(self, job: dict, now: int) -> None:
        svc = self.service
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return
        step = job.setdefault("_step", 0)
        status = svc.job_steps[min(step, len(svc.job_steps) - 1)]
        job["_step"] = step + 1
        if status == "succeeded" and svc.job_error is not None:
            status, job["error"] = "failed", svc.job_error
        if status == "running":
            for i in range(svc.log_lines):
                svc.events[job["id"]].append({"id": svc.next_id("ftevent"), "object": "fine_tuning.job.event",
                                              "created_at": now, "level": "info", "type": "message",
                                              "message": f"log {step}.{i}", "data": {}})
            done = min(step * svc.steps_per_poll, svc.total_steps)
            svc.events[job["id"]].append({"id": svc.next_id("ftevent"), "object": "fine_tuning.job.event",
                                          "created_at": now, "level": "info", "type": "metrics",
                                          "message": f"Step {done}/{svc.total_steps}: training loss=0.5",
                                          "data": {"step": done, "total_steps": svc.total_steps,
                                                   "train_loss": 0.5 / max(done, 1)}})
        if status != job["status"]:
            job["status"] = status
            svc.events[job["id"]].append({"id": svc.next_id("ftevent"), "object": "fine_tuning.job.event",
                                          "created_at": now, "level": "error" if status == "failed" else "info",
                                          "type": "message", "message": f"Job is {status}", "data": {}})
        if status == "succeeded":
            job.update(fine_tuned_model=f"ft:{job['model']}:org::{job['id'][-6:]}", trained_tokens=12345,
                       finished_at=now)

    def do_GET(self) -> None:  # noqa: N802 - the handler's protocol
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


def _refusal(status: int, message: str) -> tuple[int, dict]:
    """An error answer as the API gives one."""
    return status, {"error": {"message": message, "type": "invalid_request_error", "code": None, "param": None}}


def _page(rows: list[dict], query: dict) -> dict:
    """A cursor page as the API gives one: ``limit`` rows after the row whose id is ``after``."""
    after = query.get("after", [None])[0]
    if after is not None:
        ids = [r["id"] for r in rows]
        rows = rows[ids.index(after) + 1:] if after in ids else []
    limit = int(query.get("limit", ["20"])[0])
    return {"object": "list", "data": rows[:limit], "has_more": len(rows) > limit}


def _public(f: dict) -> dict:
    return {k: v for k, v in f.items() if not k.startswith("_")}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client the test killed: expected
            super().handle_error(request, client_address)


class FakeOpenAI:
    """``with FakeOpenAI() as fake:`` serves on 127.0.0.1; ``fake.base_url``, ``fake.service``."""

    def __init__(self) -> None:
        self.service = Service()
        handler = type("Handler", (_Handler,), {"service": self.service})
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
