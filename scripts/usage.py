"""How the command line answers a mistake (the usage line, the commands, the error) and shows
its help (every default named)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn


class DefaultsShown(argparse.HelpFormatter):
    """Help that names each option's default, except where there is none to name."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        unnamed = action.default in (None, False, "", argparse.SUPPRESS) or "%(default)" in text
        if unnamed or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


class CommandParser(argparse.ArgumentParser):
    """A parser whose mistakes print the usage line, the commands it takes (if any), and one
    line naming the mistake, on stderr, with exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsShown)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(self.format_usage())
        sys.stderr.write(self.commands())
        self.exit(2, f"{self.prog}: error: {message}\n")

    def commands(self) -> str:
        """The commands this parser takes, one a line with its help; empty if none."""
        lines = [
            f"  {choice.dest:<10}{choice.help or ''}\n"
            for action in self._actions
            if isinstance(action, argparse._SubParsersAction)
            for choice in action._choices_actions
        ]
        return "commands:\n" + "".join(lines) if lines else ""
