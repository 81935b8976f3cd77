"""How fast issues render, how the project's renderer compares with bare
WeasyPrint, and whether memory stays flat over many renders.

Prints the figures; asserts only that the renders produced what they should
(timings depend on the machine).

    make bench   (or: pytest tests/bench/test_bench_render.py -s)
"""

from __future__ import annotations

import datetime
import functools
import gc
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from issues.models import Issue, IssueStory
from issues.rendering import documents
from issues.rendering import jobs as render_jobs
from issues.rendering import pool as render_pool
from issues.rendering.jobs import worker_peak_memory_kb
from newsroom.models import Newsletter, Source, Story
from tests.issue_helpers import STORIES

SIZES = [5, 20, 100, 500]
COMPARISON_RUNS = 15
MEMORY_RUNS = 300
# Stories, and runs of each path (interleaved).
BARE_SIZES = [(5, 15), (20, 7), (100, 3)]


def build_issue(size: int, number: int, *, latin_only: bool = False) -> Issue:
    newsletter, _ = Newsletter.objects.get_or_create(
        slug="ict", defaults={"title": "Information and Communication Technology (ICT)"}
    )
    author, _ = User.objects.get_or_create(username="bench")
    sources = {name: Source.objects.get_or_create(name=name)[0] for _, _, name in STORIES}
    # Rendering does not look at a story's status, so plain rows will do.
    stories = Story.objects.bulk_create(
        Story(
            headline=f"{headline} ({n})",
            body=f"<p>{text.replace('林小红', 'Lin Xiaohong') if latin_only else text}</p>",
            source=sources[source],
            newsletter=newsletter,
            author=author,
        )
        for n, (headline, text, source) in enumerate(STORIES[i % len(STORIES)] for i in range(size))
    )
    issue = Issue.objects.create(
        newsletter=newsletter,
        number=number,
        period_start=datetime.date(2025, 11, 24),
        period_end=datetime.date(2025, 11, 30),
        created_by=author,
    )
    IssueStory.objects.bulk_create(
        IssueStory(issue=issue, story=story, position=n) for n, story in enumerate(stories, 1)
    )
    return issue


def timed(action: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_peak_mb() -> float:
    """The peak RSS of the render worker that answers (ru_maxrss, in KiB)."""
    return float(render_pool.run(worker_peak_memory_kb)) / 1024


# First, while this (the web) process has laid out nothing itself: every
# render goes to the render workers.
@pytest.mark.django_db
def test_web_process_memory_over_many_renders_with_render_workers() -> None:
    print(
        f"\nRSS of this (web) process over {MEMORY_RUNS} renders of a 5-story issue,"
        " Latin then with Hanzi, laid out by the render workers:"
    )
    print(f"  before any render:  {rss_mb():6.1f} MB (Python, pytest, Django, WeasyPrint)")
    for label, issue in [
        ("Latin only", build_issue(5, 1, latin_only=True)),
        ("with a Hanzi name", build_issue(5, 2)),
    ]:
        documents.render_pdf(issue)
        gc.collect()
        start = rss_mb()
        print(f"  {label}, after one render: {start:6.1f} MB")
        for n in range(1, MEMORY_RUNS + 1):
            documents.render_pdf(issue)
            if n % 100 == 0:
                gc.collect()
                print(
                    f"  {label}, after {n:>3}:       {rss_mb():6.1f} MB"
                    f"   (the worker's peak: {worker_peak_mb():6.1f} MB)"
                )
        print(
            f"  {label}: growth {rss_mb() - start:+.1f} MB, now {rss_mb():.1f} MB"
            " (target: under 150 MB in the web process)"
        )


@pytest.mark.django_db
def test_render_workers_against_the_in_process_renderer() -> None:
    """The cost of the bound: a render in a worker (pickling the document
    and the PDF through a pipe) against laying it out in this process."""
    issue = build_issue(5, 1)
    html = documents._document(issue, inline_css=False)
    date = documents.issue_date(issue)  # as render_pdf does: document, then layout
    documents.render_pdf(issue)  # warm both: a started worker, and fonts here
    documents.html_to_pdf(html, date)

    pooled, pdf = timed(lambda: documents.render_pdf(issue), COMPARISON_RUNS)
    in_process, same = timed(
        lambda: documents.html_to_pdf(documents._document(issue, inline_css=False), date),
        COMPARISON_RUNS,
    )
    assert pdf == same  # the same bytes either way
    print(f"\n5-story issue, median of {COMPARISON_RUNS}:")
    print(f"  render_pdf through a render worker: {pooled:.3f} s")
    print(f"  the same layout in this process:    {in_process:.3f} s")
    print(f"  ratio worker / in-process:          {pooled / in_process:.2f}")
    print(f"  this process after laying out itself: {rss_mb():.1f} MB RSS")


@pytest.mark.django_db
def test_render_times_by_issue_size() -> None:
    documents.render_pdf(build_issue(1, 999))  # warm the font configuration and stylesheet
    print("\nrender_pdf by issue size (median of 3, 1 for 500):")
    for number, size in enumerate(SIZES, start=1):
        issue = build_issue(size, number)
        seconds, pdf = timed(
            lambda issue=issue: documents.render_pdf(issue), 1 if size >= 500 else 3
        )
        pages = len(PdfReader(io.BytesIO(pdf)).pages)  # type: ignore[arg-type]
        print(
            f"  {size:>4} stories: {seconds:7.3f} s  {pages:>3} pages  {len(pdf) / 1024:7.0f} KiB"
        )  # type: ignore[arg-type]
        assert pages >= 1


@pytest.mark.django_db
def test_project_renderer_against_bare_weasyprint() -> None:
    """Like with like: our layout (html_to_pdf, in this process) against bare
    WeasyPrint given the same document, the same font configuration, the
    same parsed stylesheet, the same fetcher and the same PDF options. What
    is left is our own cost: the lock, SOURCE_DATE_EPOCH and the identifier.
    A second line shows what reusing the fonts and stylesheet saves against
    a bare run that builds both again each time."""
    issue = build_issue(5, 1)
    html = documents._document(issue, inline_css=False)
    date = documents.issue_date(issue)
    stylesheets = documents._stylesheets()
    fonts = documents._font_config()

    def ours() -> bytes:
        return documents.html_to_pdf(html, date)

    def bare_same_setup() -> bytes:
        document = HTML(string=html, base_url=None, url_fetcher=documents.fetch_resource)
        return document.write_pdf(  # type: ignore[no-any-return]
            stylesheets=stylesheets,
            font_config=fonts,
            pdf_identifier=True,
            pdf_variant=documents.PDF_VARIANT,
        )

    def bare_from_scratch() -> bytes:
        fresh_fonts = FontConfiguration()
        fresh_stylesheets = [
            CSS(
                url=documents.STATIC_SCHEME + name,
                url_fetcher=documents.fetch_resource,
                font_config=fresh_fonts,
            )
            for name in (documents.STYLESHEET, documents.PRINT_STYLESHEET)
        ]
        document = HTML(string=html, base_url=None, url_fetcher=documents.fetch_resource)
        return document.write_pdf(  # type: ignore[no-any-return]
            stylesheets=fresh_stylesheets,
            font_config=fresh_fonts,
            pdf_identifier=True,
            pdf_variant=documents.PDF_VARIANT,
        )

    paths = {"ours": ours, "same setup": bare_same_setup, "from scratch": bare_from_scratch}
    times: dict[str, list[float]] = {name: [] for name in paths}
    for action in paths.values():
        action()  # warm up every path once
    # Interleaved, so that a machine busy with something else slows all alike.
    for _ in range(COMPARISON_RUNS):
        for name, action in paths.items():
            start = time.perf_counter()
            pdf = action()
            times[name].append(time.perf_counter() - start)
            assert pdf.startswith(b"%PDF-")
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n5-story issue, tagged PDF/UA-1, in this process, median of {COMPARISON_RUNS}:")
    print(f"  project html_to_pdf:                                  {median['ours']:.3f} s")
    print(f"  bare WeasyPrint, same fonts, stylesheet and fetcher:  {median['same setup']:.3f} s")
    print(f"  bare WeasyPrint, fonts and stylesheet built each run: {median['from scratch']:.3f} s")
    print(
        f"  ratio project / bare, like with like: {median['ours'] / median['same setup']:.2f}"
        "  (target <= 1.10)"
    )
    print(f"  ratio project / bare from scratch:    {median['ours'] / median['from scratch']:.2f}")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def worker_usage() -> tuple[int, float, int]:
    """The pid, CPU seconds and minor page faults of the render worker that
    answers (the pool hands the same idle worker back to a caller that
    takes turns, until it is replaced)."""
    pid, cpu, faults = render_pool.run(render_jobs.worker_usage)
    return int(pid), float(cpu), int(faults)


@pytest.mark.django_db
def test_render_pdf_against_bare_weasyprint() -> None:
    """The path the site uses, `render_pdf` (read the issue, build the
    document and lay it out in a render worker, the PDF back through the
    pipe), against bare WeasyPrint in this process given the same document,
    fonts, parsed stylesheet, fetcher and PDF/UA option, prepared once.
    Interleaved, so that a machine busy with something else slows both
    alike, and in CPU seconds as well, which a busy machine disturbs less.
    Then where the difference goes: reading the issue, building the
    document, the layout in a worker, and the PDF's way back."""
    print(f"\nrender_pdf against bare WeasyPrint (load average {load_average()}):")
    stylesheets = documents._stylesheets()
    fonts = documents._font_config()
    for number, (size, runs) in enumerate(BARE_SIZES, start=1):
        issue = build_issue(size, 100 + number)
        html = documents._document(issue, inline_css=False)
        date = documents.issue_date(issue)

        def bare(html: str = html) -> bytes:
            document = HTML(string=html, base_url=None, url_fetcher=documents.fetch_resource)
            return document.write_pdf(  # type: ignore[no-any-return]
                stylesheets=stylesheets,
                font_config=fonts,
                pdf_identifier=True,
                pdf_variant=documents.PDF_VARIANT,
            )

        def site(issue: Issue = issue) -> bytes:
            return documents.render_pdf(issue)

        # Warm both. The same pages either way (ours adds one XMP packet
        # and the issue's date as SOURCE_DATE_EPOCH).
        assert page_count(site()) == page_count(bare())
        times: dict[str, list[float]] = {"site": [], "bare": []}
        cpu: dict[str, list[float]] = {"site": [], "bare": []}
        while len(times["bare"]) < runs:
            for name, action in (("site", site), ("bare", bare)):
                pid, worker_before, _ = worker_usage()
                start, start_cpu = time.perf_counter(), time.process_time()
                action()
                wall = time.perf_counter() - start
                cpu_here = time.process_time() - start_cpu
                pid_after, worker_after, _ = worker_usage()
                if pid_after != pid:
                    break  # the worker was replaced in between: run this pair again
                times[name].append(wall)
                cpu[name].append(cpu_here + worker_after - worker_before)
            else:
                continue
            # Keep the pairs whole.
            del times["site"][len(times["bare"]) :], cpu["site"][len(cpu["bare"]) :]
        site_s, bare_s = statistics.median(times["site"]), statistics.median(times["bare"])
        site_cpu, bare_cpu = statistics.median(cpu["site"]), statistics.median(cpu["bare"])
        pdf = bare()
        reading, source = timed(lambda issue=issue: documents.document_input(issue), runs)
        building, _ = timed(lambda source=source: documents.build_document(source, False), runs)
        transfer, back = timed(lambda pdf=pdf: render_pool.run(render_jobs.echo, pdf), runs)
        assert back == pdf
        layout, _ = timed(
            functools.partial(render_pool.run, documents.html_to_pdf, html, date), runs
        )
        print(
            f"  {size:>3} stories, median of {runs}: render_pdf {site_s:.3f} s,"
            f" bare {bare_s:.3f} s, ratio {site_s / bare_s:.3f} (target <= 1.05)"
        )
        print(
            f"      CPU seconds (this process and the render worker): render_pdf {site_cpu:.3f},"
            f" bare {bare_cpu:.3f}, ratio {site_cpu / bare_cpu:.3f}"
        )
        print(
            f"      of which: reading the issue {reading * 1000:.1f} ms, building the document"
            f" {building * 1000:.1f} ms, a {len(pdf) // 1024} KiB PDF there and back through"
            f" the pipe {transfer * 1000:.1f} ms; the layout alone in a worker {layout:.3f} s"
        )


FRESH_WORKERS = 3
JOBS_AFTER_FORK = 6


@pytest.mark.django_db
def test_a_new_workers_first_jobs() -> None:
    """A worker's 1st..6th layout of a 5-story issue after it was forked
    (median over three new workers): wall-clock and CPU time and minor page
    faults. A new worker lays out a sample issue twice before it takes a
    job, so that its first job costs what later ones do."""
    issue = build_issue(5, 1)
    html = documents._document(issue, inline_css=False)
    date = documents.issue_date(issue)
    rows: list[list[tuple[float, float, int]]] = [[] for _ in range(JOBS_AFTER_FORK)]
    for _ in range(FRESH_WORKERS):
        pool = render_pool.RenderPool(size=1, max_jobs=1000, memory_mb=512)
        try:
            pool.run(render_jobs.worker_pid, time_limit=120)  # started and warmed up
            for row in rows:
                _, cpu_before, faults_before = pool.run(render_jobs.worker_usage, time_limit=60)
                start = time.perf_counter()
                pool.run(documents.html_to_pdf, html, date, time_limit=60)
                wall = time.perf_counter() - start
                _, cpu_after, faults_after = pool.run(render_jobs.worker_usage, time_limit=60)
                row.append((wall, cpu_after - cpu_before, faults_after - faults_before))
        finally:
            pool.close()
    print(
        f"\nA new render worker's jobs, 5-story layout, median of {FRESH_WORKERS} workers"
        f" (load average {load_average()}):"
    )
    for n, row in enumerate(rows, start=1):
        wall = statistics.median(r[0] for r in row)
        cpu = statistics.median(r[1] for r in row)
        faults = statistics.median(r[2] for r in row)
        print(
            f"  job {n}: {wall * 1000:6.1f} ms, CPU {cpu * 1000:6.1f} ms, {faults:6.0f} page faults"
        )
        assert faults > 0
