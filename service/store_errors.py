"""A PostgreSQL server that cannot be used as ``FAAS_DATABASE_URL`` says, named in words a
person can act on."""

from __future__ import annotations

# What libpq says (after "FATAL:" for the server's own refusals), and what it means here. The
# first that matches names the problem; anything else is quoted as libpq put it.
REFUSALS = (
    (
        "Connection refused",
        "PostgreSQL at {where} refuses connections: is it running, and listening on that "
        "address and port?",
    ),
    (
        "password authentication failed",
        'PostgreSQL at {where} rejected the password of user "{user}": check the password in '
        "FAAS_DATABASE_URL",
    ),
    (
        "no password supplied",
        'PostgreSQL at {where} asks user "{user}" for a password, and FAAS_DATABASE_URL gives none',
    ),
    (
        "does not exist",  # a database or a role
        "PostgreSQL at {where} has no {what}: create it (createdb -h {host} -p {port} "
        "{dbname}, or CREATE ROLE), or fix FAAS_DATABASE_URL",
    ),
    (
        "no pg_hba.conf entry",
        'PostgreSQL at {where} does not let user "{user}" connect to database "{dbname}" from '
        "here (pg_hba.conf)",
    ),
    ("timeout expired", "PostgreSQL at {where} did not answer within {timeout} s"),
    ("failed to resolve host", 'the host "{host}" of FAAS_DATABASE_URL cannot be resolved'),
)


class StoreUnreachableError(Exception):
    """The event store cannot be reached or used, for a reason its message names."""


def describe_refusal(message: str, env: dict[str, str], timeout_seconds: int) -> str:
    """One line for libpq's ``message`` about a connection to the store in ``env``."""
    host, port = env["POSTGRES_HOST"], env["POSTGRES_PORT"]
    user, dbname = env["POSTGRES_USER"], env["POSTGRES_DBNAME"]
    facts = {
        "where": f"{host}:{port}",
        "host": host,
        "port": port,
        "user": user,
        "dbname": dbname,
        "timeout": timeout_seconds,
        "what": f'role "{user}"' if f'role "{user}"' in message else f'database "{dbname}"',
    }
    for found, meaning in REFUSALS:
        if found in message:
            return meaning.format(**facts)
    said = " ".join(message.split()).removeprefix("connection failed: ")
    return f"cannot connect to PostgreSQL at {host}:{port}: {said}"
