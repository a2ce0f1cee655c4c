"""Benchmark: the map's date control in a real browser, over a long timeline.

Writes the self-contained map the way a user does (``zonemap map --self-contained --timeline
PATH -o PAGE``, the evidence timeline by default; ``--incidents N`` adds N synthetic incidents
over 2018-2024, which follow the date too), opens it in headless chromium (Debian's, driven by
playwright as in tests/test_browser.py; every request off the machine blocked), then moves the
slider to every date in turn, first to last, and back. For each switch it times, in the page,
the slider's ``input`` handler (the line, accuracy band and held area drawn again, the incident
layers told the date) and the time until the next frame is painted (``requestAnimationFrame``,
then a task). Prints the page's size, the time it took to open (until the date line is drawn),
and the median and maximum ms per switch; checks that each switch showed its date.

Run: ``.venv/bin/python benchmarks/date_control.py [--timeline PATH] [--incidents N] [--page PAGE.html]``
(``--page``: time a page already written instead).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip

#: One switch, in the page: the handler's time and the time until the next frame is painted (ms).
SWITCH_JS = """async (i) => {
    const slider = document.querySelector('.zonemap-date-slider');
    const start = performance.now();
    slider.value = i;
    slider.dispatchEvent(new Event('input'));
    const handled = performance.now();
    await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
    return [handled - start, performance.now() - start,
            document.querySelector('.zonemap-date-shown').textContent];
}"""


def write_page(timeline: Path, incidents: int, folder: Path) -> Path:
    """The page as ``zonemap map --self-contained --timeline ...`` writes it (in its own process)."""
    page = folder / "map.html"
    command = ["map", "--self-contained", "--timeline", str(timeline), "-o", str(page)]
    if incidents:
        import zonemap

        events = zonemap.synthetic_incidents(incidents, seed=5, start="2018-01-01", end="2024-12-07")
        events.drop(columns="geometry").to_csv(folder / "incidents.csv", index=False)
        command += ["--incidents", str(folder / "incidents.csv")]
    code = "import sys; from zonemap.cli import main_exit; sys.argv[0] = 'zonemap'; main_exit()"
    subprocess.run([sys.executable, "-c", code, *command], check=True)
    return page


def time_switches(page: Path) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        tab = context.new_page()
        errors = []
        tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        start = time.perf_counter()
        tab.goto(page.as_uri())
        tab.wait_for_function("document.querySelector('path.zonemap-date-line') !== null", timeout=60000)
        opened = time.perf_counter() - start
        dates = tab.evaluate("JSON.parse(document.getElementById('zonemap-timeline').textContent)"
                             ".states.map(s => s.as_of)")  # fmt: skip
        order = [*range(len(dates)), *range(len(dates) - 2, -1, -1)]  # every date, first to last and back
        handled, painted = [], []
        for i in order:
            handler_ms, frame_ms, shown = tab.evaluate(SWITCH_JS, i)
            if shown != dates[i]:
                raise SystemExit(f"the control showed {shown} for {dates[i]}")
            handled.append(handler_ms)
            painted.append(frame_ms)
        browser.close()
    if errors:
        raise SystemExit(f"page errors: {errors}")
    return {"dates": len(dates), "switches": len(order), "opened": opened,
            "handled": np.array(handled), "painted": np.array(painted)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeline", type=Path, default=ROOT / "geodata" / "evidence_timeline.geojson")
    parser.add_argument("--incidents", type=int, default=0, help="synthetic incidents on the map (default none)")
    parser.add_argument("--page", type=Path, help="time this page instead of writing one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zonemap-date-control-") as folder:
        page = args.page or write_page(args.timeline, args.incidents, Path(folder))
        size_mb = page.stat().st_size / 1e6
        before = " ".join(f"{v:.2f}" for v in os.getloadavg())
        report = time_switches(page)
    after = " ".join(f"{v:.2f}" for v in os.getloadavg())
    handled, painted = report["handled"], report["painted"]
    print(f"page {page.name if args.page else args.timeline.name}: {size_mb:.2f} MB, {report['dates']} dates, "
          f"{args.incidents:,} incidents; opened in {report['opened']:.1f} s")  # fmt: skip
    print(f"{'per switch (ms)':<30} {'median':>7} {'max':>7}")
    print(f"{'input handler':<30} {np.median(handled):>7.1f} {handled.max():>7.1f}")
    print(f"{'until the next frame painted':<30} {np.median(painted):>7.1f} {painted.max():>7.1f}")
    print(f"({report['switches']} switches: every date, first to last and back; load average {before} before, "
          f"{after} after)")  # fmt: skip


if __name__ == "__main__":
    main()
