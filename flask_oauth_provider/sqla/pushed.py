"""Pushed authorization requests (RFC 9126) over the bundled models.

A pushed request is one row of the app's
:class:`~flask_oauth_provider.sqla.models.PushedAuthorizationRequestMixin` model,
given to ``init_sqlalchemy`` as ``par_model``: the digest of its ``request_uri`` (the
reference itself is never stored, RFC 6819 §5.1.4.1.3), the client it was issued to,
the validated parameters as JSON, and when it expires (§2.2 ``expires_in``).

The request URI is used up by one conditional ``DELETE`` whose row count decides
(:meth:`PushedRequestStore.consume_pushed_authorization_request`): two browsers racing
with one request URI get one authorization, never two (§4: one-time use). ``flask oauth
purge`` deletes the expired rows nobody used.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any, Optional

from sqlalchemy import bindparam, delete, select

from ..core.request import Request
from ..validators import same_client
from .base import StoreBase
from .models import token_digest

log = logging.getLogger("flask_oauth_provider.sqla")


class PushedRequestStore(StoreBase):
    """The :class:`~flask_oauth_provider.core.par.PushedRequestValidator` methods of
    :class:`~flask_oauth_provider.sqla.SQLAlchemyStore`; they need ``par_model``."""

    def save_pushed_authorization_request(self, request_uri: str, client_id: str,
                                          params: dict, expires_in: int, request: Request,
                                          *args: Any, **kwargs: Any) -> None:
        """Keep the pushed parameters under the digest of ``request_uri`` (§2.2)."""
        model = self._par_model()
        now = self.now()
        row = model()
        row.request_uri_digest = token_digest(request_uri)
        row.client_id = client_id
        row.parameters = json.dumps(params, separators=(",", ":"))
        row.created_at = now
        row.expires_at = now + datetime.timedelta(seconds=int(expires_in))
        self._write(lambda: self.session.add(row))

    def get_pushed_authorization_request(self, request_uri: str, client_id: str,
                                         request: Request, *args: Any,
                                         **kwargs: Any) -> Optional[dict]:
        """The parameters pushed under ``request_uri`` for ``client_id`` while unused and
        unexpired (§4), else ``None``. Reads only: the consent page may be reloaded."""
        if not request_uri or not isinstance(request_uri, str):
            return None
        model = self._par_model()
        stmt = self._statement("pushed_request", lambda: select(model).where(
            model.request_uri_digest == bindparam("digest")))
        row = self.session.scalars(stmt, {"digest": token_digest(request_uri)}).first()
        if row is None:
            return None
        if not same_client(row.client_id, client_id):
            log.warning("request_uri of client %r presented by client %r: refused",
                        row.client_id, client_id)
            return None
        if row.is_expired(self.now()):
            log.info("expired request_uri of client %r presented: refused", client_id)
            return None
        params = json.loads(row.parameters or "{}")
        return params if isinstance(params, dict) else None

    def consume_pushed_authorization_request(self, request_uri: str, client_id: str,
                                             request: Request, *args: Any,
                                             **kwargs: Any) -> bool:
        """Delete the live row of ``request_uri`` for ``client_id``: True for the one
        request whose DELETE matched it (§4 one-time use), committed at once."""
        model = self._par_model()
        stmt = self._statement("consume_pushed_request", lambda: (
            delete(model).where(model.request_uri_digest == bindparam("digest"),
                                model.client_id == bindparam("client_id"),
                                model.expires_at > bindparam("now"))))
        count = self._write(lambda: self.session.execute(
            stmt, {"digest": token_digest(request_uri or ""), "client_id": client_id,
                   "now": self.now()},
            execution_options={"synchronize_session": False}).rowcount)
        return count == 1

    def _par_model(self) -> type:
        if self.par_model is None:
            raise RuntimeError(
                "Pushed authorization requests need a model: pass par_model= (a "
                "PushedAuthorizationRequestMixin model) to init_sqlalchemy.")
        return self.par_model
