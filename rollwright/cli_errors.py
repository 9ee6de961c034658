"""The one error the ``rollwright`` CLI shows as a plain message (stderr, exit status 1)."""

from __future__ import annotations


class CliError(Exception):
    """Bad input or a missing setting, said in words the user can act on."""
