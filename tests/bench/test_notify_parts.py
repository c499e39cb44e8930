"""bench/notify reports the mean SMS parts per message in each language; the typical
Finnish text of every message kind fits one GSM-7 part."""

from __future__ import annotations

from bench.notify import parts_per_language
from gis_outage.model import LANGUAGES


def test_mean_parts_per_language_of_the_bench_outage() -> None:
    means = parts_per_language()
    assert list(means) == [str(language) for language in LANGUAGES]
    assert means["fi"] == 1.0
    assert all(1.0 <= mean <= 3.0 for mean in means.values()), means
