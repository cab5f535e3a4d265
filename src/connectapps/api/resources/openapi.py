"""``GET /openapi.json``: what this server answers, as Twilio's own spec with only those operations.

The document is the packaged twilio-oai file (domain/resources/spec.py) with every operation this
server refuses removed, the per-path ``servers`` dropped and ``servers`` set to this host; built once and
kept gzipped and sent that way to a client whose ``Accept-Encoding`` takes gzip (wire/compressed.py).
"""

from typing import Any

import falcon

from connectapps.domain.resources import spec
from connectapps.domain.resources.served import REFUSED, coverage
from connectapps.wire import methods, render
from connectapps.wire.compressed import KeptCompressed


def _build() -> bytes:
    published = {row.operation_id for row in coverage() if row.status != REFUSED}
    source = spec.document()
    paths: dict[str, Any] = {}
    for path, item in source["paths"].items():
        kept = {key: value for key, value in item.items()
                if key != "servers" and not (isinstance(value, dict) and "operationId" in value
                                             and value["operationId"] not in published)}
        if any(isinstance(v, dict) and "operationId" in v for v in kept.values()):
            paths[path] = kept
    info = {**source["info"], "x-connectapps": {
        "source": f"{spec.SOURCE_REPOSITORY}/blob/{spec.SOURCE_COMMIT}/{spec.SOURCE_FILE}",
        "note": "The operations this server answers; see docs/coverage.md for those it refuses and why.",
    }}
    return render.encode({**source, "info": info, "servers": [{"url": "/"}], "paths": paths})


document = KeptCompressed(_build)


class OpenApi(methods.Unauthenticated):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        document.answer(req, resp)
