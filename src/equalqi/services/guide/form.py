"""The session record form: the involvement log's own fields, so a session is logged from it.

Built from :mod:`equalqi.assess.involvement` (its activity types, roles and barriers, by key
and label), never from a copy, so the form cannot drift from the log. :func:`activity_toml`
writes the same fields as a file for ``equalqi assess involvement add --from FILE``.
"""

from __future__ import annotations

from html import escape

from equalqi.assess.involvement import ACTIVITY_TYPES, BARRIERS, ROLES

#: The log's activity fields, in the order the form asks for them.
FORM_FIELDS = (
    "type", "date", "title", "participants", "roles", "groups", "barriers", "barrier_notes",
)  # fmt: skip
#: Groups the form asks about (dimension, groups); more rows are left blank to fill in.
GROUP_ROWS = (("core20", ("Core20", "Not Core20")),)


def _key(name: str) -> str:
    return f' <span class="key">({escape(name)})</span>'


def feedback_form_html() -> str:
    """The printable form (boxes to write in), one fieldset per log field."""
    types = "".join(
        f'<li><span class="tick"></span>{escape(label)}{_key(k)}</li>'
        for k, label in ACTIVITY_TYPES.items()
    )
    roles = "".join(
        f'<tr><td>{escape(label)}{_key(k)}</td><td><span class="box short"></span></td></tr>'
        for k, label in ROLES.items()
    )
    groups = "".join(
        f"<tr><td>{escape(dim)}: {escape(g)}</td><td><span class='box short'></span></td></tr>"
        for dim, gs in GROUP_ROWS
        for g in gs
    )
    groups += "<tr><td><span class='box'></span></td><td><span class='box short'></span></td></tr>"
    barriers = "".join(
        f'<li><span class="tick"></span>{escape(label)}{_key(k)}</li>'
        for k, label in BARRIERS.items()
    )
    return f"""
<p>Fill in one form for each session. It asks the same things as the toolkit's involvement
log, so you can log the session straight from it. <strong>Write counts only: no names, phone
numbers or NHS numbers.</strong> Counts are attendances: a person who came twice counts twice.
The words in brackets are the log's own field names.</p>
<form class="record" aria-label="Session record">
<fieldset><legend>1. What kind of session was it?{_key("type")}</legend>
<ul class="checklist">{types}</ul></fieldset>
<fieldset><legend>2. When was it?{_key("date")}</legend>
<label>Date (day, month, year)</label><span class="box short"></span></fieldset>
<fieldset><legend>3. What was it about?{_key("title")}</legend>
<label>A short title, for example "Redesigning the reminder letter"</label>
<span class="box"></span></fieldset>
<fieldset><legend>4. How many people took part in total?{_key("participants")}</legend>
<span class="box short"></span></fieldset>
<fieldset><legend>5. How many people took part in each role?{_key("roles")}</legend>
<table><tbody>{roles}</tbody></table></fieldset>
<fieldset><legend>6. How many came from each group?{_key("groups")}</legend>
<p>Count people who live in a Core20 area (the most deprived fifth), and any other group
your project is about. Leave out people who did not say.</p>
<table><thead><tr><th scope="col">Group</th><th scope="col">Number</th></tr></thead>
<tbody>{groups}</tbody></table></fieldset>
<fieldset><legend>7. Which barriers did you remove?{_key("barriers")}</legend>
<ul class="checklist">{barriers}</ul></fieldset>
<fieldset><legend>8. Anything else about the barriers?{_key("barrier_notes")}</legend>
<span class="box tall"></span></fieldset>
</form>"""


def activity_toml() -> str:
    """The form's fields as an activity file to fill in (the log's own TOML layout)."""
    roles = "\n".join(f"{k} = 0" for k in ROLES)
    groups = "\n".join(f'"{g}" = 0' for _, gs in GROUP_ROWS for g in gs)
    return (
        f"# One session, for: equalqi assess involvement add --project NAME --from THIS_FILE\n"
        f"# type: one of {', '.join(ACTIVITY_TYPES)}\n"
        f'type = "workshop"\n'
        f"date = 2025-01-31\n"
        f'title = "Workshop: using QI to close gaps"\n'
        f"participants = 0\n"
        f"# barriers: any of {', '.join(BARRIERS)}\n"
        f"barriers = []\n"
        f'barrier_notes = ""\n\n'
        f"[roles]\n{roles}\n\n"
        f"[groups.{GROUP_ROWS[0][0]}]\n{groups}\n"
    )
