"""*Making Data Count* colours, as standardised by the NHS England MDC team and used by
*NHSRplotthedots* (``ptd_spc_colours``)."""

from __future__ import annotations

COMMON_CAUSE = "#a6a6a6"  # grey
IMPROVEMENT = "#00b0f0"  # blue
CONCERN = "#e46c0a"  # orange
NEUTRAL = "#490092"  # purple
VALUE_LINE = "#a6a6a6"
MEAN_LINE = "#000000"
LIMIT_LINE = "#a6a6a6"
TARGET = "#de1b1b"  # red
TRAJECTORY = "#490092"

CLASSIFICATION_COLOURS: dict[str, str] = {
    "common": COMMON_CAUSE,
    "improvement": IMPROVEMENT,
    "concern": CONCERN,
    "neutral": NEUTRAL,
}
