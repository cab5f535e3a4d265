"""The ceiling: a minimal Falcon app that answers every GET with a small JSON body.

Served by Granian on the same core as the server under test, in the same run, it is what a
request costs when the application does nothing: each endpoint's throughput is reported as a
fraction of this one's (``python -m granian --interface wsgi bench.ceiling:app``).
"""

from typing import Any

import falcon
import orjson

BODY = orjson.dumps({"status": "ok"})


def hello(req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
    resp.content_type = "application/json"
    resp.data = BODY


app = falcon.App()
app.add_sink(hello, "/")
