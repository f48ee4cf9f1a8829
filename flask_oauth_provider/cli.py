"""``flask oauth ...``: manage clients and tokens of the bundled SQLAlchemy storage.

::

    flask oauth create-client --name "My app" --redirect-uri https://app.example/cb \\
        --scope profile --scope read [--public] [--json]
    flask oauth list-clients [--json]
    flask oauth delete-client CLIENT_ID [--yes]
    flask oauth revoke --token TOKEN | --client CLIENT_ID | --user USER_ID [--client CLIENT_ID]
    flask oauth purge [--batch-size 1000]
    flask oauth keys rotate [--alg RS256|ES256|EdDSA]
    flask oauth keys list [--json]
    flask oauth keys retire KID... | --all-rotated
    flask oauth registration-token [--uses 1 | --unlimited] [--expires-in 86400] \
        [--description TEXT] [--json]

The commands work on the store built by ``oauth.init_sqlalchemy(db, ...)``. Bad input
prints a message saying what is wrong and exits with a non-zero status.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional

import click
from flask import current_app
from flask.cli import AppGroup

from .state import EXTENSION_KEY

if TYPE_CHECKING:
    from .sqla import SQLAlchemyStore

oauth_cli = AppGroup("oauth", help="Manage OAuth 2.0 clients and tokens.")


def get_store() -> SQLAlchemyStore:
    """The SQLAlchemy store of the current app's provider, or a clear ``ClickException``.

    SQLAlchemy is imported here, when a command runs, so that an app with callbacks or
    its own validator never loads it.
    """
    from .sqla import SQLAlchemyStore

    state = current_app.extensions.get(EXTENSION_KEY)
    if state is None:
        raise click.ClickException(
            "No OAuth2Provider is registered on this app: call oauth.init_app(app)."
        )
    store = state.store  # from oauth.init_sqlalchemy, or the validator when it is one
    if not isinstance(store, SQLAlchemyStore):
        raise click.ClickException(
            "The 'flask oauth' commands need the bundled SQLAlchemy storage: call "
            "oauth.init_sqlalchemy(db, client_model=..., code_model=..., token_model=...)."
        )
    _check_tables(store)
    return store


def _check_tables(store: SQLAlchemyStore) -> None:
    """A clear ``ClickException`` when the OAuth tables are not in the database yet."""
    from sqlalchemy import inspect

    missing = []
    for model in (store.client_model, store.code_model, store.token_model):
        table = model.__table__
        inspector = inspect(store.session.get_bind(mapper=model))
        if not inspector.has_table(table.name, schema=table.schema):
            missing.append(table.name)
    if missing:
        raise click.ClickException(
            f"The database has no table {', '.join(missing)}: create the tables first, with "
            "'flask db upgrade' (Flask-Migrate) or db.create_all()."
        )


def _split_all(values: tuple) -> list[str]:
    """Options given several times and/or space-separated, in order, without repeats."""
    out: list[str] = []
    for value in values:
        out.extend(v for v in value.split() if v not in out)
    return out


def _load_user(store: SQLAlchemyStore, user_id: str) -> Any:
    from sqlalchemy import inspect

    from .sqla.models import user_relationship

    rel = user_relationship(store.token_model)
    if rel is None:
        raise click.ClickException(
            f"{store.token_model.__name__} has no 'user' relationship, so users are unknown."
        )
    user_model = rel.mapper.class_
    (pk,) = inspect(user_model).primary_key
    value: Any = user_id
    try:
        if pk.type.python_type is int:
            value = int(user_id)
    except NotImplementedError:
        pass
    except ValueError:
        raise click.BadParameter(f"{user_id!r} is not a user id (a number).",
                                 param_hint="'--user'") from None
    user = store.session.get(user_model, value)
    if user is None:
        raise click.ClickException(f"No user with id {user_id!r}.")
    return user


def _client_dict(client: Any) -> dict:
    return {
        "client_id": client.client_id,
        "name": client.name,
        "client_type": client.client_type,
        "redirect_uris": client.redirect_uris,
        "grant_types": client.allowed_grant_types,
        "scopes": client.allowed_scopes,
        "resource_server": bool(client.is_resource_server),
        "created_at": client.created_at.isoformat() + "Z" if client.created_at else None,
    }


@oauth_cli.command("create-client")
@click.option("--name", required=True, help="Shown to users on the consent page.")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="A redirect URI (repeat for several).")
@click.option("--grant-type", "grant_types", multiple=True,
              help="A grant type (repeat for several). Default: authorization_code "
                   "refresh_token.")
@click.option("--scope", "scopes", multiple=True,
              help="A scope the client may ask for (repeat, or space-separated).")
@click.option("--default-scope", "default_scopes", multiple=True,
              help="A scope used when a request names none. Default: all of --scope.")
@click.option("--public", is_flag=True, help="A public client (native or browser app): no "
                                             "secret, PKCE required.")
@click.option("--resource-server", is_flag=True,
              help="May introspect every token (RFC 7662).")
@click.option("--user", "user_id", default=None, help="Id of the user who owns the client.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def create_client(name: str, redirect_uris: tuple, grant_types: tuple, scopes: tuple,
                  default_scopes: tuple, public: bool, resource_server: bool,
                  user_id: Optional[str], as_json: bool) -> None:
    """Register a client and print its client_id and secret (shown this once)."""
    store = get_store()
    user = _load_user(store, user_id) if user_id is not None else None
    kwargs: dict[str, Any] = {
        "name": name, "redirect_uris": list(redirect_uris), "scopes": _split_all(scopes),
        "public": public, "user": user, "resource_server": resource_server,
    }
    if grant_types:
        kwargs["grant_types"] = _split_all(grant_types)
    if default_scopes:
        kwargs["default_scopes"] = _split_all(default_scopes)
    try:
        client, secret = store.create_client(**kwargs)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    off = [g for g in client.allowed_grant_types if g not in store.config.grant_types]
    if off:
        click.echo(f"Warning: this server does not accept the {' and '.join(off)} grant "
                   "(OAUTH2_PROVIDER_GRANT_TYPES leaves it out), so the client cannot use "
                   "it until it is enabled.", err=True)
    info = _client_dict(client)
    if as_json:
        click.echo(json.dumps({**info, "client_secret": secret}))
        return
    click.echo(f"Created client {client.name!r} ({client.client_type}).")
    click.echo(f"client_id:     {client.client_id}")
    if secret is not None:
        click.echo(f"client_secret: {secret}")
        click.echo("Store the secret now: it is not shown again (only its digest is kept).")


@oauth_cli.command("list-clients")
@click.option("--json", "as_json", is_flag=True, help="Print the clients as JSON.")
def list_clients(as_json: bool) -> None:
    """List registered clients (never their secrets)."""
    clients = [_client_dict(c) for c in get_store().list_clients()]
    if as_json:
        click.echo(json.dumps(clients))
        return
    if not clients:
        click.echo("No clients.")
        return
    for c in clients:
        click.echo(f"{c['client_id']}  {c['client_type']:<12}  {c['name']}  "
                   f"[{' '.join(c['grant_types'])}]  {' '.join(c['redirect_uris'])}")


@oauth_cli.command("delete-client")
@click.argument("client_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_client(client_id: str, yes: bool) -> None:
    """Delete a client with all its codes and tokens."""
    store = get_store()
    client = store.load_client(client_id)
    if client is None:
        raise click.ClickException(f"No client with client_id {client_id!r}.")
    if not yes:
        click.confirm(f"Delete client {client.name!r} and all its tokens?", abort=True)
    store.delete_client(client_id)
    click.echo(f"Deleted client {client_id}.")


@oauth_cli.command("revoke")
@click.option("--token", default=None, help="An access or refresh token.")
@click.option("--client", "client_id", default=None, help="Every token of this client.")
@click.option("--user", "user_id", default=None,
              help="Every token of this user (with --client: of that client only).")
def revoke(token: Optional[str], client_id: Optional[str], user_id: Optional[str]) -> None:
    """Revoke a token, or every token of a client or of a user."""
    store = get_store()
    if token is not None:
        if client_id is not None or user_id is not None:
            raise click.UsageError("Give --token alone, or --client and/or --user.")
        if not store.revoke_token_value(token):
            raise click.ClickException("No such token.")
        click.echo("Revoked the token (and, for a refresh token, the tokens of its grant).")
        return
    if client_id is None and user_id is None:
        raise click.UsageError("Say what to revoke: --token, --client or --user.")
    if client_id is not None and store.load_client(client_id) is None:
        raise click.ClickException(f"No client with client_id {client_id!r}.")
    if user_id is not None:
        count = store.revoke_user_tokens(_load_user(store, user_id), client_id)
    else:
        count = store.revoke_client_tokens(client_id)
    click.echo(f"Revoked {count} token(s).")


@oauth_cli.command("purge")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Rows deleted per transaction.")
def purge(batch_size: int) -> None:
    """Delete expired codes and expired or revoked tokens (and expired device codes)."""
    counts = get_store().purge(batch_size=batch_size)
    message = f"Deleted {counts['codes']} code(s) and {counts['tokens']} token(s)"
    if "device_codes" in counts:
        message += (f", {counts['device_codes']} device code(s) and "
                    f"{counts.get('device_attempts', 0)} old wrong user-code entries")
    click.echo(message + ".")
    if "clients" in counts:
        click.echo(f"Deleted {counts['clients']} unused anonymous client(s).")


@oauth_cli.command("registration-token")
@click.option("--uses", default=1, show_default=True, type=click.IntRange(min=1),
              help="How many clients the token may register.")
@click.option("--unlimited", is_flag=True,
              help="Any number of clients until it expires (needs --expires-in).")
@click.option("--expires-in", default=86400, show_default=True, type=click.IntRange(min=0),
              help="Lifetime in seconds; 0: until used up.")
@click.option("--description", default="", help="A note saying who the token is for.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def registration_token(uses: int, unlimited: bool, expires_in: int, description: str,
                       as_json: bool) -> None:
    """Make an initial access token for dynamic client registration (RFC 7591 §3)."""
    store = get_store()
    try:
        token = store.create_initial_access_token(
            description, None if unlimited else uses, expires_in or None)
    except (ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"initial_access_token": token,
                               "uses": None if unlimited else uses,
                               "expires_in": expires_in or None}))
        return
    click.echo(f"initial_access_token: {token}")
    click.echo("Send it as 'Authorization: Bearer <token>' to the registration endpoint. "
               "It is not shown again (only its digest is kept).")


# -- OpenID Connect signing keys ----------------------------------------------------------

keys_cli = AppGroup("keys", help="Manage the OpenID Connect signing keys of the key store.")
oauth_cli.add_command(keys_cli)


def get_key_store() -> Any:
    """The bundled key store (``init_sqlalchemy(..., key_model=...)``), or a clear error."""
    state = current_app.extensions.get(EXTENSION_KEY)
    key_store = getattr(getattr(state, "provider", None), "key_store", None)
    if key_store is None:
        raise click.ClickException(
            "The 'flask oauth keys' commands need the key store: pass key_model=SigningKey "
            "to oauth.init_sqlalchemy(...).")
    return key_store


@keys_cli.command("rotate")
@click.option("--alg", default="RS256", show_default=True,
              type=click.Choice(["RS256", "ES256", "EdDSA"]),
              help="Signing algorithm of the new key.")
def rotate_key(alg: str) -> None:
    """Make a new active key; the previous one stops signing but stays published."""
    public = get_key_store().rotate(alg)
    click.echo(f"New {alg} signing key {public['kid']} is active.")


@keys_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the keys as JSON.")
def list_keys(as_json: bool) -> None:
    """Every key with its state: active, rotated (still published) or retired."""
    keys = get_key_store().list()
    if as_json:
        click.echo(json.dumps(keys, default=str, indent=2))
        return
    for key in keys:
        click.echo(f"{key['kid']}  {key['alg']:<6} {key['state']:<8} created {key['created_at']}")


@keys_cli.command("retire")
@click.argument("kids", nargs=-1)
@click.option("--all-rotated", is_flag=True, help="Retire every rotated-out key.")
def retire_keys(kids: tuple, all_rotated: bool) -> None:
    """Unpublish rotated-out keys (by kid, or all of them); tokens they signed stop
    verifying. An active key cannot be retired: rotate first."""
    if not kids and not all_rotated:
        raise click.UsageError("Name the keys to retire, or pass --all-rotated.")
    try:
        retired = get_key_store().retire(list(kids) if kids else None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Retired: " + (", ".join(retired) if retired else "nothing"))
