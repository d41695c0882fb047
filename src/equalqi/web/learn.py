"""``/learn``: the guide in the web app, its exercises checked and each user's progress kept.

Every page needs sign-in (any role): the app's rule that every route checks a role holds
here too, and progress is saved for the person signed in. The same guide is public offline
(``equalqi guide --out DIR`` and ``make demo`` write it), for anyone without an account.

Thin like the other routers: read the form, call :mod:`equalqi.services.learning`, render.
An answer is a POST (with the CSRF check) that saves it and redirects back to the exercise,
where the feedback is shown from the saved answer (so reloading never answers twice).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from equalqi.learn import render_inline
from equalqi.registry.models import User
from equalqi.services.learning import AnswerProblem, Learning, UnknownExercise
from equalqi.web.deps import DB, Form, Viewer
from equalqi.web.render import page, templates
from equalqi.web.security import verify_csrf

router = APIRouter(include_in_schema=False)
csrf = [Depends(verify_csrf)]


def inline_markdown(text: str) -> Markup:
    """A prompt, option or definition with its Markdown emphasis (raw HTML is off in the
    guide's renderer, so the content cannot inject markup)."""
    return Markup(render_inline(text))


templates.filters["inline_md"] = inline_markdown

#: Where glossary words in the guide's text link to (an anchor per term).
GLOSSARY = "/learn/glossary"


def learning_of(request: Request) -> Learning:
    value: Learning = request.app.state.learning
    return value


def glossary_link(slug: str) -> str:
    """Where a glossary word in the guide's text links to: its entry on the glossary page."""
    return f"{GLOSSARY}#{slug}"


@router.get("/learn", response_class=HTMLResponse)
def learn_index(request: Request, user: Viewer, session: DB) -> HTMLResponse:
    progress = learning_of(request).progress(session, user)
    return page(
        request,
        "learn_index.html.j2",
        title="Learn",
        user=user,
        modules=progress,
        solved=sum(p.solved for p in progress),
        total=sum(p.total for p in progress),
    )


@router.get("/learn/glossary", response_class=HTMLResponse)
def learn_glossary(request: Request, user: Viewer) -> HTMLResponse:
    terms = sorted(learning_of(request).guide.glossary, key=lambda t: t.term.lower())
    return page(request, "learn_glossary.html.j2", title="Glossary", user=user, terms=terms)


def _module_page(
    request: Request,
    user: User,
    session: Session,
    slug: str,
    *,
    problem: AnswerProblem | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = learning_of(request).module_view(session, user, slug, glossary=glossary_link)
    # The error summary links to the first option, where the focus should land (NHS.UK).
    problems = []
    if problem is not None:
        first = problem.exercise.options[0].key
        problems = [{"text": problem.message, "href": f"#{problem.exercise.id}-{first}"}]
    return page(
        request,
        "learn_module.html.j2",
        title=view.module.title,
        user=user,
        view=view,
        count=len(learning_of(request).guide.modules),
        problems=problems,
        problem=problem,
        status=status,
    )


@router.get("/learn/{slug}", response_class=HTMLResponse)
def learn_module(request: Request, slug: str, user: Viewer, session: DB) -> HTMLResponse:
    return _module_page(request, user, session, slug)


@router.post("/learn/exercises/{exercise_id}", dependencies=csrf)
def answer(request: Request, exercise_id: str, user: Viewer, session: DB, form: Form) -> Response:
    chosen = [v for v in form.getlist("chosen") if isinstance(v, str)]
    learning = learning_of(request)
    try:
        exercise, _feedback = learning.record_answer(session, user, exercise_id, chosen)
    except UnknownExercise as exc:
        return page(
            request,
            "error.html.j2",
            title="Exercise not found",
            message=str(exc),
            user=user,
            status=404,
        )
    except AnswerProblem as exc:
        return _module_page(request, user, session, exc.exercise.module, problem=exc, status=400)
    return RedirectResponse(
        f"/learn/{quote(exercise.module)}#{quote(exercise.id)}", status_code=303
    )
