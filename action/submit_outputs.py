"""Turn `ftlint submit --format json`'s document into the action's outputs (job-id,
fine-tuned-model), a line of the job summary and an annotation. Every value is checked to be
one line of plain characters first: it came from a service and goes into files the runner parses."""

import json
import os
import re
import sys

path, status = sys.argv[1], int(sys.argv[2])
try:
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
except (OSError, ValueError):
    doc = {}
job = doc.get("job") or {}
error = doc.get("error") or {}


def plain(value) -> str:
    text = "" if value is None else str(value)
    return text if re.fullmatch(r"[A-Za-z0-9:._\-]*", text) else ""


job_id, model, state = plain(job.get("id")), plain(job.get("fine_tuned_model")), plain(job.get("status"))
if os.environ.get("GITHUB_OUTPUT"):
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(f"job-id={job_id}\nfine-tuned-model={model}\n")
if job_id:
    line = f"Fine-tuning job `{job_id}`: {state}" + (f", model `{model}`" if model else "") + \
        (" (an earlier run's job, resumed)" if doc.get("resumed") else "")
    print(f"::notice title=ftlint submit::{line.replace('`', '')}")
else:
    reason = error.get("message") or f"ftlint submit exited {status}"
    line = f"No fine-tuning job: {reason}"
    # the reason is ftlint's own text (secrets already redacted); an annotation takes one line
    print(f"::error title=ftlint submit::{' '.join(str(line).split())[:500].replace('%', '%25')}")
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # markdown, not HTML
if os.environ.get("GITHUB_STEP_SUMMARY"):
    with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as out:
        out.write(f"\n{line}\n")
