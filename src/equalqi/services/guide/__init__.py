"""The guide as the toolkit ships it: demo figures and answers, offline pages, pack, slides."""

from equalqi.services.guide.materials import DEFAULT_ROWS, Materials, cache_key, materials

__all__ = ["DEFAULT_ROWS", "Materials", "cache_key", "materials"]
