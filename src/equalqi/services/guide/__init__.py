"""The guide as the toolkit ships it: demo figures and answers, offline pages, pack, slides.

``materials()`` is what the web app calls (cheap once cached); ``write_guide()`` writes the
offline copy (``equalqi guide --out DIR`` and ``make demo``).
"""

from equalqi.services.guide.build import GuideOutput, write_guide
from equalqi.services.guide.materials import DEFAULT_ROWS, Materials, cache_key, materials

__all__ = ["DEFAULT_ROWS", "GuideOutput", "Materials", "cache_key", "materials", "write_guide"]
