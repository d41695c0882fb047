"""The guide's inline CSS (``templates/guide.css``): the NHS.UK colours and type the report
uses, for screen and print. Inlined into every page so the offline guide needs no files."""

from importlib import resources

CSS = (
    resources.files("equalqi.services.guide")
    .joinpath("templates/guide.css")
    .read_text(encoding="utf-8")
)
