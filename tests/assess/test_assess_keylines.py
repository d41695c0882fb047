"""The key-path -> line locator used to name lines in theory, answers and activity files."""

from equalqi.assess.keylines import KeyLines, format_path

TEXT = """\
schema_version = 1
name = "x"

[[sources]]
id = "a"

[[clusters]]
id = "c1"

[[clusters.statements]]
id = "s1"
context = \"\"\"
[[clusters]]
id = "not a key"
\"\"\"

[[clusters.statements.questions]]
id = "q1"

[[clusters]]
id = "c2"

[[clusters.statements]]
"id" = "s2"
inline = { a = 1 }

[clusters.statements.meta]
x.y = 1
"""


def test_lines_follow_toml_array_of_tables_counting():
    # Line numbers read off TEXT above by hand.
    k = KeyLines.scan(TEXT)
    assert k.line(("schema_version",)) == 1
    assert k.line(("sources", 0, "id")) == 5
    assert k.line(("clusters", 0)) == 7
    assert k.line(("clusters", 0, "statements", 0, "id")) == 11
    assert k.line(("clusters", 0, "statements", 0, "context")) == 12
    # the [[clusters]] inside the multi-line string is text, not a header
    assert k.line(("clusters", 0, "statements", 0, "questions", 0, "id")) == 18
    assert k.line(("clusters", 1, "id")) == 21
    # quoted key
    assert k.line(("clusters", 1, "statements", 0, "id")) == 24
    # a standard table under the latest array element, and a dotted key inside it
    assert k.line(("clusters", 1, "statements", 0, "meta", "x", "y")) == 28


def test_missing_path_falls_back_to_nearest_parent():
    k = KeyLines.scan(TEXT)
    # no 'tends_to' key in the second cluster's statement: point at its header (line 23)
    assert k.line(("clusters", 1, "statements", 0, "tends_to")) == 23
    # an element inside an inline table points at its key
    assert k.line(("clusters", 1, "statements", 0, "inline", "a")) == 25
    assert k.line(("nowhere",)) is None
    assert KeyLines().line(("a",)) is None


def test_format_path():
    assert format_path(("clusters", 1, "statements", 0, "id")) == "clusters[1].statements[0].id"
    assert format_path(()) == ""
