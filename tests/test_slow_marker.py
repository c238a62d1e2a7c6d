"""The ``slow`` marker: the default run deselects it, ``python -m pytest -m slow`` runs it.

This test is itself marked slow, so ``-m slow`` always collects at least one test (pytest's
exit status 5, "no tests collected", cannot happen in CI), and, in the whole slow run, it fails
rather than passing quietly if the slow tests lost their marks."""

from pathlib import Path

import pytest

# Slow tests of each kind: training, kill/resume and a Dask LocalCluster of worker processes
# (test_study.py), a subprocess interrupted by SIGINT (test_cli_regions.py), studies (test_toy.py).
SLOW_FILES = {"test_study.py", "test_cli_regions.py", "test_toy.py"}


@pytest.mark.slow
def test_slow_tests_are_collected(request):
    config, items = request.config, request.session.items
    whole_suite = {Path(a).resolve() for a in config.args} == {Path(__file__).resolve().parent}
    if not whole_suite or config.getoption("markexpr") != "slow":
        pytest.skip("checks the whole slow run only: python -m pytest -m slow")
    assert all(item.get_closest_marker("slow") for item in items)
    assert SLOW_FILES <= {item.path.name for item in items}
    assert len(items) >= 15
