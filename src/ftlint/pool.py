"""The process pool: chunks linted in forked workers, results handed back in input order as they
finish. Ctrl-C stops every worker at once; a result that cannot come back loses its part, not
the run."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from .diagnostics import ToolError
from .inputs import STDIN, Chunk

if TYPE_CHECKING:
    from .engine import ChunkResult, Linter


_WORKER: Linter | None = None  # the parent's linter, inherited by each forked worker


def can_fork() -> bool:
    # Workers inherit the loaded plugins, the tokenizer and the hash key of the dataset digests.
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _worker_signals() -> None:
    # Ctrl-C reaches every process of the terminal's group; the parent alone decides what to do,
    # so a worker never prints a traceback of its own.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _sigint_held():
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _stop_workers(pool) -> None:
    # ProcessPoolExecutor has no public way to stop running workers before Python 3.14.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
    # The pool's manager thread now sees its workers gone and closes its wake-up pipe. The
    # interpreter's exit hook writes to that pipe to wake the thread, and a write while it closes
    # prints "Exception ignored ... Bad file descriptor" under our one-line "interrupted". Wait
    # for the thread, then take it off the hook's list: it needs no waking any more (if it is
    # still busy on a loaded machine, the interpreter still waits for it at exit).
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=10)
        import concurrent.futures.process as cfp

        wakeups = getattr(cfp, "_threads_wakeups", None)
        if wakeups is not None:
            wakeups.pop(manager, None)


def _run_in_worker(chunk: Chunk) -> ChunkResult | ToolError:
    try:
        return _WORKER.run_chunk(chunk)
    except OSError as exc:  # one unreadable input must not stop the others
        return cannot_read(chunk, exc)


def cannot_read(chunk: Chunk, exc: OSError) -> ToolError:
    return ToolError("io", f"cannot read {chunk.path}: {exc.strerror or exc}", path=chunk.path)



#: Parts handed to the workers and not yet taken back, per worker. The parent merges results in
#: input order; with every part submitted at once (``Executor.map``), results that arrived while
#: it planned the file or merged waited in its memory: about 100 KB a part, 160 MB of a 10 GB run.
AHEAD = 4


def run_parallel(linter: Linter, chunks: Iterable[Chunk], processes: int,
                 local: Callable[[Chunk], ChunkResult | None]) -> Iterator[tuple[ChunkResult | None, bool]]:
    """(result, from a worker) for every chunk, in input order. Standard input is linted here
    (``local``), everything else in ``processes`` forked workers, at most :data:`AHEAD` parts a
    worker ahead of the one the caller is taking."""
    import concurrent.futures
    import multiprocessing
    from collections import deque

    global _WORKER
    _WORKER = linter
    # Objects alive now are shared with the forked workers; frozen, the collector leaves them
    # alone, so their pages are not copied into every worker.
    gc.freeze()
    pool = concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                                  initializer=_worker_signals)
    window = AHEAD * processes
    ahead: deque = deque()  # (chunk, its future; None for standard input), in input order
    todo = iter(chunks)
    try:
        while True:
            # Planning the next parts and submitting them, with Ctrl-C held back: raised inside
            # submit(), it would leave the pool's lock taken and the shutdown below waiting for it
            # for ever. (Workers inherit the held-back signal, and ignore it once they run: see
            # _worker_signals.)
            with _sigint_held():
                while len(ahead) < window:
                    c = next(todo, None)
                    if c is None:
                        break
                    ahead.append((c, None if c.path == STDIN else pool.submit(_run_in_worker, c)))
            if not ahead:
                break
            c, future = ahead.popleft()
            if future is None:
                yield local(c), False
                continue
            try:
                result = future.result()
            except Exception as exc:
                # a result that cannot cross back (a plugin's state that does not pickle) or a
                # worker that died: that part is lost, the run and its report are not
                linter.errors.append(ToolError("internal", f"a part of {c.display} could not come back from its "
                                               f"worker: {type(exc).__name__}: {exc}", path=c.display))
                if isinstance(exc, concurrent.futures.process.BrokenProcessPool):
                    raise
                continue
            del future  # the result is the caller's now; the future would keep it to the end of the loop
            if isinstance(result, ToolError):
                linter.errors.append(result)
                yield None, True
                continue
            yield result, True
    except BaseException:
        # Ctrl-C (or any failure here): stop the workers now rather than let them finish their parts.
        _stop_workers(pool)
        raise
    else:
        pool.shutdown()
    finally:
        _WORKER = None
        gc.unfreeze()
