import pytest


@pytest.fixture(autouse=True)
def every_pdf_checked_for_accessibility() -> None:
    """Not here: the benchmarks time `render_pdf` as the site runs it, not
    the suite's PDF/UA check (pypdf reading every PDF back) wrapped around
    it in the tests (tests/conftest.py)."""
