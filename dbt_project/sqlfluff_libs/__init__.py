"""dbt's `env_var` and `exceptions` for sqlfluff's plain jinja templater (.sqlfluff names
this folder as its library): models render as dbt renders them with the settings' defaults."""

import os


def env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise KeyError(f"{name} is not set and has no default")
    return value


class exceptions:  # noqa: N801 - dbt's name in jinja
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise RuntimeError(message)
