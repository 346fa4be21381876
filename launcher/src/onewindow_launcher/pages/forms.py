"""One form, one set of materials: the form's answers and the files a person chose, as the services
want them — and the services' field errors back beside the fields they concern."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile

from .client import ServiceProblem, Services

MAX_UPLOAD = 10 * 1024 * 1024  # intake's vault refuses more; say so before sending it


def answers_from(form: FormData, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The answers typed into `f.<code>` inputs; numbers as numbers, blanks left out (intake says
    which required ones are missing)."""
    answers: dict[str, Any] = {}
    for field in fields:
        raw = form.get(f"f.{field['code']}")
        if not isinstance(raw, str) or not raw.strip():
            continue
        value: Any = raw.strip()
        if field["type"] == "number":
            try:
                number = float(value)
                value = int(number) if number.is_integer() else number
            except ValueError:
                pass  # intake names the field and says what is wrong
        answers[field["code"]] = value
    return answers


def chosen_files(form: FormData) -> dict[str, UploadFile]:
    """The files chosen in `m.<type_code>` inputs; an input left empty sends an empty part."""
    files = {}
    for name, value in form.multi_items():
        if name.startswith("m.") and isinstance(value, UploadFile) and value.filename:
            files[name[2:]] = value
    return files


async def upload_all(services: Services, token: str, files: dict[str, UploadFile], key: str,
                     applicant_ref: str | None = None) -> list[str]:
    """Each chosen file into the applicant's vault, once: the form's key makes a resent form idempotent."""
    ids = []
    for type_code, upload in files.items():
        content = await upload.read()
        if len(content) > MAX_UPLOAD:
            raise ServiceProblem(422, "material_too_large", f"文件超过10MB：{upload.filename}")
        params = {"type_code": type_code, "filename": upload.filename or type_code}
        if applicant_ref:
            params["applicant_ref"] = applicant_ref
        stored = await _upload(services, token, key, type_code, params, content, upload)
        ids.append(stored["material_id"])
    return ids


async def _upload(services: Services, token: str, key: str, type_code: str, params: dict[str, str], content: bytes,
                  upload: UploadFile) -> dict[str, Any]:
    reply = await services.call("POST", "intake", "/v1/materials", token, key=f"{key}-{type_code}", params=params,
                                content=content,
                                headers={"Content-Type": upload.content_type or "application/octet-stream"})
    return reply.json()


def field_errors(problem: ServiceProblem) -> dict[str, str]:
    """`form.<code>` → its Chinese message, for the field it concerns."""
    return {str(e.get("field", "")).removeprefix("form."): str(e.get("message_zh") or e.get("message") or "")
            for e in problem.errors if e.get("field")}
