"""What the OpenAPI schema says about operations that answer a file instead of JSON."""


def file_response(content_type: str, what: str) -> dict:
    """`openapi_extra` for a download: its media type and a binary body, so the operation has a
    typed 200 like every JSON one."""
    return {
        "responses": {
            200: {
                "description": what,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }
