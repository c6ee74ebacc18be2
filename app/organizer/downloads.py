"""Downloads of organizer data as streamed CSV or Excel files, for every export of the organizer pages.

app/services/exports.py makes the files; this turns one into a response.
"""

from collections.abc import Iterable

from flask import Response, stream_with_context

from app.services.exports import FORMATS, MIMETYPES, Column, attachment, csv_chunks, xlsx_chunks


def export_response(columns: list[Column], source: Iterable, file_format: str, filename: str,
                    sheet_title: str = "") -> Response:
    """A streamed download of the source's rows as `filename`.csv or .xlsx.

    The source is an ExportSource (closed with the response, also when the download is cut
    short) or, for a few rows already read, any iterable.

    The labels and values are read while streaming, in the request's context, so they stay in
    the language of the page that asked for the file.
    """
    if file_format not in FORMATS:
        raise ValueError(f"Unknown export format {file_format!r}")
    if file_format == "csv":
        body = csv_chunks(columns, source)
    else:
        body = xlsx_chunks(columns, source, sheet_title or filename)
    response = Response(stream_with_context(body), mimetype=MIMETYPES[file_format])
    response.headers["Content-Disposition"] = attachment(f"{filename}.{file_format}")
    if hasattr(source, "close"):
        response.call_on_close(source.close)
    return response
