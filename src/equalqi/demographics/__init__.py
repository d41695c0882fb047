"""Demographics (pure core): ethnicity codes, sex codes, age bands, deprivation quantiles.

Designed for the engine: the core classifies the DISTINCT raw values of a column (a few
hundred at most) into a small mapping table, and the engine joins that table back onto the
records. Nothing here reads files or talks to a database.
"""

from equalqi.demographics.age import (
    AGE_BAND_SCHEMES,
    AgeBands,
    age_band_index,
    age_band_labels,
    custom_age_bands,
    get_age_bands,
    validate_ages,
    validate_lower_bounds,
)
from equalqi.demographics.deprivation import (
    CORE20_LABELS,
    DECILE_LABELS,
    QUINTILE_LABELS,
    core20,
    decile_labels,
    deprivation_table,
    quintile_from_decile,
    quintile_labels,
    validate_deciles,
    validate_quintiles,
)
from equalqi.demographics.ethnicity import (
    ETHNIC_CATEGORIES,
    ETHNIC_CODE_ORDER,
    ETHNIC_GROUP_ORDER,
    NOT_KNOWN_CODE,
    NOT_STATED_CODE,
    classify_ethnicity,
    unrecognised_ethnicity,
)
from equalqi.demographics.sex import SEX_CODES, SEX_LABEL_ORDER, classify_sex

__all__ = [
    "AGE_BAND_SCHEMES",
    "CORE20_LABELS",
    "DECILE_LABELS",
    "ETHNIC_CATEGORIES",
    "ETHNIC_CODE_ORDER",
    "ETHNIC_GROUP_ORDER",
    "NOT_KNOWN_CODE",
    "NOT_STATED_CODE",
    "QUINTILE_LABELS",
    "SEX_CODES",
    "SEX_LABEL_ORDER",
    "AgeBands",
    "age_band_index",
    "age_band_labels",
    "classify_ethnicity",
    "classify_sex",
    "core20",
    "custom_age_bands",
    "decile_labels",
    "deprivation_table",
    "get_age_bands",
    "quintile_from_decile",
    "quintile_labels",
    "unrecognised_ethnicity",
    "validate_ages",
    "validate_deciles",
    "validate_lower_bounds",
    "validate_quintiles",
]
