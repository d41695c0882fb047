"""Write the whole offline guide: pages, facilitator pack and slides, into one folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from equalqi.services.guide.materials import DEFAULT_ROWS, Materials, materials
from equalqi.services.guide.pack import write_pack
from equalqi.services.guide.site import write_site
from equalqi.services.guide.slides import write_slides


@dataclass(frozen=True)
class GuideOutput:
    """What :func:`write_guide` wrote."""

    folder: Path
    index: Path
    pages: tuple[Path, ...]
    pack: Path
    slides: Path
    slide_titles: tuple[str, ...]


def write_guide(
    out: Path,
    *,
    rows: int = DEFAULT_ROWS,
    cache_dir: Path | None = None,
    built: Materials | None = None,
    progress: Callable[[str], None] | None = None,
) -> GuideOutput:
    """The offline guide in ``out``: ``index.html`` and the other pages,
    ``facilitator-pack.pdf`` and ``workshop.pptx``, all from the same content and demo data."""
    say = progress or (lambda _m: None)
    if built is None:
        say(f"working out the guide's charts and answers from the demo data ({rows:,} rows)")
        built = materials(cache_dir, rows)
    say("writing the guide's pages")
    pages = write_site(out, built)
    say("writing the facilitator pack (PDF)")
    pack = write_pack(out / "facilitator-pack.pdf", built)
    say("writing the workshop slides")
    titles = write_slides(out / "workshop.pptx", built)
    return GuideOutput(
        folder=out,
        index=out / "index.html",
        pages=tuple(pages),
        pack=pack,
        slides=out / "workshop.pptx",
        slide_titles=tuple(titles),
    )
