"""The plain Markdown and HTML page templates: the reference the export's faster template
environment (``outputs.templating``) is checked against, byte for byte.

This is the environment the exports rendered with before: Jinja2's own sandbox, which
checks every attribute a template reads, and the escaping of ``printable.md`` and
``printable.e`` done afresh for every value printed. The templates, the escaping functions
and the printed decisions are infoshare's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from infoshare_cli.domain.text import displayable
from infoshare_cli.outputs import printable
from infoshare_cli.outputs.templating import CUSTOM, PAGE, TEMPLATES, MdText


def _md_filter(value: Any) -> MdText:
    return value if isinstance(value, MdText) else MdText(printable.md(value))


def _html_finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(displayable(str(value)))
    return Markup(printable.e(value))


def _environment(fmt: str, custom: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(TEMPLATES)]
    if custom is not None:
        text = custom.read_text(encoding="utf-8")

        def load(name: str) -> tuple[str, str, Any] | None:
            return (text, str(custom), lambda: True) if name == CUSTOM else None

        loaders.insert(0, jinja2.FunctionLoader(load))
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=fmt == "html",
        finalize=_html_finalize if fmt == "html" else _md_filter,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.pop("safe", None)
    if fmt == "html":
        env.filters["e"] = env.filters["escape"] = _html_finalize
    else:
        env.filters["md"] = _md_filter
    return env


class ReferencePage:
    """A page template as ``templating.Printable`` gives it (``render``), in the plain
    environment."""

    def __init__(self, fmt: str, path: Path | None = None):
        self.template = _environment(fmt, path).get_template(
            CUSTOM if path is not None else PAGE[fmt]
        )

    def render(self, **context: Any) -> Iterator[str]:
        yield from self.template.generate(**context)
