"""What every part of the bundled store shares: the session and models, one transaction
per write, statements built once, the lookup of a token by its value.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, sessionmaker

from ..config import ProviderConfig
from .models import (
    AuthorizationCodeMixin,
    ClientMixin,
    DeviceAttemptMixin,
    DeviceCodeMixin,
    InitialAccessTokenMixin,
    PushedAuthorizationRequestMixin,
    TokenMixin,
    token_digest,
    user_relationship,
    utcnow,
)


class StoreBase:
    """The session, the app's three models and the helpers every store method uses."""

    def __init__(self, session: Any, *, client_model: type, code_model: type,
                 token_model: type, config: Optional[ProviderConfig] = None,
                 device_code_model: Optional[type] = None,
                 device_attempt_model: Optional[type] = None,
                 initial_access_token_model: Optional[type] = None,
                 par_model: Optional[type] = None) -> None:
        for label, model, mixin in (
            ("client_model", client_model, ClientMixin),
            ("code_model", code_model, AuthorizationCodeMixin),
            ("token_model", token_model, TokenMixin),
            ("device_code_model", device_code_model or DeviceCodeMixin, DeviceCodeMixin),
            ("device_attempt_model", device_attempt_model or DeviceAttemptMixin,
             DeviceAttemptMixin),
        ):
            if not (isinstance(model, type) and issubclass(model, mixin)):
                raise TypeError(
                    f"{label} must be a mapped model class that subclasses "
                    f"flask_oauth_provider.sqla.{mixin.__name__}, not {model!r}."
                )
        if isinstance(session, sessionmaker):
            raise TypeError(
                "session must be a Session or a scoped_session, not the sessionmaker that "
                "makes them: pass scoped_session(sessionmaker(engine)) (one session per "
                "thread, removed at the end of each request)."
            )
        if initial_access_token_model is not None and not (
                isinstance(initial_access_token_model, type)
                and issubclass(initial_access_token_model, InitialAccessTokenMixin)):
            raise TypeError(
                "initial_access_token_model must be a mapped model class that subclasses "
                "flask_oauth_provider.sqla.InitialAccessTokenMixin, not "
                f"{initial_access_token_model!r}."
            )
        if par_model is not None:
            if not (isinstance(par_model, type)
                    and issubclass(par_model, PushedAuthorizationRequestMixin)):
                raise TypeError(
                    "par_model must be a mapped model class that subclasses "
                    "flask_oauth_provider.sqla.PushedAuthorizationRequestMixin, not "
                    f"{par_model!r}.")
        self.session = session
        #: Pushed authorization requests (RFC 9126), or ``None`` without them.
        self.par_model = par_model
        #: Initial access tokens of dynamic registration (RFC 7591 §3), or ``None``.
        self.initial_access_token_model = initial_access_token_model
        self.client_model = client_model
        self.code_model = code_model
        self.token_model = token_model
        #: The device authorization grant's models (RFC 8628), or ``None`` without it.
        self.device_code_model = device_code_model
        self.device_attempt_model = device_attempt_model
        self._explicit_config = config
        self._statements: dict[str, Any] = {}
        self._code_user = user_relationship(code_model)
        self._token_user = user_relationship(token_model)
        self._client_user = user_relationship(client_model)
        if self._code_user is None:
            raise TypeError(
                f"{code_model.__name__} needs a 'user' relationship to the app's user model "
                "(and its user_id column): an authorization code is granted by a user."
            )

    def now(self) -> datetime.datetime:
        """The current time, naive UTC (tests may replace it)."""
        return utcnow()

    def _write(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn()`` then commit; any failure rolls the whole transaction back."""
        try:
            result = fn()
            self.session.commit()
            return result
        except BaseException:
            self.session.rollback()
            raise

    def _with_user(self, stmt: Any, model: type, rel: Any) -> Any:
        # populate_existing: a row already in the session (say with expire_on_commit off)
        # is refreshed from this SELECT, so a revocation or redemption is never missed.
        stmt = stmt.execution_options(populate_existing=True)
        return stmt.options(joinedload(model.user)) if rel is not None else stmt

    def _statement(self, name: str, build: Callable[[], Any]) -> Any:
        """The statement ``name``, built once per store; callers bind only the values.

        Building a SELECT (and its cache key) on every call cost more than running it:
        the per-request lookups and writes reuse one immutable statement.
        """
        stmt = self._statements.get(name)
        if stmt is None:
            stmt = self._statements[name] = build()
        return stmt

    def _find_token(self, token: str) -> tuple[Any, Optional[str]]:
        """The row holding ``token`` as access or refresh token (one SELECT), and which."""
        if not token or not isinstance(token, str):
            return None, None
        digest = token_digest(token)
        model = self.token_model
        stmt = self._with_user(
            select(model).where(or_(model.access_token_digest == digest,
                                    model.refresh_token_digest == digest)),
            model, self._token_user,
        )
        row = self.session.scalars(stmt).first()
        if row is None:
            return None, None
        kind = "access_token" if row.access_token_digest == digest else "refresh_token"
        return row, kind
