"""The Making Data Count palette and the WCAG contrast arithmetic."""

from __future__ import annotations

import pytest

from equalqi.services.report.svg_colours import (
    MDC_COLOURS,
    MDC_COLOURS_HIGH_CONTRAST,
    SECONDARY_TEXT,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_MARKERS,
    TEXT,
    contrast_ratio,
    mix,
    outline_colour,
    relative_luminance,
)

WHITE = "#ffffff"


def test_mdc_colours_are_nhsrplotthedots_defaults() -> None:
    # ptd_spc_colours() in R/ptd_spc_colours.R, github.com/nhs-r-community/NHSRplotthedots
    # (commit 050b07d): common_cause "#a6a6a6", special_cause_improvement "#00b0f0",
    # special_cause_neutral "#490092", special_cause_concern "#e46c0a", value_line "#a6a6a6",
    # mean_line "#000000", lpl/upl "#a6a6a6", target "#de1b1b", trajectory "#490092".
    assert MDC_COLOURS.common_cause == "#a6a6a6"
    assert MDC_COLOURS.special_cause_improvement == "#00b0f0"
    assert MDC_COLOURS.special_cause_neutral == "#490092"
    assert MDC_COLOURS.special_cause_concern == "#e46c0a"
    assert MDC_COLOURS.value_line == "#a6a6a6"
    assert MDC_COLOURS.mean_line == "#000000"
    assert MDC_COLOURS.lpl == MDC_COLOURS.upl == "#a6a6a6"
    assert MDC_COLOURS.target == "#de1b1b"
    assert MDC_COLOURS.trajectory == "#490092"
    assert MDC_COLOURS.for_classification("improvement") == "#00b0f0"
    assert MDC_COLOURS.for_classification("concern") == "#e46c0a"


def test_contrast_ratio_published_values() -> None:
    # WCAG 2.2 definition: black on white is the maximum, 21:1; a colour with itself is 1:1.
    assert contrast_ratio("#000000", WHITE) == pytest.approx(21.0)
    assert contrast_ratio("#123456", "#123456") == pytest.approx(1.0)
    # #767676 is the lightest grey that passes 4.5:1 on white (WebAIM: 4.54:1), #777777 fails
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.005)
    assert contrast_ratio("#777777", WHITE) < 4.5
    # luminance of pure sRGB primaries are the WCAG coefficients
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert relative_luminance("#00ff00") == pytest.approx(0.7152)
    assert relative_luminance("#0000ff") == pytest.approx(0.0722)


def test_high_contrast_preset_changes_only_the_light_lines() -> None:
    hc = MDC_COLOURS_HIGH_CONTRAST
    for line in (hc.value_line, hc.lpl, hc.upl):
        assert contrast_ratio(line, WHITE) >= 3.0 > contrast_ratio(MDC_COLOURS.upl, WHITE)
    assert hc.common_cause == MDC_COLOURS.common_cause
    assert hc.special_cause_improvement == MDC_COLOURS.special_cause_improvement
    assert hc.target == MDC_COLOURS.target and hc.mean_line == MDC_COLOURS.mean_line


def test_text_colours_meet_aa() -> None:
    assert contrast_ratio(TEXT, WHITE) >= 4.5
    assert contrast_ratio(SECONDARY_TEXT, WHITE) >= 4.5


@pytest.mark.parametrize("cls", ["common", "improvement", "concern", "neutral"])
def test_every_point_outline_reaches_3_to_1(cls: str) -> None:
    # WCAG 1.4.11: the grey (2.4:1) and blue (2.5:1) MDC fills are too light on their own, so
    # each marker has an outline; the outline alone must reach 3:1 against the white background.
    fill = MDC_COLOURS.for_classification(cls)
    assert contrast_ratio(outline_colour(fill), WHITE) >= 3.0


def test_series_colours_meet_contrast_and_are_told_apart_without_colour() -> None:
    for colour in SERIES_COLOURS:
        assert contrast_ratio(colour, WHITE) >= 4.5  # also used for the direct text labels
    assert len(set(SERIES_COLOURS)) == len(SERIES_COLOURS)
    assert len(set(SERIES_MARKERS)) == len(SERIES_MARKERS) >= 5
    assert len(set(SERIES_DASHES)) == len(SERIES_DASHES) >= 5


def test_mix_by_hand() -> None:
    # halfway between white (255) and black (0) rounds to 128 = 0x80
    assert mix("#ffffff", "#000000", 0.5) == "#808080"
    assert mix("#00b0f0", "#000000", 0.0) == "#00b0f0"
    assert mix("#abc", "#000000", 1.0) == "#000000"
