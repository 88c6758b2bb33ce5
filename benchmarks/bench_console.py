"""Benchmark: the console on a 100,000-customer demo bank (issue 6).

Each measurement runs in a fresh process, timed by this script from the moment it starts the process:

* **bare**: a bare Textual app with one Label, run headless through ``run_test`` until a frame with the
  label has been rendered;
* **workbench**: ``make_app`` for RM001, headless through ``run_test``, until the workbench shows its
  data: every loader's worker finished, the reminders table filled, and the next frame rendered;
* **search**: on the customers screen, typing a CIF one key at a time; for each keystroke the time from
  the key handed to the app's driver to the end of the first frame rendered after the table was
  filled with the page of results (the search is issued at once: the screen's 150 ms typing debounce
  is set to 1 ms for the measurement and reported separately), and the process's peak RSS; beside it,
  the same key-to-rendered time for a bare Textual app with an Input, Textual's own floor.

"Rendered" is the end of the compositor's next ``render_update`` (Textual 8.2.8's private
``textual._compositor.Compositor``): a callback scheduled with ``call_after_refresh`` can run before
the frame that draws the new rows, and would leave the drawing out.

It prints the times, the ratio workbench/bare (target ≤ 2), the median keystroke latency (target
< 50 ms) and the peak RSS (target < 200 MB).

    .venv/bin/python benchmarks/bench_console.py [--customers 100000] [--db PATH] [--keep DIR]
        [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

#: Issue 6's targets.
TARGET_RATIO = 2.0
TARGET_KEY_MS = 50.0
TARGET_RSS_MB = 200.0
#: What is typed into the customers search, one key at a time.
TYPED = "1000001"
READY = "READY"


# -- the measured processes ----------------------------------------------------------------------------

#: Frames the compositor has rendered in this process, and callbacks to run after the next one.
FRAMES = [0]
AFTER_NEXT_FRAME: list[Any] = []


def watch_frames() -> None:
    """Count the compositor's rendered frames, and run :data:`AFTER_NEXT_FRAME`'s callbacks once each,
    right after the next frame is rendered."""
    from textual._compositor import Compositor

    render = Compositor.render_update

    def rendered(self: Any, *args: Any, **kwargs: Any) -> Any:
        update = render(self, *args, **kwargs)
        FRAMES[0] += 1
        waiting = AFTER_NEXT_FRAME[:]
        AFTER_NEXT_FRAME.clear()
        for callback in waiting:
            callback()
        return update

    Compositor.render_update = rendered  # type: ignore[method-assign]


async def next_frame(since: int) -> None:
    """Wait until a frame is rendered after frame number ``since``."""
    while FRAMES[0] <= since:
        await asyncio.sleep(0.001)


def child_bare() -> None:
    """A bare Textual app with one Label, until it has shown."""
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("RM Console")

    async def run() -> None:
        watch_frames()
        app = Bare()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await next_frame(0)
            print(READY, flush=True)

    asyncio.run(run())


def child_workbench(db: Path) -> None:
    """The console for RM001 until the workbench shows its data."""
    from textual.widgets import DataTable

    from rm_console.app import make_app
    from rm_console.services import Services
    from rm_console.settings import Settings
    from screens.workbench import WorkbenchScreen

    async def run() -> None:
        watch_frames()
        app = make_app(Services(db, actor="RM001"), Settings(db_path=db, acting="RM001", lang="en"))
        async with app.run_test(size=(120, 40)) as pilot:
            while True:
                await pilot.pause()
                await app.workers.wait_for_complete()
                screen = app.screen
                if (
                    isinstance(screen, WorkbenchScreen)
                    and screen.query_one("#reminders").query_one(DataTable).row_count
                ):
                    break
            await next_frame(FRAMES[0])
            print(READY, flush=True)

    asyncio.run(run())


def _send_key(app: Any, key: str) -> float:
    """Hand ``key`` to the app's driver as a terminal would; the moment it was sent."""
    from textual import events

    event = events.Key(key, key)
    event.set_sender(app)
    sent = time.perf_counter()
    app._driver.send_message(event)
    return sent


def child_key_floor() -> None:
    """Textual's own floor for a keystroke: a bare app with an Input, from the key sent to the screen
    redrawn after the Input changed."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class Bare(App[None]):
        shown: asyncio.Future[float] | None = None

        def compose(self) -> ComposeResult:
            yield Input()

        def on_input_changed(self) -> None:
            AFTER_NEXT_FRAME.append(self._mark)

        def _mark(self) -> None:
            if self.shown is not None and not self.shown.done():
                self.shown.set_result(time.perf_counter())

    async def run() -> None:
        watch_frames()
        app = Bare()
        latencies: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for key in TYPED:
                app.shown = asyncio.get_running_loop().create_future()
                sent = _send_key(app, key)
                latencies.append(await asyncio.wait_for(app.shown, 10) - sent)
                await pilot.pause()
        print(json.dumps({"latencies": latencies}), flush=True)

    asyncio.run(run())


def child_search(db: Path) -> None:
    """Type into the customers search one key at a time: for each keystroke, the time from the key sent
    to the screen redrawn with the page of results; and the process's peak RSS."""
    from textual.widgets import DataTable, Input

    import screens.customers as customers_screen
    from rm_console.app import make_app
    from rm_console.services import Services
    from rm_console.settings import Settings
    from screens.customers import CustomersScreen

    customers_screen.DEBOUNCE = 0.001
    shown: list[asyncio.Future[float]] = []
    fill = CustomersScreen._fill

    def timed_fill(screen: CustomersScreen) -> None:
        fill(screen)

        def mark() -> None:
            if shown and not shown[-1].done():
                shown[-1].set_result(time.perf_counter())

        AFTER_NEXT_FRAME.append(mark)

    CustomersScreen._fill = timed_fill  # type: ignore[method-assign]

    async def run() -> None:
        watch_frames()
        app = make_app(Services(db, actor="BM01"), Settings(db_path=db, acting="BM01", lang="en"))
        latencies: list[float] = []
        rows: list[int] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await app.push_screen(CustomersScreen(app.services))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            screen.query_one("#search", Input).focus()
            await pilot.pause()
            table = screen.query_one("#customers", DataTable)
            for key in TYPED:
                shown.append(asyncio.get_running_loop().create_future())
                sent = _send_key(app, key)
                latencies.append(await asyncio.wait_for(shown[-1], 30) - sent)
                rows.append(table.row_count)
                await pilot.pause()
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"latencies": latencies, "rows": rows, "peak_kb": peak_kb}), flush=True)

    asyncio.run(run())


# -- the parent ------------------------------------------------------------------------------------------


def timed(args: list[str]) -> tuple[float, str]:
    """Seconds from starting ``this script --child ARGS`` to its exit, and its last output line."""
    env = {**os.environ, "RMC_CONFIG": "/nonexistent/config.toml"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind = sys.argv[2]
        if kind == "bare":
            child_bare()
        elif kind == "workbench":
            child_workbench(Path(sys.argv[3]))
        elif kind == "key-floor":
            child_key_floor()
        else:
            child_search(Path(sys.argv[3]))
        return

    from bench_tiers import build_bank

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="use this demo bank instead of building one")
    parser.add_argument("--keep", type=Path, help="build the bank in this directory and keep it")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-console-")) if args.keep is None else args.keep
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.db is not None:
            store = args.db
            print(f"bank: {store}")
        else:
            store = workdir / "bank.db"
            seconds = build_bank(store, args.customers, workdir)
            print(f"bank: rmc demo --customers {args.customers:,} built in {seconds:.1f} s")
        bare = [timed(["bare"])[0] for _ in range(args.repeat)]
        workbench = [timed(["workbench", str(store)])[0] for _ in range(args.repeat)]
        _, line = timed(["search", str(store)])
        search = json.loads(line)
        floor_ms = statistics.median(s * 1000 for s in json.loads(timed(["key-floor"])[1])["latencies"])
        bare_s, workbench_s = min(bare), min(workbench)
        keys_ms = [s * 1000 for s in search["latencies"]]
        print(f"bare Textual app, start to shown:      {bare_s:6.2f} s  (best of {args.repeat})")
        print(f"RM001 workbench, start to its data:    {workbench_s:6.2f} s  (best of {args.repeat})")
        print(f"ratio workbench/bare: {workbench_s / bare_s:.2f} (target ≤ {TARGET_RATIO:g})")
        print(
            f"customers search as BM01, typing {TYPED!r}: per keystroke "
            + ", ".join(f"{ms:.0f}" for ms in keys_ms)
            + f" ms; rows shown {search['rows']}"
        )
        median = statistics.median(keys_ms)
        print(
            f"median keystroke latency: {median:.1f} ms (target < {TARGET_KEY_MS:g} ms); "
            "the typing debounce of 150 ms comes on top"
        )
        print(f"the same for a bare Textual app with an Input (key to redrawn): {floor_ms:.1f} ms median")
        peak_mb = search["peak_kb"] / 1024
        print(f"peak RSS of the searching console: {peak_mb:.0f} MB (target < {TARGET_RSS_MB:g} MB)")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
