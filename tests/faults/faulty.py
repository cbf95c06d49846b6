"""The offline Bot API with the failures a real one has: an answer with ``parameters`` (a 429's
``retry_after``), an exception from the HTTP layer (a refused connection), a chat that has
blocked the bot. A failed call is recorded without a result; ``delivered`` are the calls that
succeeded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from channels.offline import Call, OfflineRequest
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import RequestData

BLOCKED = "Forbidden: bot was blocked by the user"


@dataclass
class FaultyRequest(OfflineRequest):
    #: Per method, the answers of its next calls: (status, description, parameters).
    answers: dict[str, list[tuple[int, str, dict[str, Any]]]] = field(default_factory=dict)
    #: Per method, exceptions its next calls raise from the HTTP layer.
    raises: dict[str, list[BaseException]] = field(default_factory=dict)
    #: Chats that blocked the bot: every call to them is answered 403.
    blocked: set[int] = field(default_factory=set)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[1]
        params = dict(request_data.parameters) if request_data else {}
        if self.raises.get(name):
            self.calls.append(Call(name, params))
            raise self.raises[name].pop(0)
        answer = self.answers.get(name, []).pop(0) if self.answers.get(name) else None
        if answer is None and params.get("chat_id") in self.blocked:
            answer = (403, BLOCKED, {})
        if answer is not None:
            self.calls.append(Call(name, params))
            status, description, parameters = answer
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
            if parameters:
                body["parameters"] = parameters
            return status, json.dumps(body).encode()
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )

    def delivered(self, method: str | None = None) -> list[Call]:
        """The calls that succeeded (of one method)."""
        return [c for c in self.calls if c.result is not None and (method is None or c.method == method)]
