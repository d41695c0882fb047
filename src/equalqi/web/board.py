"""Downloads of the board pack (issue 16) on the reports page: board.pdf, report.pdf,
tables.xlsx, board.pptx and the charts (SVG and PNG, zipped). Kept out of ``pages`` so the
reports page's routes stay as they are; every file is built from the disclosed result."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from equalqi.registry import analyses
from equalqi.services import analyses as analysis_service
from equalqi.web.deps import DB, Viewer

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/reports/{version}/board/{name}")
def board_download(project_id: int, version: int, name: str, user: Viewer, session: DB) -> Response:
    if name not in analysis_service.BOARD_FILES:
        raise HTTPException(status_code=404)
    run = analyses.get_analysis(session, user, project_id, version)
    try:
        data = analysis_service.board_file(run, name)
    except FileNotFoundError as exc:
        raise HTTPException(
            status_code=404, detail="This analysis has no board pack: run it again."
        ) from exc
    filename = f"project-{project_id}-v{version}-{name}"
    return Response(
        data,
        media_type=analysis_service.BOARD_FILES[name],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
