"""Every chart fill that carries text (groundswell/palette.py RISING, SERIES: plotly bar and pie labels drawn on
them) reads at WCAG AA: 4.5:1 between the fill and its text colour; the chart ink reads on the white card."""

from __future__ import annotations

import pytest
from test_badge_contrast import AA, contrast

from groundswell import palette


@pytest.mark.parametrize("name", sorted(palette.RISING))
def test_rising_fills_read(name):
    fill, ink = palette.RISING[name]
    assert contrast(fill, ink) >= AA, (name, fill, ink, contrast(fill, ink))


@pytest.mark.parametrize("index", range(len(palette.SERIES)))
def test_series_fills_read(index):
    fill, ink = palette.SERIES[index]
    assert contrast(fill, ink) >= AA, (index, fill, ink, contrast(fill, ink))


def test_the_palette_reaches_the_page_as_css_variables():
    css = palette.css_variables()
    for name, (fill, ink) in palette.RISING.items():
        assert f"--rising-{name}: {fill}; --rising-{name}-ink: {ink};" in css
    for i, (fill, ink) in enumerate(palette.SERIES):
        assert f"--series-{i}: {fill}; --series-{i}-ink: {ink};" in css
    assert contrast(palette.INK, palette.WHITE) >= AA
